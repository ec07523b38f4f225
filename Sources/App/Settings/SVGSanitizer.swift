import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Rebuilds an SVG logo from what it draws: elements and attributes on an allow-list, written
/// out again by this code with every value escaped. Whatever runs or loads (`<script>`,
/// `<foreignObject>`, `on…` handlers, `javascript:` or external `href`s, `<image>`,
/// animations that could change a link, `<style>` that imports or fetches) is left out, with
/// everything inside it. Served logos carry a sandboxing CSP as well (`BrandLogoController`).
enum SVGSanitizer {
    static let namespace = "http://www.w3.org/2000/svg"

    /// Elements kept as they are (with their allowed attributes and children).
    static let elements: Set<String> = [
        "svg", "g", "defs", "symbol", "use", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "title", "desc", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "style",
    ]
    /// Elements dropped while their children are kept: a link's shapes still draw.
    static let unwrapped: Set<String> = ["a", "switch"]
    /// Elements whose text is kept.
    static let textElements: Set<String> = ["text", "tspan", "title", "desc", "style"]
    static let attributes: Set<String> = [
        "id", "class", "style", "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "y1", "x2", "y2",
        "cx", "cy", "r", "rx", "ry", "fx", "fy", "dx", "dy", "d", "points", "transform", "fill", "fill-opacity", "fill-rule",
        "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
        "stroke-dashoffset", "opacity", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
        "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "font-family", "font-size", "font-weight",
        "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "visibility", "display", "color", "vector-effect", "version",
        "role", "aria-label", "href", "xlink:href",
    ]
    /// Deeper than this is no logo: refused, so that nothing recurses without bound.
    static let maxDepth = 64

