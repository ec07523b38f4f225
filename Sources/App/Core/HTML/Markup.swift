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
///
/// It streams: each element's attributes are gathered first (they may come from nested
/// groups), its start tag written, then its children straight after, into the one output, so
/// no element's content is built apart and copied again by the element around it. Escaping
/// looks at the bytes: the characters it replaces are ASCII, and a byte test catches them
/// wherever they are, a combining mark after them included (`"` + U+0338 is one Character
/// but still a quote to the HTML parser).
enum MarkupWriter {
    static func render(_ markup: Markup) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(8 * 1024)
        write(markup, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the markup to a page being written as text.
    static func write(_ markup: Markup, into output: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 * 1024)
        write(markup, into: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// The writer itself works on bytes: tags and escapes are ASCII, and text is copied
    /// byte for byte, without a `String` grown piece by piece.
    static func write(_ markup: Markup, into output: inout [UInt8]) {
        switch markup.content {
        case .text(let text): appendEscaped(text, attribute: false, to: &output)
        case .group(let children): for child in children { write(child, into: &output) }
        case .attribute: break // written by its element
        case .element(let name, let isVoid, let children): writeElement(name, isVoid: isVoid, children, into: &output)
        }
    }

    private static func writeElement(_ name: StaticString, isVoid: Bool, _ children: [Markup], into output: inout [UInt8]) {
        var attributes: [(name: StaticString, value: String?)] = []
        collectAttributes(children, into: &attributes)
        output.append(UInt8(ascii: "<"))
        append(name, to: &output)
        for attribute in attributes {
            output.append(UInt8(ascii: " "))
            append(attribute.name, to: &output)
            if let value = attribute.value {
                output.append(UInt8(ascii: "="))
                output.append(UInt8(ascii: "\""))
                appendEscaped(value, attribute: true, to: &output)
                output.append(UInt8(ascii: "\""))
            }
        }
        guard !isVoid else {
            output.append(UInt8(ascii: "/"))
            output.append(UInt8(ascii: ">"))
            return
        }
        output.append(UInt8(ascii: ">"))
        writeChildren(children, into: &output)
        output.append(UInt8(ascii: "<"))
        output.append(UInt8(ascii: "/"))
        append(name, to: &output)
        output.append(UInt8(ascii: ">"))
    }

    /// Attributes may come from nested groups; a repeated attribute (two `.class`) joins its
    /// values with a space, as Plot did.
    private static func collectAttributes(_ children: [Markup], into attributes: inout [(name: StaticString, value: String?)]) {
        for child in children {
            switch child.content {
            case .attribute(let name, let value):
                if let index = attributes.firstIndex(where: { same($0.name, name) }) {
                    if let value, !value.isEmpty {
                        attributes[index].value = attributes[index].value.map { $0.isEmpty ? value : $0 + " " + value } ?? value
                    }
                } else {
                    attributes.append((name, value))
                }
            case .group(let nested): collectAttributes(nested, into: &attributes)
            default: break
            }
        }
    }

    /// The children that are not attributes, in order, nested groups included.
    private static func writeChildren(_ children: [Markup], into output: inout [UInt8]) {
        for child in children {
            switch child.content {
            case .attribute: break
            case .group(let nested): writeChildren(nested, into: &output)
            default: write(child, into: &output)
            }
        }
    }

    private static func same(_ a: StaticString, _ b: StaticString) -> Bool {
        a.withUTF8Buffer { left in b.withUTF8Buffer { right in left.elementsEqual(right) } }
    }

    private static func append(_ name: StaticString, to output: inout [UInt8]) {
        name.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// Appends `text` with `&`, `<` and `>` replaced, and in an attribute (always written
    /// between double quotes) `"` and `'` too; every other byte is copied as it is.
    private static func appendEscaped(_ text: String, attribute: Bool, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let replacement: StaticString
                switch bytes[index] {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\"") where attribute: replacement = "&quot;"
                case UInt8(ascii: "'") where attribute: replacement = "&#39;"
                default: continue
                }
                if runStart != index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                append(replacement, to: &output)
                runStart = index + 1
            }
            if runStart != bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
    }

    /// Text between tags: `&`, `<` and `>` cannot start markup once escaped.
    static func escapeText(_ text: String) -> String {
        var escaped: [UInt8] = []
        appendEscaped(text, attribute: false, to: &escaped)
        return String(decoding: escaped, as: UTF8.self)
    }

    /// An attribute value, always written between double quotes: no quote can end it early.
    static func escapeAttribute(_ value: String) -> String {
        var escaped: [UInt8] = []
        appendEscaped(value, attribute: true, to: &escaped)
        return String(decoding: escaped, as: UTF8.self)
    }
}
