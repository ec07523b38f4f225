@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// The tab icon: drawn in the partner's colour, linked from every layout, cached by its
/// digest and revalidated with its ETag.
@Suite struct FaviconTests {
    @Test func theIconIsDrawnInThePartnersColourWithItsInitial() {
        let icon = Favicon.icon(partnerName: "globex", brandColor: "#0B6E4F")
        #expect(icon.svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(icon.svg.contains("fill=\"#0B6E4F\"") && icon.svg.contains(">G</text>"))
        #expect(icon.svg.contains("fill=\"\(BrandColor.textColor(on: "#0B6E4F"))\""))
        // Another colour is another icon at another address.
        #expect(Favicon.icon(partnerName: "globex", brandColor: "#B91C1C").version != icon.version)
        // A colour that is not #RRGGBB never reaches the drawing; a name is text.
        let hostile = Favicon.icon(partnerName: "<script>", brandColor: "red\"/><script>alert(1)</script>")
        #expect(!hostile.svg.contains("<script") && hostile.svg.contains(">&lt;</text>"))
        #expect(hostile.svg.contains("fill=\"\(Partner.defaultBrandColor)\""))
    }

    @Test func everyLayoutLinksTheIcon() {
        for area in [LayoutModel.Area.portal, .workspace] {
            var layout = LayoutModel.mock
            layout.area = area
            let html = Layout.page(title: "Home", layout: layout, nonce: "n", content: .empty).render()
            let version = Favicon.icon(partnerName: layout.partnerName, brandColor: layout.brandColor).version
            #expect(html.contains("<link rel=\"icon\" href=\"/favicon.svg?v=\(version)\" type=\"image/svg+xml\"/>"))
            #expect(!html.contains("href=\"data:,\""))
        }
    }

    @Test func theIconIsServedWithAnETagAnd304AndTheOldAddressLeadsToIt() async throws {
        try await TestPortal.run { portal in
            portal.partner.brandColor = "#7C3AED"
            try await portal.partner.update(on: portal.db)
            let icon = try await portal.send(.GET, "/favicon.svg")
            #expect(icon.status == .ok && icon.headers.contentType?.description.hasPrefix("image/svg+xml") == true)
            #expect(icon.text.contains("fill=\"#7C3AED\"") && icon.text.contains(">A</text>"))
            let etag = try #require(icon.headers.first(name: .eTag))
            #expect(icon.headers.first(name: .cacheControl) == "public, max-age=300")
            let again = try await portal.send(.GET, "/favicon.svg", headers: ["If-None-Match": etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            let version = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let versioned = try await portal.send(.GET, "/favicon.svg?v=\(version)")
            #expect(versioned.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
            // The sign-in page (nobody signed in) links this very icon.
            let signIn = try await portal.send(.GET, "/sign-in")
            #expect(signIn.text.contains("href=\"/favicon.svg?v=\(version)\""))
            // A new colour is a new icon.
            portal.partner.brandColor = "#B91C1C"
            try await portal.partner.update(on: portal.db)
            let changed = try await portal.send(.GET, "/favicon.svg", headers: ["If-None-Match": etag])
            #expect(changed.status == .ok && changed.text.contains("#B91C1C"))
            let legacy = try await portal.send(.GET, "/favicon.ico")
            #expect(legacy.status == .movedPermanently && legacy.headers.first(name: .location) == "/favicon.svg")
        }
    }
}
