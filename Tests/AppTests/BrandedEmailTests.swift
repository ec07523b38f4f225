@testable import App
import Fluent
import Foundation
import Testing

/// Every email goes out in the partner's brand: plain text as stored, and an HTML part with
/// its name, colour and logo, escaped throughout.
@Suite struct BrandedEmailTests {
    private let brand = EmailBrand(name: "Kent <Web> & Co", color: "#0B5394", logoURL: "https://kent.example/brand/logo?v=abc",
                                   linkBase: "https://kent.example")

    @Test func theHTMLPartCarriesTheNameColourAndLogo() {
        let html = BrandedEmail.html(subject: "Hello", body: "Hello,\n\nChoose here:\nhttps://kent.example/setup/abc\n", brand: brand)
        #expect(html.contains("background:#0B5394;color:#FFFFFF"))
        #expect(html.contains(#"<img src="https://kent.example/brand/logo?v=abc" alt="""#))
        #expect(html.contains("Kent &lt;Web&gt; &amp; Co</div>"))
        #expect(html.contains(#"<a href="https://kent.example/setup/abc" style="color:#094276">https://kent.example/setup/abc</a>"#))
        #expect(html.contains("<p style=\"margin:0 0 16px\">Hello,</p><p style=\"margin:0 0 16px\">Choose here:<br><a "))
    }

    @Test func theMessagesTextIsEscapedAndOnlyThePortalsOwnLinksAreLinks() {
        let body = "Blue <script>alert(1)</script> \"Bakery\" & co https://evil.example/login https://kent.example.evil.test/x https://kent.example/a\"b"
        let html = BrandedEmail.html(subject: "<b>x</b>", body: body, brand: brand)
        #expect(!html.contains("<script>") && !html.contains("<b>x</b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("href=\"https://evil.example") && !html.contains("href=\"https://kent.example.evil.test"))
        #expect(!html.contains("href=\"https://kent.example/a"), "a quote is not part of a link")
        let unbranded = BrandedEmail.html(subject: "s", body: "https://kent.example/x", brand: EmailBrand(name: "P"))
        #expect(!unbranded.contains("<a ") && !unbranded.contains("<img"), "no link base: no links and no logo")
    }

    @Test func theWireMessageIsMultipartWithThePlainTextFirst() throws {
        let wire = SMTPMessage(from: "portal@example.com", fromName: "Kent", to: "ada@example.com", subject: "Hi", body: "Plain body",
                               date: Date(timeIntervalSince1970: 0), html: "<p>HTML body</p>").rendered
        let boundary = try #require(wire.firstMatch(of: /boundary="([^"]+)"/)?.output.1)
        let parts = wire.components(separatedBy: "--\(boundary)")
        #expect(parts.count == 4 && parts[3].hasPrefix("--"), "two parts and the closing delimiter")
        func decoded(_ part: String) -> String {
            let encoded = part.components(separatedBy: "\r\n\r\n").dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")
            return String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
        }
        #expect(parts[1].contains("Content-Type: text/plain; charset=utf-8") && decoded(parts[1]) == "Plain body")
        #expect(parts[2].contains("Content-Type: text/html; charset=utf-8") && decoded(parts[2]) == "<p>HTML body</p>")
        let plain = SMTPMessage(from: "portal@example.com", fromName: "Kent", to: "ada@example.com", subject: "Hi", body: "Plain body",
                                date: Date(timeIntervalSince1970: 0)).rendered
        #expect(plain.contains("Content-Type: text/plain; charset=utf-8") && !plain.contains("multipart"))
    }

    @Test func theOutboxSendsEachMessageInItsPartnersBrand() async throws {
        try await TestPortal.run { portal in
            let kent = try await portal.makePartner(slug: "kent", name: "Kent Web", domains: ["kent.example"])
            kent.brandColor = "#0B5394"
            try await kent.update(on: portal.db)
            let logo = PartnerLogo(partnerID: try kent.requireID(), image: try LogoImage.read(SettingsLogoTests.png), now: Date())
            try await logo.create(on: portal.db)
            let brands = try await DeliveryWorker.brands(of: [try kent.requireID(), try portal.partner.requireID()], publicURL: nil, on: portal.db)
            #expect(brands[try kent.requireID()] == EmailBrand(name: "Kent Web", color: "#0B5394",
                                                                logoURL: "https://kent.example/brand/logo?v=\(logo.digest)", linkBase: "https://kent.example"))
            let plain = try #require(brands[try portal.partner.requireID()])
            #expect(plain.logoURL == nil && plain.name == portal.partner.name)
        }
    }
}
