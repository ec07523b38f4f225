@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct SecondFactorTests {
    /// Signs in with the password only, leaving the browser at the code step.
    private func password(_ portal: TestPortal, email: String = "ada@example.com", browser: Browser = Browser()) async throws -> TestingHTTPResponse {
        let page = try await portal.visit("/sign-in", browser: browser)
        return try await portal.submit("/sign-in", ["email": email, "password": "correct horse battery", "csrf_token": page.csrfToken ?? ""],
                                       browser: browser)
    }

    private func code(_ portal: TestPortal, _ code: String, browser: Browser) async throws -> TestingHTTPResponse {
        // Not signed in yet, so forms carry the anonymous CSRF cookie's token.
        try await portal.submit("/sign-in/code", ["code": code, "csrf_token": browser.jar[SessionCookies.csrf] ?? ""], browser: browser)
    }

    @Test func emailCodeIsSixRandomDigitsStoredOnlyAsAKeyedDigest() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = Browser()
            let answer = try await password(portal, browser: browser)
            #expect(answer.headers.first(name: .location) == "/sign-in/code")
            #expect(browser.session == nil)
            let sent = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            #expect(sent.count == 6)
            let challenge = try #require(try await SignInChallenge.query(on: portal.db).first())
            let digest = try #require(challenge.codeDigest)
            #expect(!digest.contains(sent) && digest != SecretToken.digest(of: sent))
            #expect(digest == OneTimeCode.digest(sent, key: try #require(browser.jar[SignInFlow.cookie])))
            let expiry = try #require(challenge.codeExpiresAt)
            #expect(abs(expiry.timeIntervalSince(challenge.createdAt) - 600) < 1)

            #expect(try await code(portal, sent, browser: browser).status == .seeOther)
            #expect(browser.session != nil)
            #expect(try await SignInChallenge.query(on: portal.db).count() == 0)
            let events = try await AuditEvent.query(on: portal.db).all().map(\.action)
            #expect(events.contains("sign-in.succeeded"))
        }
    }

    @Test func aWrongCodeIsRefusedAndTheSixthLocksTheAttempt() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = Browser()
            _ = try await password(portal, browser: browser)
            let right = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            let wrong = right == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                let answer = try await code(portal, wrong, browser: browser)
                #expect(answer.status == .unprocessableEntity)
                #expect(answer.text.contains("That code is not right."))
                #expect(answer.text.contains(attempt == 5 ? "One attempt left." : "\(6 - attempt) attempts left."))
            }
            let sixth = try await code(portal, wrong, browser: browser)
            #expect(sixth.status == .forbidden)
            #expect(sixth.text.contains("Too many wrong codes"))
            #expect(try await SignInChallenge.query(on: portal.db).count() == 0)
            // Even the right code no longer works: the person starts again from the password.
            let late = try await code(portal, right, browser: browser)
            #expect(late.status == .seeOther)
            #expect(late.headers.first(name: .location) == "/sign-in?expired=1")
            #expect(browser.session == nil)
            let actions = try await AuditEvent.query(on: portal.db).all().map(\.action)
            #expect(actions.filter { $0 == "sign-in.failed" }.count == 6)
            #expect(actions.contains("sign-in.locked"))
            #expect(!actions.contains("sign-in.succeeded"))
        }
    }

    @Test func anExpiredCodeIsRefused() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = Browser()
            _ = try await password(portal, browser: browser)
            let sent = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            let challenge = try #require(try await SignInChallenge.query(on: portal.db).first())
            challenge.codeExpiresAt = Date().addingTimeInterval(-1)
            try await challenge.update(on: portal.db)
            let answer = try await code(portal, sent, browser: browser)
            #expect(answer.status == .unprocessableEntity)
            #expect(answer.text.contains("That code has expired"))
            #expect(browser.session == nil)

            // A new code replaces it, and the old one stays refused.
            let resend = try await portal.submit("/sign-in/code/resend", ["csrf_token": answer.csrfToken ?? ""], browser: browser)
            #expect(resend.headers.first(name: .location) == "/sign-in/code?sent=1")
            let fresh = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            if fresh != sent { #expect(try await code(portal, sent, browser: browser).status == .unprocessableEntity) }
            #expect(try await code(portal, fresh, browser: browser).status == .seeOther)
            #expect(browser.session != nil)
        }
    }

    @Test func aCodeWorksOnce() async throws {
        try await TestPortal.run { portal in
            // Email: the pending sign-in is spent with its code; replaying the form finds nothing.
            try await portal.makeOperator()
            let browser = Browser()
            _ = try await password(portal, browser: browser)
            let sent = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            let challengeCookie = try #require(browser.jar[SignInFlow.cookie])
            let form = try await portal.visit("/sign-in/code", browser: browser)
            #expect(try await portal.submit("/sign-in/code", ["code": sent, "csrf_token": form.csrfToken ?? ""], browser: browser).status == .seeOther)
            let replay = Browser()
            replay.jar = [SignInFlow.cookie: challengeCookie, SessionCookies.csrf: browser.jar[SessionCookies.csrf] ?? ""]
            let again = try await portal.submit("/sign-in/code", ["code": sent, "csrf_token": form.csrfToken ?? ""], browser: replay)
            #expect(again.headers.first(name: .location) == "/sign-in?expired=1")
            #expect(replay.session == nil)

            // TOTP: the same code (the same time step) is refused on the next sign-in.
            try await portal.makeOperator(email: "tom@example.com", name: "Tom", secondFactor: .totp)
            let first = Browser()
            _ = try await password(portal, email: "tom@example.com", browser: first)
            // Taken after the password step, which a loaded machine may serve slower than a time step.
            let totp = TOTP(secret: try #require(Base32.decode(TestPortal.totpSecret))).code(at: Date())
            #expect(try await code(portal, totp, browser: first).status == .seeOther)
            let second = Browser()
            _ = try await password(portal, email: "tom@example.com", browser: second)
            let reused = try await code(portal, totp, browser: second)
            #expect(reused.status == .unprocessableEntity)
            #expect(reused.text.contains("already used") || reused.text.contains("not right")) // a step boundary may fall between
            #expect(second.session == nil)
        }
    }

    @Test func recoveryCodesSignInOnceEach() async throws {
        try await TestPortal.run { portal in
            let tom = try await portal.makeOperator(email: "tom@example.com", name: "Tom", secondFactor: .totp)
            let codes = try await RecoveryCode.regenerate(for: tom.requireID(), secrets: portal.app.secrets(), on: portal.db)
            #expect(codes.count == 10 && Set(codes).count == 10)
            #expect(try await RecoveryCode.query(on: portal.db).all().allSatisfy { !codes.contains($0.codeDigest) })
            let browser = Browser()
            _ = try await password(portal, email: "tom@example.com", browser: browser)
            #expect(try await code(portal, codes[3].uppercased(), browser: browser).status == .seeOther)
            #expect(try await RecoveryCode.remaining(for: tom.requireID(), on: portal.db) == 9)
            let again = Browser()
            _ = try await password(portal, email: "tom@example.com", browser: again)
            let refused = try await code(portal, codes[3], browser: again)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("already used"))
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "sign-in.recovery-code-used").count() == 1)
        }
    }

    @Test func anInviteeEnrolsAnAuthenticatorAppAndGetsRecoveryCodes() async throws {
        try await TestPortal.run { portal in
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", password: nil, role: "support", status: .invited, secondFactor: nil)
            let link = try await SetupLinks.issue(.invite, operatorID: sam.requireID(), partnerID: portal.partner.requireID(),
                                                  lifetime: 3600, now: Date(), on: portal.db)
            let browser = Browser()
            let path = SiteURL.setup(token: link.value).path
            let form = try await portal.visit(path, browser: browser)
            let accepted = try await portal.submit(path, ["password": "a long enough passphrase", "password_confirmation": "a long enough passphrase",
                                                          "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(accepted.headers.first(name: .location) == "/sign-in/enrol")
            #expect(try await portal.visit("/", browser: browser).status == .seeOther) // not signed in yet
            let enrol = try await portal.visit("/sign-in/enrol", browser: browser)
            _ = try await portal.submit("/sign-in/enrol", ["method": "totp", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            let page = try await portal.visit("/sign-in/code", browser: browser)
            let shown = try #require(page.text.firstMatch(of: /id="totp-secret">([A-Z2-7 ]+)</)).output.1.replacingOccurrences(of: " ", with: "")
            #expect(page.text.contains("otpauth://totp/"))
            let secret = try #require(Base32.decode(String(shown)))
            #expect(secret.count == 20)
            #expect(try await code(portal, "123 12", browser: browser).status == .unprocessableEntity)
            let done = try await code(portal, TOTP(secret: secret).code(at: Date()), browser: browser)
            #expect(done.status == .ok)
            let codes = done.text.matches(of: /<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/).map { String($0.output.1) }
            #expect(codes.count == 10)
            #expect(browser.session != nil)
            let stored = try #require(try await Operator.find(sam.id, on: portal.db))
            // Stored sealed, not as shown (see SecretsAtRestTests).
            #expect(stored.secondFactor == .totp && stored.totpSecret != String(shown))
            let sealed = try #require(stored.totpSecret)
            #expect(try TOTPSecret.reveal(sealed, with: portal.app.secrets()) == String(shown))
            #expect(try await portal.visit("/", browser: browser).status == .ok)
        }
    }

    @Test func smsGoesOnlyToANumberThatReceivedACode() async throws {
        try await TestPortal.run { portal in
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support", secondFactor: nil)
            sam.phone = "+44 20 7946 0000"
            try await sam.update(on: portal.db)
            let browser = Browser()
            #expect(try await password(portal, email: "sam@example.com", browser: browser).headers.first(name: .location) == "/sign-in/enrol")
            let enrol = try await portal.visit("/sign-in/enrol", browser: browser)
            let badPhone = try await portal.submit("/sign-in/enrol", ["method": "sms", "phone": "call me", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            #expect(badPhone.status == .unprocessableEntity)
            #expect(badPhone.text.contains("Enter a phone number"))
            _ = try await portal.submit("/sign-in/enrol", ["method": "sms", "phone": "+44 20 7946 0958", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            let texted = try #require(try await portal.lastCode(sentTo: "+44 20 7946 0958"))
            // Until the code comes back, the number is neither saved nor trusted.
            var stored = try #require(try await Operator.find(sam.id, on: portal.db))
            #expect(stored.phone == "+44 20 7946 0000" && stored.phoneVerifiedAt == nil && stored.secondFactor == nil)
            #expect(try await code(portal, texted, browser: browser).status == .ok)
            stored = try #require(try await Operator.find(sam.id, on: portal.db))
            #expect(stored.phone == "+44 20 7946 0958" && stored.phoneVerifiedAt != nil && stored.secondFactor == .sms)

            // The number their codes go to is not moved silently: reset their second factor first.
            let ada = try await portal.makeOperator()
            try await stored.$grants.load(on: portal.db)
            let adaActor = try await AccessLoader.actor(for: ada, on: portal.db)
            await #expect(throws: PortalError.self) {
                try await OperatorAdministration.edit(stored, .init(phone: .some("+44 20 7946 0111")), by: adaActor, context: .system, on: portal.db)
            }
            stored = try #require(try await Operator.query(on: portal.db).filter(\.$id == sam.requireID()).with(\.$grants).first())
            #expect(stored.phone == "+44 20 7946 0958" && stored.secondFactor == .sms)
            try await OperatorAdministration.resetSecondFactor(of: stored, by: adaActor, context: .system, partner: portal.partner, on: portal.db)
            // A changed number is no longer verified: the next sign-in enrols again.
            try await OperatorAdministration.edit(stored, .init(phone: .some("+44 20 7946 0111")), by: adaActor, context: .system, on: portal.db)
            stored = try #require(try await Operator.find(sam.id, on: portal.db))
            #expect(stored.phoneVerifiedAt == nil && stored.secondFactor == nil)
            #expect(try await password(portal, email: "sam@example.com").headers.first(name: .location) == "/sign-in/enrol")
        }
    }

    @Test func thePartnersPolicyChoosesTheMethodsAndWhetherOneIsRequired() async throws {
        try await TestPortal.run { portal in
            portal.partner.secondFactorMethods = "totp"
            try await portal.partner.update(on: portal.db)
            // Ada enrolled email codes, which the policy no longer allows: she enrols again, with TOTP only.
            try await portal.makeOperator()
            let browser = Browser()
            #expect(try await password(portal, browser: browser).headers.first(name: .location) == "/sign-in/enrol")
            let enrol = try await portal.visit("/sign-in/enrol", browser: browser)
            #expect(enrol.text.contains("Authenticator app") && !enrol.text.contains("Code by email"))
            let refused = try await portal.submit("/sign-in/enrol", ["method": "email", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 0)

            // Not required: an operator without a second factor goes straight in.
            portal.partner.secondFactorRequired = false
            try await portal.partner.update(on: portal.db)
            try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support", secondFactor: nil)
            let sam = Browser()
            let answer = try await password(portal, email: "sam@example.com", browser: sam)
            #expect(answer.headers.first(name: .location) == "/")
            #expect(sam.session != nil)
        }
    }

    @Test func aBlockedOperatorCannotFinishSigningIn() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let browser = Browser()
            _ = try await password(portal, email: "sam@example.com", browser: browser)
            let sent = try #require(try await portal.lastCode(sentTo: "sam@example.com"))
            try await OperatorAdministration.block(sam, by: AccessLoader.actor(for: ada, on: portal.db), context: .system, on: portal.db)
            let answer = try await portal.submit("/sign-in/code", ["code": sent, "csrf_token": browser.jar[SessionCookies.csrf] ?? ""], browser: browser)
            #expect(answer.headers.first(name: .location) == "/sign-in?expired=1")
            #expect(browser.session == nil && browser.jar[SignInFlow.cookie] == nil)
        }
    }

    @Test func fromTheProfileAnOperatorChangesMethodAndReplacesRecoveryCodes() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let profile = try await portal.visit("/profile", browser: browser)
            #expect(profile.text.contains("You sign in with: Code by email"))
            let wrong = try await portal.submit("/profile/second-factor", ["confirm_password": "nope", "action": "codes", "csrf_token": profile.csrfToken ?? ""], browser: browser)
            #expect(wrong.status == .unprocessableEntity)
            let codes = try await portal.submit("/profile/second-factor", ["confirm_password": "correct horse battery", "action": "codes",
                                                                           "csrf_token": profile.csrfToken ?? ""], browser: browser)
            #expect(codes.text.matches(of: /<code>[a-z0-9]{5}-[a-z0-9]{5}<\/code>/).count == 10)
            #expect(try await RecoveryCode.remaining(for: ada.requireID(), on: portal.db) == 10)

            let change = try await portal.submit("/profile/second-factor", ["confirm_password": "correct horse battery", "action": "change",
                                                                            "csrf_token": profile.csrfToken ?? ""], browser: browser)
            #expect(change.headers.first(name: .location) == "/sign-in/enrol")
            let enrol = try await portal.visit("/sign-in/enrol", browser: browser)
            _ = try await portal.submit("/sign-in/enrol", ["method": "totp", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            let challenge = try #require(try await SignInChallenge.query(on: portal.db).first())
            let pending = try #require(challenge.pendingSecret)
            let secret = try #require(Base32.decode(try TOTPSecret.reveal(pending, with: portal.app.secrets())))
            let done = try await portal.submit("/sign-in/code", ["code": TOTP(secret: secret).code(at: Date()), "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            #expect(done.text.contains("Save your recovery codes"))
            #expect(try await Operator.find(ada.id, on: portal.db)?.secondFactor == .totp)
            #expect(try await portal.visit("/profile", browser: browser).text.contains("You sign in with: Authenticator app"))
        }
    }

    @Test func aNotificationsOnlyInviteeSetsAPasswordButGetsNoSession() async throws {
        try await TestPortal.run { portal in
            let digest = try await portal.makeOperator(email: "digest@example.com", name: "Digest", password: nil, role: "notifications",
                                                       status: .invited, secondFactor: nil)
            let link = try await SetupLinks.issue(.invite, operatorID: digest.requireID(), partnerID: portal.partner.requireID(),
                                                  lifetime: 3600, now: Date(), on: portal.db)
            let browser = Browser()
            let path = SiteURL.setup(token: link.value).path
            let form = try await portal.visit(path, browser: browser)
            let answer = try await portal.submit(path, ["password": "a long enough passphrase", "password_confirmation": "a long enough passphrase",
                                                        "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(answer.status == .forbidden)
            #expect(answer.text.contains("notification emails only"))
            #expect(browser.session == nil && browser.jar[SignInFlow.cookie] == nil)
            #expect(try await Operator.find(digest.id, on: portal.db)?.status == .active) // listed as active, keeps its preferences
        }
    }
}
