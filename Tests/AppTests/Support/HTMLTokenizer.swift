/// A small HTML tokenizer for tests: start tags with their attributes (quoted, unquoted or
/// bare), end tags and text, as a browser would split them. Enough to see which elements and
/// attributes a page really contains, whatever its text says.
struct HTMLTokenizer {
    struct Tag: Equatable, CustomStringConvertible {
        let name: String
        let attributes: [(name: String, value: String?)]
        var attributeNames: [String] { attributes.map(\.name) }
        func value(_ name: String) -> String? { attributes.first { $0.name == name }?.value ?? nil }
        var description: String { "<\(name) \(attributeNames.joined(separator: " "))>" }

        static func == (lhs: Tag, rhs: Tag) -> Bool { lhs.name == rhs.name && lhs.attributeNames == rhs.attributeNames }
    }

    enum Token: Equatable {
        case start(Tag)
        case end(String)
        case text(String)
    }

    static func tokens(_ html: String) -> [Token] {
        let chars = Array(html.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        var text = ""
        func flushText() { if !text.isEmpty { tokens.append(.text(decode(text))); text = "" } }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}" }
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic }

        while index < chars.count {
            let c = chars[index]
            guard c == "<", index + 1 < chars.count else { text.unicodeScalars.append(c); index += 1; continue }
            let next = chars[index + 1]
            if next == "!" || next == "?" {
                // Doctype, comment or processing instruction: skipped to its end.
                flushText()
                let isComment = index + 3 < chars.count && chars[index + 2] == "-" && chars[index + 3] == "-"
                var end = index + 2
                if isComment {
                    while end + 2 < chars.count && !(chars[end] == "-" && chars[end + 1] == "-" && chars[end + 2] == ">") { end += 1 }
                    index = min(end + 3, chars.count)
                } else {
                    while end < chars.count && chars[end] != ">" { end += 1 }
                    index = min(end + 1, chars.count)
                }
                continue
            }
            let isEnd = next == "/"
            let nameStart = index + (isEnd ? 2 : 1)
            guard nameStart < chars.count, isNameStart(chars[nameStart]) else { text.unicodeScalars.append(c); index += 1; continue }
            flushText()
            var cursor = nameStart
            var name = ""
            while cursor < chars.count, !isSpace(chars[cursor]), chars[cursor] != ">", chars[cursor] != "/" {
                name.unicodeScalars.append(chars[cursor]); cursor += 1
            }
            var attributes: [(String, String?)] = []
            while cursor < chars.count, chars[cursor] != ">" {
                if isSpace(chars[cursor]) || chars[cursor] == "/" { cursor += 1; continue }
                var attributeName = ""
                while cursor < chars.count, !isSpace(chars[cursor]), chars[cursor] != ">", chars[cursor] != "=",
                      !(chars[cursor] == "/" && attributeName.isEmpty == false && cursor + 1 < chars.count && chars[cursor + 1] == ">") {
                    attributeName.unicodeScalars.append(chars[cursor]); cursor += 1
                }
                while cursor < chars.count, isSpace(chars[cursor]) { cursor += 1 }
                var value: String?
                if cursor < chars.count, chars[cursor] == "=" {
                    cursor += 1
                    while cursor < chars.count, isSpace(chars[cursor]) { cursor += 1 }
                    var raw = ""
                    if cursor < chars.count, chars[cursor] == "\"" || chars[cursor] == "'" {
                        let quote = chars[cursor]
                        cursor += 1
                        while cursor < chars.count, chars[cursor] != quote { raw.unicodeScalars.append(chars[cursor]); cursor += 1 }
                        cursor += 1
                    } else {
                        while cursor < chars.count, !isSpace(chars[cursor]), chars[cursor] != ">" { raw.unicodeScalars.append(chars[cursor]); cursor += 1 }
                    }
                    value = decode(raw)
                }
                if !attributeName.isEmpty { attributes.append((attributeName.lowercased(), value)) }
            }
            index = cursor + 1
            tokens.append(isEnd ? .end(name.lowercased()) : .start(Tag(name: name.lowercased(), attributes: attributes)))
        }
        flushText()
        return tokens
    }

    static func tags(_ html: String) -> [Tag] {
        tokens(html).compactMap { if case .start(let tag) = $0 { tag } else { nil } }
    }

    /// The entities the portal writes, and numeric ones.
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[amp...]
            guard let semicolon = after.firstIndex(of: ";"), after.distance(from: amp, to: semicolon) <= 8 else {
                result += "&"; rest = rest[rest.index(after: amp)...]; continue
            }
            let entity = String(after[after.index(after: amp)..<semicolon])
            let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "#39": "'"]
            if let value = named[entity] {
                result += value
            } else if entity.hasPrefix("#"), let code = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : UInt32(entity.dropFirst()),
                      let scalar = Unicode.Scalar(code) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "&" + entity + ";"
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
