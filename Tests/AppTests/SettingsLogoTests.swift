@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The uploaded logo: known by its bytes (PNG, JPEG, SVG), an SVG rebuilt without anything that
/// runs or loads, at most 512 KiB, served sandboxed at `/brand/logo` for the host's partner, and
/// shown wherever the brand is. Through the page (multipart) and the API (base64), audited.
@Suite struct SettingsLogoTests {
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01]) + Data(repeating: 0x20, count: 64) + Data([0xFF, 0xD9])
    static let svg = Data(##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0F766E"/></svg>"##.utf8)
    static let hostileSVG = Data("""
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
          <script>alert(document.cookie)</script>
          <style>@import url(https://evil.example/x.css); rect { fill: red }</style>
          <style>circle { fill: #123456 }</style>
          <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">Hi<iframe src="https://evil.example"/></div></foreignObject>
          <a xlink:href="javascript:alert(2)"><circle cx="5" cy="5" r="4" onclick="alert(3)" fill="url(#g)"/></a>
          <use href="https://evil.example/sprite.svg#x"/>
          <use xlink:href="#local"/>
          <image href="https://evil.example/track.png" width="1" height="1"/>
          <rect id="local" width="1" height="1" style="fill: url(https://evil.example/p)" stroke="url(#g)"/>
          <set attributeName="href" to="javascript:alert(4)"/>
          <text x="1" y="9">A &amp; B &lt;b&gt;</text>
        </svg>
        """.utf8)

    /// The branding form as a browser sends it: multipart, with the file as one part.
    static func brandingForm(_ portal: TestPortal, browser: Browser, csrf: String, name: String = "Acme Partners", color: String = "#4F46E5",
                             file: (name: String, type: String, data: Data)? = nil, remove: Bool = false,
                             host: String = "portal.test") async throws -> TestingHTTPResponse {
        let boundary = "----PortalBoundaryLogo0Zk3"
        var body = Data()
        for (field, value) in [("csrf_token", csrf), ("name", name), ("color", color)] + (remove ? [("remove_logo", "yes")] : []) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n".utf8)
        }
        let part = file ?? (name: "", type: "application/octet-stream", data: Data())
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"\(part.name)\"\r\nContent-Type: \(part.type)\r\n\r\n".utf8)
        body += part.data
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        let response = try await portal.send(.POST, "/settings/branding", host: host, headers: headers, cookies: browser, body: ByteBuffer(data: body))
        browser.absorb(response)
        return response
    }

    static func stored(_ portal: TestPortal, partner: Partner? = nil) async throws -> PartnerLogo? {
        try await PartnerLogo.find(partnerID: try (partner ?? portal.partner).requireID(), withContents: true, on: portal.db)
    }

    static func signedIn(_ portal: TestPortal) async throws -> (Browser, String) {
        try await portal.makeOperator()
        let browser = try await portal.signIn()
        let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
        return (browser, csrf)
    }

    // MARK: - Through the page

    @Test(arguments: [("logo.png", "image/png"), ("logo.jpg", "image/jpeg"), ("logo.svg", "image/svg+xml")])
    func aPNGJPEGOrSVGUploadedOnThePageIsStoredAsWhatItIs(fileName: String, type: String) async throws {
        try await TestPortal.run { portal in
            let (browser, csrf) = try await Self.signedIn(portal)
            let data = type == "image/png" ? Self.png : type == "image/jpeg" ? Self.jpeg : Self.svg
            // The declared type is never believed: every file is sent as octet-stream.
            let saved = try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: (fileName, "application/octet-stream", data))
            #expect(saved.status == .seeOther)
            let logo = try #require(try await Self.stored(portal))
            #expect(logo.contentType == type)
            #expect(logo.digest.count == 64)
            if type != "image/svg+xml" { #expect(logo.contents == data && logo.byteSize == Int64(data.count)) }
            let page = try await portal.visit("/settings", browser: browser)
            #expect(page.text.contains(#"<img src="/brand/logo?v=\#(logo.digest)""#))
            #expect(page.text.contains("Logo now: ") && page.text.contains("\(type), "))
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.branding-changed").first())
            #expect(entry.details == "logo: none → \(type), \(LogoImage.sizeText(logo.byteSize))")
        }
    }

    @Test func theAuditLineNamesTypeAndSizeBeforeAndAfter() async throws {
        try await TestPortal.run { portal in
            let (browser, csrf) = try await Self.signedIn(portal)
            let big = Self.png + Data(repeating: 0, count: 12 * 1024)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("a.png", "image/png", big)).status == .seeOther)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("b.jpg", "image/jpeg", Self.jpeg)).status == .seeOther)
            // The same file again changes nothing and records nothing.
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("b.jpg", "image/jpeg", Self.jpeg)).status == .seeOther)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, remove: true).status == .seeOther)
            let details = try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.branding-changed").sort(\.$at).all().map(\.details)
            #expect(details == ["logo: none → image/png, 12 KiB", "logo: image/png, 12 KiB → image/jpeg, 78 bytes", "logo: image/jpeg, 78 bytes → none"])
            #expect(try await Self.stored(portal) == nil)
            #expect(try await portal.send(.GET, "/brand/logo").status == .notFound)
        }
    }

    @Test func aFileCalledLogoPNGThatIsReallyHTMLIsRefusedNextToTheFieldAndTheRestIsKept() async throws {
        try await TestPortal.run { portal in
            let (browser, csrf) = try await Self.signedIn(portal)
            let html = Data("<html><body><script>alert(1)</script></body></html>".utf8)
            let refused = try await Self.brandingForm(portal, browser: browser, csrf: csrf, name: "Typed Name", color: "#7F7F7F",
                                                      file: ("logo.png", "image/png", html))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains(#"<div class="error" id="field-logo-error">This file is not a PNG, JPEG or SVG image"#))
            #expect(refused.text.contains(#"id="field-color-error""#), "the colour's error is shown with it")
            #expect(refused.text.contains(#"value="Typed Name""#), "what was typed is kept")
            #expect(try await Self.stored(portal) == nil)
            let partner = try #require(try await Partner.find(portal.partner.id, on: portal.db))
            #expect(partner.name == "Acme Partners")
            for other in [Data("GIF89a\u{01}\u{00}".utf8), Data("<svg><unclosed></svg>".utf8), Data("<html xmlns=\"http://www.w3.org/1999/xhtml\"/>".utf8),
                          Data("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg>&a;</svg>".utf8)] {
                let response = try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("logo.svg", "image/svg+xml", other))
                #expect(response.status == .unprocessableEntity)
            }
            // A logo sent as text rather than a file is a bad request, never a server error.
            let text = try await portal.submit("/settings/branding", ["name": "Acme", "color": "#4F46E5", "logo": "https://cdn.example.com/a.png",
                                                                      "csrf_token": csrf], browser: browser)
            #expect([400, 422].contains(text.status.code))
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.branding-changed").count() == 0)
        }
    }

    @Test func aLogoOver512KiBIsRefusedNextToTheField() async throws {
        try await TestPortal.run { portal in
            let (browser, csrf) = try await Self.signedIn(portal)
            let big = Self.png + Data(repeating: 0, count: LogoImage.maxBytes + 1 - Self.png.count)
            let refused = try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("big.png", "image/png", big))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("This file is larger than 512 KiB"))
            #expect(try await Self.stored(portal) == nil)
            let largest = Self.png + Data(repeating: 0, count: LogoImage.maxBytes - Self.png.count)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("ok.png", "image/png", largest)).status == .seeOther)
            #expect(try await Self.stored(portal)?.byteSize == Int64(LogoImage.maxBytes))
        }
    }

    @Test func withoutSettingsManageTheLogoCannotBeChanged() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let capture = LogCapture()
            portal.app.logger = capture.logger
            let browser = try await portal.signIn(email: "sam@example.com")
            let csrf = try #require(try await portal.visit("/", browser: browser).csrfToken)
            let refused = try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("logo.png", "image/png", Self.png))
            #expect(refused.status == .forbidden)
            #expect(try await Self.stored(portal) == nil)
            #expect(capture.lines.contains { $0.contains("access denied") && $0.contains("settings.manage") })
            let api = try await portal.api(as: try #require(try await Operator.query(on: portal.db).first()))
            let json = #"{"logo":{"contentType":"image/png","data":"\#(Self.png.base64EncodedString())"}}"#
            #expect(try await api.call(.PATCH, "/settings/branding", json: json).status == .forbidden)
        }
    }

    // MARK: - SVG

    @Test func anSVGComesOutWithoutScriptsHandlersScriptLinksOrAnythingItWouldLoad() throws {
        let image = try LogoImage.read(Self.hostileSVG)
        #expect(image.kind == .svg)
        let clean = try #require(String(data: image.contents, encoding: .utf8))
        for banned in ["<script", "alert", "onload", "onclick", "foreignObject", "iframe", "javascript:", "evil.example", "<image", "<set",
                       "@import", "xlink", "<a "] {
            #expect(!clean.contains(banned), "\(banned) in \(clean)")
        }
        #expect(clean.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">"#))
        #expect(clean.contains(#"<circle cx="5" cy="5" fill="url(#g)" r="4"></circle>"#), "a link's shapes still draw")
        #expect(clean.contains(##"<use href="#local"></use>"##) && clean.contains("<style>circle { fill: #123456 }</style>"))
        #expect(clean.contains(#"<rect height="1" id="local" stroke="url(#g)" width="1"></rect>"#))
        #expect(clean.contains("<text x=\"1\" y=\"9\">A &amp; B &lt;b&gt;</text>"))
        // What comes out reads as an SVG again, and sanitising it twice changes nothing.
        #expect(SVGSanitizer.sanitize(image.contents) == image.contents)
    }

    @Test func onlyXMLWhoseRootIsSVGIsAnSVG() {
        #expect(LogoImage.sniff(Self.png) == .png && LogoImage.sniff(Self.jpeg) == .jpeg)
        #expect(SVGSanitizer.sanitize(Self.svg) != nil)
        #expect(SVGSanitizer.sanitize(Data("\u{FEFF}  \n<svg viewBox=\"0 0 1 1\"/>".utf8)) != nil)
        #expect(SVGSanitizer.sanitize(Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?><svg viewBox=\"0 0 1 1\"/>".utf8)) != nil)
        // Style that fetches from a bare string, without url().
        for fetching in ["<svg><style>rect{mask-image:image-set(\"http://127.0.0.1:1/a.png\" 1x)}</style></svg>",
                         "<svg><rect style=\"fill:image('http://127.0.0.1:1/b.png')\"/></svg>"] {
            let clean = String(decoding: SVGSanitizer.sanitize(Data(fetching.utf8)) ?? Data(), as: UTF8.self)
            #expect(!clean.contains("127.0.0.1"), "\(clean)")
        }
        for bad in ["<html><svg/></html>", "<svg>", "svg", "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>", "",
                    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><svg>&e;</svg>",
                    "<!DOCTYPE svg SYSTEM \"http://127.0.0.1:1/x.dtd\"><svg/>",
                    "<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-+ACE-DOCTYPE svg +AFs-+ADw-+ACE-ENTITY x SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-<svg/>",
                    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><svg/>", "<?xml version=\"1.0\"<svg/>"] {
            #expect(SVGSanitizer.sanitize(Data(bad.utf8)) == nil, "\(bad)")
        }
        #expect(throws: LogoImage.Refusal.empty) { try LogoImage.read(Data()) }
        #expect(throws: LogoImage.Refusal.notAnImage) { try LogoImage.read(Data("GIF89a".utf8)) }
    }

    // MARK: - Serving

    @Test func theServedLogoIsSandboxedTypedAsSniffedAndCached() async throws {
        try await TestPortal.run { portal in
            let (browser, csrf) = try await Self.signedIn(portal)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("x.svg", "image/png", Self.hostileSVG)).status == .seeOther)
            let logo = try #require(try await Self.stored(portal))
            let served = try await portal.send(.GET, "/brand/logo?v=\(logo.digest)")
            #expect(served.status == .ok)
            #expect(served.headers.first(name: .contentType) == "image/svg+xml")
            #expect(served.headers.first(name: "Content-Security-Policy") == "default-src 'none'; style-src 'unsafe-inline'; sandbox")
            #expect(served.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(served.headers.first(name: .eTag) == "\"\(logo.digest)\"")
            #expect(served.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
            #expect(Data(served.body.readableBytesView) == logo.contents)
            #expect(!served.text.contains("script"))
            #expect(served.headers.setCookie == nil, "no session is read or made")
            // Without the version (an old address), a cache asks again; the same version is 304.
            let unversioned = try await portal.send(.GET, "/brand/logo?v=old")
            #expect(unversioned.headers.first(name: .cacheControl) == "public, no-cache")
            let again = try await portal.send(.GET, "/brand/logo", headers: ["If-None-Match": "W/\"x\", \"\(logo.digest)\""])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            #expect(try await portal.send(.GET, "/brand/logo", headers: ["If-None-Match": "\"other\""]).status == .ok)
        }
    }

    @Test func eachPartnersHostServesItsOwnLogoOr404() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await PartnerDomain(partnerID: portal.partner.requireID(), host: "portal.test").create(on: portal.db)
            let (browser, csrf) = try await Self.signedIn(portal)
            #expect(try await portal.send(.GET, "/brand/logo").status == .notFound)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("a.png", "image/png", Self.png)).status == .seeOther)
            #expect(try await portal.send(.GET, "/brand/logo").status == .ok)
            #expect(try await portal.send(.GET, "/brand/logo", host: "globex.example").status == .notFound)
            let globexLogo = try LogoImage.read(Self.jpeg)
            try await PartnerLogo(partnerID: globex.requireID(), image: globexLogo, now: Date()).create(on: portal.db)
            let theirs = try await portal.send(.GET, "/brand/logo", host: "globex.example")
            #expect(theirs.headers.first(name: .contentType) == "image/jpeg" && Data(theirs.body.readableBytesView) == Self.jpeg)
            #expect(try await portal.send(.GET, "/brand/logo").headers.first(name: .contentType) == "image/png")
            #expect(!(try await portal.send(.GET, "/sign-in", host: "globex.example").text.contains(try #require(try await Self.stored(portal)).digest)))
        }
    }

    @Test func theLogoIsShownWhereverTheBrandIs() async throws {
        try await TestPortal.run { portal in
            let (browser, csrf) = try await Self.signedIn(portal)
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("a.svg", "image/svg+xml", Self.svg)).status == .seeOther)
            let digest = try #require(try await Self.stored(portal)).digest
            let image = #"<img src="/brand/logo?v=\#(digest)" alt=""/>"#
            #expect(try await portal.send(.GET, "/sign-in").text.contains(image))
            #expect(try await portal.visit("/", browser: browser).text.contains(image))
            #expect(try await portal.send(.GET, "/app/sign-in").text.contains(image))
            let account = Account(partnerID: try portal.partner.requireID(), name: "Blue Bakery", email: "bakery@example.com", groupID: nil, secure: false)
            account.nickname = "blue-bakery"
            account.setupCompleted = true
            try await account.create(on: portal.db)
            #expect(try await portal.send(.GET, "/b/blue-bakery").text.contains(image))
            // A business with a logo of its own shows that one.
            account.logoURL = "https://cdn.example.com/bakery.png"
            try await account.update(on: portal.db)
            let own = try await portal.send(.GET, "/b/blue-bakery").text
            #expect(own.contains(#"<img src="https://cdn.example.com/bakery.png""#) && !own.contains(digest))
        }
    }

    @Test func anAddressTypedBeforeUploadsIsShownUntilALogoIsUploadedOrRemoved() async throws {
        try await TestPortal.run { portal in
            portal.partner.logoURL = "https://cdn.example.com/logo.png"
            try await portal.partner.update(on: portal.db)
            let (browser, csrf) = try await Self.signedIn(portal)
            #expect(try await portal.send(.GET, "/sign-in").text.contains(#"<img src="https://cdn.example.com/logo.png""#))
            #expect(try await portal.visit("/settings", browser: browser).text.contains("https://cdn.example.com/logo.png"))
            let api = try await portal.api(as: try #require(try await Operator.query(on: portal.db).first()))
            let branding = try #require(try api.object(try await api.call(.GET, "/settings"))["branding"] as? [String: Any])
            #expect((branding["logo"] as? [String: Any])?["url"] as? String == "https://cdn.example.com/logo.png")
            #expect(try await Self.brandingForm(portal, browser: browser, csrf: csrf, file: ("a.png", "image/png", Self.png)).status == .seeOther)
            let signIn = try await portal.send(.GET, "/sign-in").text
            #expect(!signIn.contains("cdn.example.com") && signIn.contains(#"<img src="/brand/logo?v="#))
            #expect(try #require(try await Partner.find(portal.partner.id, on: portal.db)).logoURL == nil)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.branding-changed").first())
            #expect(entry.details == "logo: https://cdn.example.com/logo.png → image/png, 70 bytes")
            // An http address is never shown.
            try await PartnerLogo.query(on: portal.db).delete()
            try await Partner.query(on: portal.db).set(\.$logoURL, to: "http://cdn.example.com/logo.png").update()
            #expect(!(try await portal.send(.GET, "/sign-in").text.contains("<img")))
        }
    }

    // MARK: - Through the API

    @Test(arguments: LogoImage.Kind.allCases)
    func aLogoPatchedThroughTheAPIIsReturnedWithItsAddressTypeAndSize(kind: LogoImage.Kind) async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let data = kind == .png ? Self.png : kind == .jpeg ? Self.jpeg : Self.hostileSVG
            let response = try await api.call(.PATCH, "/settings/branding",
                                              json: #"{"logo":{"contentType":"\#(kind.rawValue)","data":"\#(data.base64EncodedString())"}}"#)
            #expect(response.status == .ok)
            let stored = try #require(try await Self.stored(portal))
            let logo = try #require(try api.object(response)["logo"] as? [String: Any])
            #expect(logo["url"] as? String == "/brand/logo?v=\(stored.digest)")
            #expect(logo["contentType"] as? String == kind.rawValue && logo["byteSize"] as? Int == Int(stored.byteSize))
            if kind == .svg { #expect(!String(decoding: stored.contents, as: UTF8.self).contains("script")) }
            let settings = try api.object(try await api.call(.GET, "/settings"))
            #expect(((settings["branding"] as? [String: Any])?["logo"] as? [String: Any])?["url"] as? String == "/brand/logo?v=\(stored.digest)")
            let removed = try await api.call(.PATCH, "/settings/branding", json: #"{"logo":null}"#)
            #expect(removed.status == .ok)
            #expect(try api.object(removed)["logo"] == nil)
            #expect(try await Self.stored(portal) == nil)
            let details = try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.branding-changed").sort(\.$at).all().map(\.details)
            #expect(details == ["logo: none → \(kind.rawValue), \(LogoImage.sizeText(stored.byteSize))",
                                "logo: \(kind.rawValue), \(LogoImage.sizeText(stored.byteSize)) → none"])
        }
    }

    @Test func theAPIRefusesWhatIsNotTheDeclaredImageWith409() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            func patch(_ type: String, _ data: Data) async throws -> TestingHTTPResponse {
                try await api.call(.PATCH, "/settings/branding", json: #"{"logo":{"contentType":"\#(type)","data":"\#(data.base64EncodedString())"}}"#)
            }
            let mismatch = try await patch("image/jpeg", Self.png)
            #expect(mismatch.status == .conflict && mismatch.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect((try api.object(mismatch)["detail"] as? String)?.contains("image/png, not image/jpeg") == true)
            let html = try await patch("image/png", Data("<html><script>alert(1)</script></html>".utf8))
            #expect(html.status == .conflict)
            let oversize = Self.png + Data(repeating: 0, count: LogoImage.maxBytes + 1 - Self.png.count)
            #expect(try await patch("image/png", oversize).status == .conflict)
            let tooLong = String(repeating: "A", count: SettingsInput.maxLogoBase64Length + 4)
            #expect(try await api.call(.PATCH, "/settings/branding", json: #"{"logo":{"contentType":"image/png","data":"\#(tooLong)"}}"#).status == .badRequest)
            #expect(try await Self.stored(portal) == nil)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.branding-changed").count() == 0)
        }
    }

    @Test func theDocumentStatesTheLogoLimits() throws {
        let yaml = try #require(OpenAPIDocument.yaml)
        #expect(SettingsInput.maxLogoBase64Length == 699_052)
        #expect(yaml.contains("maxLength: \(SettingsInput.maxLogoBase64Length)"))
        #expect(yaml.contains("enum: [image/png, image/jpeg, image/svg+xml]"))
        // Every string the document's pattern allows decodes; nothing else does.
        for good in ["AAAA", "AA==", "AAA=", "iVBORw0KGgo=", "AB=="] { #expect(SettingsInput.logoData(base64: good) != nil, "\(good)") }
        for bad in ["AAA", "A===", "A=AA", "AA AA", "AAAA\n", "AA=A", "ÄAAA"] { #expect(SettingsInput.logoData(base64: bad) == nil, "\(bad)") }
    }
}
