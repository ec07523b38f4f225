extension String {
    /// Escapes text for use inside a double-quoted HTML attribute. Plot writes attribute
    /// values as given, so every value that did not come from our own code goes through this.
    var attributeEscaped: String {
        var escaped = ""
        escaped.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