    /// Whether the bytes are text that starts like markup (after a byte-order mark and spaces).
    static func looksLikeMarkup(_ data: Data) -> Bool {
        guard let text = String(data: data, encoding: .utf8) else { return false }
        return text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }.first == "<"
    }

    /// The sanitised SVG, or nil when the bytes are not an XML document whose root is `<svg>`.
    /// Document types and entity declarations are refused outright: a logo needs none, and
    /// they are how XML parsers are made to read files or grow without bound. So is an XML
    /// declaration naming another encoding than UTF-8: the parser would decode by it, and a
    /// UTF-7 `+ADw-+ACE-ENTITY` is no `<!ENTITY` to a check that reads UTF-8.
    static func sanitize(_ data: Data) -> Data? {
        guard let text = String(data: data, encoding: .utf8), text.range(of: "<!ENTITY", options: .caseInsensitive) == nil,
              text.range(of: "<!DOCTYPE", options: .caseInsensitive) == nil, declaresOnlyUTF8(text) else { return nil }
        let reader = Reader()
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = reader
        guard parser.parse(), !reader.failed, let root = reader.root, root.name == "svg" else { return nil }
        var output = ""
        write(root, isRoot: true, into: &output)
        return Data(output.utf8)
    }

    /// No XML declaration, or one whose encoding (if it names one) is UTF-8.
    static func declaresOnlyUTF8(_ text: String) -> Bool {
        let start = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        guard start.lowercased().hasPrefix("<?xml") else { return true }
        guard let end = start.range(of: "?>") else { return false }
        let declaration = start[..<end.lowerBound].lowercased()
        guard let named = declaration.range(of: "encoding") else { return true }
        let value = declaration[named.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }.prefix { $0 != "\"" && $0 != "'" && $0 != " " }
        return value == "utf-8" || value == "utf8"
    }

    // MARK: - Reading

    final class Node {
        let name: String
        var attributes: [(String, String)]
        var children: [Child] = []

        init(name: String, attributes: [(String, String)]) {
            self.name = name
            self.attributes = attributes
        }
    }

    enum Child {
        case element(Node)
        case text(String)
    }

    /// Builds the kept tree while the parser reads; what is not kept is skipped with its subtree.
    private final class Reader: NSObject, XMLParserDelegate {
        var root: Node?
        var failed = false
        /// The open elements: nil for one unwrapped (its children go to the nearest kept one).
        private var open: [Node?] = []
        private var skipping = 0

        private var current: Node? { open.last { $0 != nil } ?? nil }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                    attributes attributeDict: [String: String] = [:]) {
            if root == nil, open.isEmpty, skipping == 0 {
                // The root decides what the document is; anything but <svg> ends the reading.
                guard elementName == "svg" else { failed = true; parser.abortParsing(); return }
            }
            guard skipping == 0 else { skipping += 1; return }
            guard open.count < SVGSanitizer.maxDepth else { failed = true; parser.abortParsing(); return }
            if SVGSanitizer.unwrapped.contains(elementName) {
                open.append(nil)
                return
            }
            guard SVGSanitizer.elements.contains(elementName) else { skipping = 1; return }
            let node = Node(name: elementName, attributes: SVGSanitizer.keptAttributes(attributeDict, of: elementName))
            if let parent = current { parent.children.append(.element(node)) } else if root == nil { root = node }
            open.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            if skipping > 0 { skipping -= 1; return }
            if !open.isEmpty { open.removeLast() }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { add(string) }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) { add(String(decoding: CDATABlock, as: UTF8.self)) }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { failed = true }

        func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) { failed = true }

        private func add(_ text: String) {
            guard skipping == 0, let node = open.last ?? nil, SVGSanitizer.textElements.contains(node.name) else { return }
            node.children.append(.text(text))
        }
    }

    /// The allowed attributes, in a fixed order; links only to a place in the same image
    /// (`#id`), written as plain `href`.
    static func keptAttributes(_ given: [String: String], of element: String) -> [(String, String)] {
        var kept: [(String, String)] = []
        for (name, value) in given.sorted(by: { $0.key < $1.key }) where attributes.contains(name) && isSafeValue(value) {
            if name == "href" || name == "xlink:href" {
                guard ["use", "linearGradient", "radialGradient"].contains(element), isLocalReference(value),
                      !kept.contains(where: { $0.0 == "href" }) else { continue }
                kept.append(("href", value))
            } else {
                kept.append((name, value))
            }
        }
        return kept
    }

    /// `#name`: a place in the same image.
    static func isLocalReference(_ value: String) -> Bool {
        value.count > 1 && value.first == "#"
            && value.dropFirst().unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0) }
    }

    /// A value (or a style sheet) that neither runs nor fetches anything: no script address,
    /// no import, no escapes that could spell either, and `url(…)` only to `#name`.
    static func isSafeValue(_ value: String) -> Bool {
        let compact = String(value.lowercased().unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init))
        // image-set(), image() and cross-fade() fetch from a bare string, without url().
        for banned in ["\\", "javascript:", "vbscript:", "data:", "@import", "expression(", "behavior:", "-moz-binding", "</",
                       "image-set(", "image(", "cross-fade(", "element("]
        where compact.contains(banned) { return false }
        var rest = Substring(compact)
        while let found = rest.range(of: "url(") {
            rest = rest[found.upperBound...]
            let target = rest.drop { $0 == "'" || $0 == "\"" }
            guard target.first == "#" else { return false }
        }
        return true
    }

    // MARK: - Writing

    private static func write(_ node: Node, isRoot: Bool, into output: inout String) {
        // A style sheet that would import or fetch is dropped whole.
        if node.name == "style" {
            let sheet = node.children.map { if case .text(let text) = $0 { text } else { "" } }.joined()
            guard isSafeValue(sheet) else { return }
        }
        output += "<" + node.name
        if isRoot { output += " xmlns=\"\(namespace)\"" }
        for (name, value) in node.attributes { output += " \(name)=\"\(escape(value, quote: true))\"" }
        output += ">"
        for child in node.children {
            switch child {
            case .element(let element): write(element, isRoot: false, into: &output)
            case .text(let text): output += escape(text, quote: false)
            }
        }
        output += "</\(node.name)>"
    }

    private static func escape(_ text: String, quote: Bool) -> String {
        var result = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where quote: result += "&quot;"
            // XML 1.0 has no place for other control characters.
            case _ where character.value < 0x20 && character != "\n" && character != "\t" && character != "\r": continue
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
