@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Recovery codes as a file and on the clipboard, how many are left on the profile, and the
/// authenticator's QR code on the enrolment pages.
@Suite struct RecoveryCodesTests {
    // MARK: - Helpers

    static func sheet(in page: TestingHTTPResponse) -> String? {
        page.text.firstMatch(of: /name="sheet" value="([^"]+)"/).map { String($0.output.1) }
    }

    static func codes(in page: TestingHTTPResponse) -> [String] {
        page.text.matches(of: /<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/).map { String($0.output.1) }
    }

    /// New recovery codes from the profile: the page that shows them.
    func newCodes(_ portal: TestPortal, _ browser: Browser) async throws -> TestingHTTPResponse {
        let profile = try await portal.visit("/profile", browser: browser)
        return try await portal.submit("/profile/second-factor", ["confirm_password": "correct horse battery", "action": "codes",
                                                                  "csrf_token": profile.csrfToken ?? ""], browser: browser)
    }

    func sessionID(_ portal: TestPortal, _ browser: Browser) async throws -> UUID {
        let token = try #require(browser.session)
        return try #require(try await PortalSession.query(on: portal.db).filter(\.$tokenDigest == SecretToken.digest(of: token)).first()?.requireID())
    }

    // MARK: - The profile's count

    @Test func theProfileSaysHowManyCodesAreLeftAndWarnsAtTwo() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let codes = try await RecoveryCode.regenerate(for: ada.requireID(), secrets: portal.app.secrets(), on: portal.db)
            let browser = try await portal.signIn()
            for code in codes.prefix(7) {
                #expect(try await RecoveryCode.spend(code, operatorID: ada.requireID(), secrets: portal.app.secrets(), now: Date(), on: portal.db))
            }
            let three = try await portal.visit("/profile", browser: browser)
            #expect(three.text.contains("3 of 10 recovery codes left."))
            #expect(!three.text.contains("recovery-codes-warning"))

            #expect(try await RecoveryCode.spend(codes[7], operatorID: ada.requireID(), secrets: portal.app.secrets(), now: Date(), on: portal.db))
            let two = try await portal.visit("/profile", browser: browser)
            #expect(two.text.contains("2 of 10 recovery codes left."))
            let tags = HTMLTokenizer.tags(two.text)
            let warning = try #require(tags.first { $0.value("id") == "recovery-codes-warning" })
            #expect(warning.value("class") == "banner warning")
            #expect(two.text.contains("Only 2 recovery codes left. <a href=\"#two-step-sign-in\">Make new recovery codes</a>"))
            #expect(tags.contains { $0.name == "form" && $0.value("id") == "two-step-sign-in" && $0.value("action") == "/profile/second-factor" })

            for code in codes.suffix(2) {
                #expect(try await RecoveryCode.spend(code, operatorID: ada.requireID(), secrets: portal.app.secrets(), now: Date(), on: portal.db))
            }
            let none = try await portal.visit("/profile", browser: browser)
            #expect(none.text.contains("0 of 10 recovery codes left."))
            #expect(none.text.contains("You have no recovery codes left"))

            // New codes end the warning.
            _ = try await newCodes(portal, browser)
            let renewed = try await portal.visit("/profile", browser: browser)
            #expect(renewed.text.contains("10 of 10 recovery codes left.") && !renewed.text.contains("recovery-codes-warning"))
        }
    }

    @Test func theProfileSaysWhatEachFormDid() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            _ = try await portal.submit("/profile", ["csrf_token": csrf, "name": "Ada Lovelace", "time_zone": "Europe/London"], browser: browser)
            let details = try await portal.visit("/profile", browser: browser)
            #expect(details.text.contains("Your name, phone and time zone are saved.") && !details.text.contains(">Saved.<"))
            _ = try await portal.submitMulti("/profile/notifications", [("csrf_token", csrf), ("frequency", "weekly"), ("categories[]", "locked-accounts")],
                                             browser: browser)
            #expect(try await portal.visit("/profile", browser: browser).text.contains("Notifications saved: a weekly summary of 1 category."))
        }
    }

    // MARK: - The file

    @Test func theCodesJustMadeDownloadAsATextFile() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await newCodes(portal, browser)
            #expect(page.text.contains("Made 10 new recovery codes. The old ones no longer work."))
            let codes = Self.codes(in: page)
            #expect(codes.count == 10)
            let sheet = try #require(Self.sheet(in: page))
            // The page carries the codes sealed, never readable.
            for code in codes { #expect(!sheet.contains(code)) }
            let tags = HTMLTokenizer.tags(page.text)
            #expect(tags.contains { $0.name == "form" && $0.value("action") == "/profile/recovery-codes.txt" && $0.value("method") == "post" })

            let file = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": page.csrfToken ?? ""], browser: browser)
            #expect(file.status == .ok)
            #expect(file.headers.contentType?.type == "text" && file.headers.contentType?.subType == "plain")
            #expect(file.headers.first(name: .contentDisposition) == #"attachment; filename="recovery-codes-default.txt""#)
            #expect(file.headers.first(name: .cacheControl) == "no-store")
            let lines = file.text.split(separator: "\n").map(String.init)
            #expect(lines.filter { RecoveryCode.normalize($0) == $0 } == codes)
            #expect(file.text.contains("(ada@example.com)"))

            // A used code is left out of a later download of the same sheet.
            #expect(try await RecoveryCode.spend(codes[0], operatorID: ada.requireID(), secrets: portal.app.secrets(), now: Date(), on: portal.db))
            let again = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": page.csrfToken ?? ""], browser: browser)
            #expect(again.status == .ok && !again.text.contains(codes[0]) && again.text.contains(codes[1]))

            // Newer codes: the old sheet gives nothing.
            let newer = try await newCodes(portal, browser)
            let stale = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": newer.csrfToken ?? ""], browser: browser)
            #expect(stale.status == .gone)
            #expect(stale.text.contains("newer ones were made since"))
            #expect(!Self.codes(in: newer).contains { stale.text.contains($0) })
        }
    }

    @Test func theDownloadRefusesWhenThereIsNothingToDownload() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await newCodes(portal, browser)
            let sheet = try #require(Self.sheet(in: page))
            let csrf = try #require(page.csrfToken)
            let secrets = try portal.app.secrets()

            let nothing = try await portal.submit("/profile/recovery-codes.txt", ["csrf_token": csrf], browser: browser)
            #expect(nothing.status == .badRequest)
            #expect(nothing.text.contains("There are no recovery codes to download here"))
            #expect(nothing.headers.contentType == .html, "an error page, not a file")
            #expect(try await portal.submit("/profile/recovery-codes.txt", ["sheet": "v1:00000000:AAAA", "csrf_token": csrf], browser: browser).status == .badRequest)
            #expect(try await portal.submit("/profile/recovery-codes.txt", ["sheet": String(sheet.dropLast(4)) + "AAAA", "csrf_token": csrf],
                                            browser: browser).status == .badRequest)
            // Another sealed value (an authenticator key) is not a sheet: the route opens nothing else.
            let sealedKey = try secrets.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
            let key = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sealedKey, "csrf_token": csrf], browser: browser)
            #expect(key.status == .badRequest && !key.text.contains("JBSWY3DP"))

            // Ten minutes after the codes were made, the page no longer gives them.
            let codes = Self.codes(in: page)
            let old = try RecoveryCodeSheet(holder: .operator, partnerID: portal.partner.requireID(), holderID: ada.requireID(),
                                            sessionID: try await sessionID(portal, browser), madeAt: Date().addingTimeInterval(-601), codes: codes)
                .sealed(with: secrets)
            let expired = try await portal.submit("/profile/recovery-codes.txt", ["sheet": old, "csrf_token": csrf], browser: browser)
            #expect(expired.status == .gone && expired.text.contains("ten minutes"))

            // Another session of the same operator (another browser) cannot use the sheet.
            let other = try await portal.signIn()
            let otherCSRF = try #require(try await portal.visit("/profile", browser: other).csrfToken)
            let elsewhere = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": otherCSRF], browser: other)
            #expect(elsewhere.status == .forbidden && elsewhere.text.contains("another session"))
            // Nor can someone without a session, or without the form's token.
            #expect(try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet], browser: browser).status == .forbidden)
            let stranger = Browser()
            let strangerCSRF = try await portal.visit("/sign-in", browser: stranger).csrfToken ?? ""
            let anonymous = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": strangerCSRF], browser: stranger)
            #expect(anonymous.status != .ok && !codes.contains { anonymous.text.contains($0) })
        }
    }

    @Test func aSheetOpensOnlyForItsPartnerPersonAndSession() throws {
        let secrets = SecretBox(secret: Data(repeating: 7, count: 32))
        let partner = UUID(), person = UUID(), session = UUID(), now = Date()
        let codes = (0..<10).map { _ in RecoveryCode.generate() }
        let sealed = try RecoveryCodeSheet(holder: .operator, partnerID: partner, holderID: person, sessionID: session, madeAt: now, codes: codes)
            .sealed(with: secrets)
        func open(holder: RecoveryCodeSheet.Holder = .operator, partner p: UUID = partner, person h: UUID = person, session s: UUID = session,
                  at date: Date = now, secrets box: SecretBox = secrets) -> Result<RecoveryCodeSheet, RecoveryCodeSheet.Refusal> {
            RecoveryCodeSheet.open(sealed, holder: holder, partnerID: p, holderID: h, sessionID: s, now: date, secrets: box)
        }
        #expect((try? open().get())?.codes == codes)
        #expect(open(holder: .accountUser) == .failure(.notYours))
        #expect(open(partner: UUID()) == .failure(.notYours))
        #expect(open(person: UUID()) == .failure(.notYours))
        #expect(open(session: UUID()) == .failure(.notYours))
        #expect(open(at: now.addingTimeInterval(RecoveryCodeSheet.lifetime + 1)) == .failure(.expired))
        #expect(open(secrets: SecretBox(secret: Data(repeating: 8, count: 32))) == .failure(.missing))
        // After a key rotation the sheet still opens under the previous key.
        #expect((try? open(secrets: SecretBox(secret: Data(repeating: 8, count: 32), previous: [Data(repeating: 7, count: 32)])).get()) != nil)
        #expect(RecoveryCodeSheet.open(nil, holder: .operator, partnerID: partner, holderID: person, sessionID: session, now: now, secrets: secrets)
                == .failure(.missing))
        #expect(RecoveryCodeSheet.fileName(partnerSlug: "acme-eu") == "recovery-codes-acme-eu.txt")
        #expect(RecoveryCodeSheet.fileName(partnerSlug: "a\"; b=\r\n") == "recovery-codes-ab.txt")
        let text = RecoveryCodeSheet.text(codes: codes, partnerName: "Acme\r\nX-Evil: 1", account: "ada@example.com", madeAt: now)
        #expect(text.hasPrefix("Recovery codes for Acme  X-Evil: 1 (ada@example.com)\n"))
    }

    // MARK: - Enrolment: the QR code and the file after signing in

    @Test func enrollingAnAppShowsItsAddressAsAQRCodeAndTheCodesDownloadAfterwards() async throws {
        try await TestPortal.run { portal in
            portal.partner.name = ##"Ümlaut & Co: "#1" <b>"##
            try await portal.partner.update(on: portal.db)
            try await portal.makeOperator(email: "sam@example.com", name: "Sam", secondFactor: nil)
            let browser = Browser()
            let signIn = try await portal.visit("/sign-in", browser: browser)
            _ = try await portal.submit("/sign-in", ["email": "sam@example.com", "password": "correct horse battery", "csrf_token": signIn.csrfToken ?? ""],
                                        browser: browser)
            let enrol = try await portal.visit("/sign-in/enrol", browser: browser)
            _ = try await portal.submit("/sign-in/enrol", ["method": "totp", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            let page = try await portal.visit("/sign-in/code", browser: browser)
            let shown = try #require(page.text.firstMatch(of: /id="totp-secret">([A-Z2-7 ]+)</)).output.1.replacingOccurrences(of: " ", with: "")
            let secret = try #require(Base32.decode(shown))
            let uri = TOTP(secret: secret).provisioningURI(account: "sam@example.com", issuer: portal.partner.name)
            #expect(uri.hasPrefix("otpauth://totp/%C3%9Cmlaut%20%26%20Co%3A%20%22%231%22%20%3Cb%3E:sam@example.com?secret=\(shown)&issuer=%C3%9C"))

            let tags = HTMLTokenizer.tags(page.text)
            let svg = try #require(tags.first { $0.name == "svg" })
            #expect(svg.value("role") == "img")
            #expect(svg.value("aria-label") == ##"QR code of your Ümlaut & Co: "#1" <b> sign-in key for an authenticator app"##)
            #expect(!tags.contains { $0.name == "b" }, "the partner's name stays text")
            // The drawn modules are the symbol of exactly that address.
            let drawn = try #require(tags.first { $0.name == "path" }?.value("d"))
            #expect(drawn == QRCodeView.pathData(try QRCode.encode(uri)))
            #expect(tags.contains { $0.name == "a" && $0.value("href") == uri })

            let done = try await portal.submit("/sign-in/code", ["code": TOTP(secret: secret).code(at: Date()), "csrf_token": page.csrfToken ?? ""],
                                               browser: browser)
            #expect(done.status == .ok && done.text.contains("Save your recovery codes"))
            let sheet = try #require(Self.sheet(in: done))
            // The session began with this page: its form carries the new session's token.
            let file = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": done.csrfToken ?? ""], browser: browser)
            #expect(file.status == .ok)
            #expect(Self.codes(in: done).allSatisfy(file.text.contains))
            #expect(file.text.hasPrefix(##"Recovery codes for Ümlaut & Co: "#1" <b> (sam@example.com)"##))
        }
    }

    @Test func theCopyButtonIsAScriptOfThePortalsOwn() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await newCodes(portal, browser)
            let tags = HTMLTokenizer.tags(page.text)
            let button = try #require(tags.first { $0.name == "button" && $0.value("data-copy") != nil })
            #expect(button.value("data-copy") == "recovery-codes" && button.attributeNames.contains("hidden") && button.value("type") == "button")
            #expect(tags.contains { $0.value("id") == "recovery-codes" && $0.name == "ul" })
            #expect(tags.contains { $0.value("id") == button.value("data-copy-status") && $0.value("role") == "status" })
            let scripts = tags.filter { $0.name == "script" }
            #expect(scripts.map { $0.value("src") } == ["/assets/copy.js"])
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)

            let script = try await portal.send(.GET, "/assets/copy.js")
            #expect(script.status == .ok)
            #expect(script.headers.contentType?.subType == "javascript")
            #expect(script.text.contains("navigator.clipboard") && script.text.contains("button.hidden = false"))
            // No inline style: the page's policy would refuse it.
            #expect(!script.text.contains(".style."))
            let etag = try #require(script.headers.first(name: .eTag))
            #expect(try await portal.send(.GET, "/assets/copy.js", headers: ["If-None-Match": etag]).status == .notModified)
        }
    }

    // MARK: - The workspace

    @Test func theWorkspaceEnrolmentHasTheQRCodeAndItsCodesDownload() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy", email: "felix@bakery.example")
            owner.status = .active
            owner.passwordHash = try Bcrypt.hash("a quiet orchard in spring", cost: 4)
            try await owner.create(on: portal.db)
            let browser = Browser()
            let signIn = try await portal.visit("/app/sign-in", browser: browser)
            _ = try await portal.submit("/app/sign-in", ["email": "felix@bakery.example", "password": "a quiet orchard in spring",
                                                         "csrf_token": signIn.csrfToken ?? ""], browser: browser)
            let security = try await portal.visit("/app/security", browser: browser)
            let csrf = try #require(security.csrfToken)
            _ = try await portal.submit("/app/security/authenticator", ["csrf_token": csrf], browser: browser)
            let pending = try await portal.visit("/app/security", browser: browser)
            let shown = try #require(pending.text.firstMatch(of: /id="totp-secret">([A-Z2-7 ]+)</)).output.1.replacingOccurrences(of: " ", with: "")
            let secret = try #require(Base32.decode(shown))
            let uri = TOTP(secret: secret).provisioningURI(account: "felix@bakery.example", issuer: portal.partner.name)
            let tags = HTMLTokenizer.tags(pending.text)
            #expect(tags.first { $0.name == "path" }?.value("d") == QRCodeView.pathData(try QRCode.encode(uri)))
            #expect(tags.first { $0.name == "svg" }?.value("aria-label") == "QR code of your \(portal.partner.name) sign-in key for an authenticator app")

            let confirmed = try await portal.submit("/app/security/authenticator/confirm", ["csrf_token": csrf, "code": TOTP(secret: secret).code(at: Date())],
                                                    browser: browser)
            #expect(confirmed.status == .ok)
            let sheet = try #require(Self.sheet(in: confirmed))
            #expect(HTMLTokenizer.tags(confirmed.text).contains { $0.name == "form" && $0.value("action") == "/app/security/recovery-codes.txt" })
            let file = try await portal.submit("/app/security/recovery-codes.txt", ["sheet": sheet, "csrf_token": csrf], browser: browser)
            #expect(file.status == .ok)
            #expect(file.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(Self.codes(in: confirmed).count == 10 && Self.codes(in: confirmed).allSatisfy(file.text.contains))
            // The workspace's sheet is not an operator's: the operators' route refuses it.
            let op = try await portal.makeOperator()
            _ = op
            let operatorBrowser = try await portal.signIn()
            let operatorCSRF = try #require(try await portal.visit("/profile", browser: operatorBrowser).csrfToken)
            let crossed = try await portal.submit("/profile/recovery-codes.txt", ["sheet": sheet, "csrf_token": operatorCSRF], browser: operatorBrowser)
            #expect(crossed.status == .forbidden)
            #expect(try await portal.submit("/app/security/recovery-codes.txt", ["csrf_token": csrf], browser: browser).status == .badRequest)
        }
    }

    @Test func aKeyTooLongForAQRCodeIsStillShownToType() {
        let uri = "otpauth://totp/" + String(repeating: "%C3%9C", count: 500) + ":ada@example.com?secret=K"
        let html = MarkupWriter.render(SecondFactorView.authenticatorKey(secret: "JBSWY3DPEHPK3PXP", provisioningURI: uri, issuer: "Acme"))
        #expect(!html.contains("<svg"))
        #expect(html.contains("This key is too long to show as a QR code."))
        #expect(html.contains("JBSW Y3DP EHPK 3PXP"))
        let fits = MarkupWriter.render(SecondFactorView.authenticatorKey(secret: "JBSWY3DPEHPK3PXP", provisioningURI: "otpauth://totp/A:b?secret=K",
                                                                         issuer: "Acme"))
        #expect(fits.contains("<svg") && !fits.contains("too long"))
    }

    // MARK: - The address

    @Test(arguments: [##"Ümlaut & Co: "#1" / 50% +x"##, "Acme", "東京パートナーズ", "a?b=c&d#e"])
    func theAuthenticatorAddressRoundTripsAnyPartnerName(name: String) throws {
        let email = "o'neil+ops@example.com"
        let uri = TOTP(secret: Data("12345678901234567890".utf8)).provisioningURI(account: email, issuer: name)
        #expect(uri.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 })
        let components = try #require(URLComponents(string: uri))
        #expect(components.scheme == "otpauth" && components.host == "totp")
        let label = String(try #require(components.percentEncodedPath.dropFirst().split(separator: ":", maxSplits: 1).first))
        #expect(label.removingPercentEncoding == name)
        #expect(components.percentEncodedPath.split(separator: ":").count == 2, "one colon separates issuer and account")
        #expect(components.path == "/\(name):\(email)")
        let items = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(items == ["secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer": name, "algorithm": "SHA1", "digits": "6", "period": "30"])
    }
}
