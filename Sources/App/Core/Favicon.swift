import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The browser-tab icon: a rounded square in the partner's brand colour with the first letter
/// of its name, as the top bar's brand mark draws it. Drawn with the HTML layer, so the letter
/// is escaped like any text and the colour is `BrandColor`'s `#RRGGBB` or the default.
enum Favicon {
    struct Icon: Sendable, Equatable {
        let svg: String
        /// The digest of the drawing: its ETag, and the `v` of the address pages link to.
        let version: String

        var etag: String { "\"\(version)\"" }
    }

    /// Every page's head links to the icon by its version: drawn once a name and colour.
    private static let drawn = NIOLockedValueBox([String: Icon]())

    static func icon(partnerName: String, brandColor: String) -> Icon {
        let key = brandColor + "\u{0}" + partnerName
        if let icon = drawn.withLockedValue({ $0[key] }) { return icon }
        let icon = draw(partnerName: partnerName, brandColor: brandColor)
        drawn.withLockedValue { cache in
            if cache.count >= 1_000 { cache.removeAll(keepingCapacity: true) }
            cache[key] = icon
        }
        return icon
    }

    private static func draw(partnerName: String, brandColor: String) -> Icon {
        let color = BrandColor.sanitized(brandColor)
        let initial = partnerName.trimmingCharacters(in: .whitespacesAndNewlines).first.map { String($0).uppercased() } ?? "P"
        let drawing: Markup = .svg(
            .attr("xmlns", "http://www.w3.org/2000/svg"), .attr("viewBox", "0 0 64 64"), .attr("width", "64"), .attr("height", "64"),
            .rect(.attr("width", "64"), .attr("height", "64"), .attr("rx", "14"), .attr("fill", color)),
            .svgText(.attr("x", "32"), .attr("y", "44"), .attr("text-anchor", "middle"), .attr("font-family", "system-ui, -apple-system, Segoe UI, sans-serif"),
                     .attr("font-size", "36"), .attr("font-weight", "700"), .attr("fill", BrandColor.textColor(on: color)), .text(initial))
        )
        let svg = MarkupWriter.render(drawing)
        return Icon(svg: svg, version: String(SecretToken.digest(of: svg).prefix(16)))
    }

    /// `GET /favicon.svg` for the partner the host selects. With the current `?v=` the answer
    /// may be kept for a year (a new colour or name is a new address); without it, a cache
    /// revalidates with the ETag and gets 304 while nothing changed.
    static func show(_ request: Request) async throws -> Response {
        let partner = try request.partner
        let icon = icon(partnerName: partner.name, brandColor: partner.brandColor)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "image/svg+xml")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: BrandLogoController.contentSecurityPolicy)
        headers.replaceOrAdd(name: .eTag, value: icon.etag)
        let versioned = (try? request.query.get(String.self, at: "v")) == icon.version
        headers.replaceOrAdd(name: .cacheControl, value: versioned ? "public, max-age=31536000, immutable" : "public, max-age=300")
        if BrandLogoController.matches(request.headers[.ifNoneMatch], digest: icon.version) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(string: icon.svg))
    }

    /// `GET /favicon.ico`, which browsers and tools ask for on their own: the SVG's address.
    static func legacy(_ request: Request) async throws -> Response {
        request.redirect(to: SiteURL.favicon(version: nil).path, redirectType: .permanent)
    }
}
