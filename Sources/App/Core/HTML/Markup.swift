/// The portal's HTML layer: every page is a tree of `Markup` values, written to a string by
/// `MarkupWriter` alone, which escapes every text and every attribute value on the way out.
///
/// Why our own type instead of Plot's `Node`: Plot writes attribute values as given and its
/// head helpers copy the title into meta tags unescaped, so with Plot each view had to
/// remember to escape. Here a view cannot produce markup from data at all: element and
/// attribute names are `StaticString` (literals in the builders below), links are typed
/// (`LinkTarget`), and there is no raw-markup node. Views never see a Plot type, so the writer
/// behind this file can change (it writes the same shape Plot did, without a node tree of
/// its own) without touching a view.
struct Markup: Sendable {
    enum Content: Sendable {
        case element(name: StaticString, isVoid: Bool, children: [Markup])
        /// `value == nil`: a boolean attribute, written as its name alone.
        case attribute(name: StaticString, value: String?)
        case text(String)
        case group([Markup])
    }

    let content: Content

    static let empty = Markup(content: .group([]))

    static func text(_ text: String) -> Markup { Markup(content: .text(text)) }

    static func group(_ children: Markup...) -> Markup { Markup(content: .group(children)) }
    static func group(_ children: [Markup]) -> Markup { Markup(content: .group(children)) }

    static func forEach<Items: Sequence>(_ items: Items, _ transform: (Items.Element) -> Markup) -> Markup {
        Markup(content: .group(items.map(transform)))
    }

    static func `if`(_ condition: Bool, _ then: @autoclosure () -> Markup, else otherwise: @autoclosure () -> Markup = .empty) -> Markup {
        condition ? then() : otherwise()
    }

    static func unwrap<Value>(_ value: Value?, _ transform: (Value) -> Markup, else otherwise: @autoclosure () -> Markup = .empty) -> Markup {
        value.map(transform) ?? otherwise()
    }

    /// Any element of the fixed vocabulary in `Markup+Elements.swift`.
    static func element(_ name: StaticString, _ children: [Markup], isVoid: Bool = false) -> Markup {
        Markup(content: .element(name: name, isVoid: isVoid, children: children))
    }

    /// Any attribute whose name is written in the code; `nil` (and, unless `keepEmpty`, an
    /// empty value) leaves it out, as Plot did. The value is escaped when written.
    static func attr(_ name: StaticString, _ value: String?, keepEmpty: Bool = false) -> Markup {
        guard let value, keepEmpty || !value.isEmpty else { return .empty }
        return Markup(content: .attribute(name: name, value: value))
    }

    /// A boolean attribute (`required`, `checked`…): present or not.
    static func flag(_ name: StaticString, _ isOn: Bool) -> Markup {
        isOn ? Markup(content: .attribute(name: name, value: nil)) : .empty
    }
}

/// Writes markup as HTML. The only place that turns values into markup, so the only place
/// that escapes.
enum MarkupWriter {
    static func render(_ markup: Markup) -> String {
        var output = ""
        write(markup, into: &output)
        return output
    }

    static func write(_ markup: Markup, into output: inout String) {
        switch markup.content {
        case .text(let text): output += escapeText(text)
        case .group(let children): for child in children { write(child, into: &output) }
        case .attribute: break // written by its element
        case .element(let name, let isVoid, let children): writeElement(name, isVoid: isVoid, children, into: &output)
        }
    }

    private static func writeElement(_ name: StaticString, isVoid: Bool, _ children: [Markup], into output: inout String) {
        var attributes: [(name: String, value: String?)] = []
        var body = ""
        collect(children, attributes: &attributes, body: &body)
        output += "<\(name)"
        for attribute in attributes {
            output += " \(attribute.name)"
            if let value = attribute.value { output += "=\"\(escapeAttribute(value))\"" }
        }
        output += isVoid ? "/>" : ">\(body)</\(name)>"
    }

    /// Attributes may come from nested groups; a repeated attribute (two `.class`) joins its
    /// values with a space, as Plot did.
    private static func collect(_ children: [Markup], attributes: inout [(name: String, value: String?)], body: inout String) {
        for child in children {
            switch child.content {
            case .attribute(let name, let value):
                let name = "\(name)"
                if let index = attributes.firstIndex(where: { $0.name == name }) {
                    if let value, !value.isEmpty {
                        attributes[index].value = attributes[index].value.map { $0.isEmpty ? value : $0 + " " + value } ?? value
                    }
                } else {
                    attributes.append((name, value))
                }
            case .group(let nested): collect(nested, attributes: &attributes, body: &body)
            default: write(child, into: &body)
            }
        }
    }

    /// Text between tags: `&`, `<` and `>` cannot start markup once escaped.
    static func escapeText(_ text: String) -> String {
        guard text.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// An attribute value, always written between double quotes: no quote can end it early.
    static func escapeAttribute(_ value: String) -> String {
        guard value.contains(where: { "&<>\"'".contains($0) }) else { return value }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 16)
        for character in value {
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
