/// A QR code drawn as inline SVG: one path of the dark modules on a light square with the
/// quiet zone of four modules the standard asks for. The view box counts modules, so the code
/// scales to any size, and `crispEdges` keeps neighbouring modules from blurring together.
enum QRCodeView {
    static let quietZone = 4

    /// The code of an authenticator key, labelled for screen readers with whose key it is.
    static func svg(_ code: QRCode, label: String) -> Markup {
        let side = code.size + 2 * quietZone
        return .svg(
            .attr("xmlns", "http://www.w3.org/2000/svg"), .attr("viewBox", "0 0 \(side) \(side)"),
            .class("qr-code"), .attr("role", "img"), .ariaLabel(label), .attr("shape-rendering", "crispEdges"),
            .rect(.attr("width", "\(side)"), .attr("height", "\(side)"), .attr("fill", "#ffffff")),
            path(.attr("d", pathData(code)), .attr("fill", "#000000"))
        )
    }

    /// Each row's runs of dark modules as one rectangle: `M x y h width v 1 h -width z`.
    static func pathData(_ code: QRCode) -> String {
        var data = ""
        for y in 0..<code.size {
            var x = 0
            while x < code.size {
                guard code[x, y] else { x += 1; continue }
                let start = x
                while x < code.size, code[x, y] { x += 1 }
                data += "M\(start + quietZone) \(y + quietZone)h\(x - start)v1h-\(x - start)z"
            }
        }
        return data
    }

    private static func path(_ children: Markup...) -> Markup { .element("path", children, isVoid: true) }
}
