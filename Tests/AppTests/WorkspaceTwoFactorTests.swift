@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Authenticator apps for owners and staff: set up on the security page, asked for after the
/// password, limited like the operators' codes, required by the partner's rule, and never
/// seen or changed by an operator logged in as the person.
@Suite struct WorkspaceTwoFactorTests {
    static let password = "a quiet orchard in spring"

    /// The start of a 30-second step a little before now, so that tests choose each code's step.
    static let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 30).rounded(.down) * 30 - 300)

    func client(_ portal: TestPortal) async throws -> (Account, AccountUser) {
        let partnerID = try portal.partner.requireID()
        let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
        try await account.create(on: portal.db)
        let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy", email: "felix@bakery.example")
        owner.status = .active
        owner.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
        try await owner.create(on: portal.db)
        return (account, owner)
    }

    func at(_ portal: TestPortal, step: Int) -> Date {
        let date = Self.base.addingTimeInterval(Double(step) * 30 + 1)
        portal.app.secondFactorClock = { date }
        return date
    }

    func passwordStep(_ portal: TestPortal, _ browser: Browser) async throws -> TestingHTTPResponse {
        let page = try await portal.visit("/app/sign-in", browser: browser)
        return try await portal.submit("/app/sign-in", ["email": "felix@bakery.example", "password": Self.password, "csrf_token": page.csrfToken ?? ""],
                                       browser: browser)
    }

    func code(_ secret: String, at date: Date) throws -> String {
        TOTP(secret: try #require(Base32.decode(secret))).code(at: date)
    }

    /// Sets up an authenticator for the signed-in browser at `step`; returns its key and the recovery codes.
    func enrol(_ portal: TestPortal, _ browser: Browser, step: Int) async throws -> (secret: String, codes: [String]) {
        let date = at(portal, step: step)
        let page = try await portal.visit("/app/security", browser: browser)
        #expect(page.status == .ok && page.text.contains("Set up an authenticator app"))
        let csrf = try #require(page.csrfToken)
        #expect(try await portal.submit("/app/security/authenticator", ["csrf_token": csrf], browser: browser).status == .seeOther)
        let pending = try await portal.visit("/app/security", browser: browser)
        let sealed = try #require(try await AccountUserChallenge.query(on: portal.db).filter(\.$purpose == .enrol).first()?.pendingSecret)
        #expect(SecretBox.isSealed(sealed), "the key is encrypted at rest")
        let secret = try TOTPSecret.reveal(sealed, with: portal.app.secrets())
        #expect(pending.text.contains(SecondFactorView.grouped(secret)))
        let wrong = try await portal.submit("/app/security/authenticator/confirm", ["csrf_token": csrf, "code": "000000"], browser: browser)
        #expect(wrong.status == .unprocessableEntity && wrong.text.contains("That code is not right."))
        let confirmed = try await portal.submit("/app/security/authenticator/confirm", ["csrf_token": csrf, "code": try code(secret, at: date)], browser: browser)
        #expect(confirmed.status == .ok && confirmed.text.contains("Save your recovery codes"))
        let codes = confirmed.text.matches(of: /<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/).map { String($0.output.1) }
        #expect(codes.count == RecoveryCode.count)
        return (secret, codes)
    }

    @Test func anOwnerEnrolsAndThenSignsInWithACode() async throws {
        try await TestPortal.run { portal in
            let (_, owner) = try await client(portal)
            let browser = Browser()
            #expect(try await passwordStep(portal, browser).headers.first(name: .location) == "/app")
            let (secret, _) = try await enrol(portal, browser, step: 0)
            let factor = try #require(try await AccountUserAuthenticator.find(userID: owner.requireID(), partnerID: owner.partnerID, on: portal.db))
            #expect(factor.isEnrolled && SecretBox.isSealed(factor.totpSecret ?? ""))
            #expect(try await AccountUserRecoveryCode.query(on: portal.db).count() == RecoveryCode.count)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.user-authenticator-added").count() == 1)
            #expect(try await portal.visit("/app/security", browser: browser).text.contains("In use since"))

            // The next sign-in asks for the code: no session until it is right.
            let next = Browser()
            let asked = try await passwordStep(portal, next)
            #expect(asked.headers.first(name: .location) == "/app/sign-in/code")
            #expect(asked.setCookie(SessionCookies.workspaceSession) == nil)
            let cookie = try #require(asked.setCookie(WorkspaceTwoFactor.cookie))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(try await portal.visit("/app", browser: next).headers.first(name: .location) == "/app/sign-in")
            let page = try await portal.visit("/app/sign-in/code", browser: next)
            #expect(page.status == .ok && page.text.contains("Enter your code"))
            let csrf = try #require(page.csrfToken)
            // The code of the enrolment's step was used: it does not work twice.
            let reused = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": try code(secret, at: at(portal, step: 0))], browser: next)
            #expect(reused.status == .unprocessableEntity && reused.text.contains("already used"))
            let wrong = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": "123456"], browser: next)
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("That code is not right."))
            let date = at(portal, step: 2)
            let replay = Browser()
            replay.jar = next.jar
            let accepted = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": try code(secret, at: date)], browser: next)
            #expect(accepted.status == .seeOther && accepted.headers.first(name: .location) == "/app")
            #expect(accepted.setCookie(SessionCookies.workspaceSession) != nil)
            #expect(try await portal.visit("/app", browser: next).status == .ok)
            #expect(try await AccountUserChallenge.query(on: portal.db).count() == 0)
            // The pending sign-in is spent with its code.
            #expect(try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": try code(secret, at: at(portal, step: 3))],
                                            browser: replay).headers.first(name: .location) == "/app/sign-in")
        }
    }

    @Test func aRecoveryCodeSignsInOnceAndRemovingNeedsThePassword() async throws {
        try await TestPortal.run { portal in
            let (_, owner) = try await client(portal)
            let browser = Browser()
            _ = try await passwordStep(portal, browser)
            let (_, codes) = try await enrol(portal, browser, step: 0)
            for attempt in 0..<2 {
                let other = Browser()
                _ = try await passwordStep(portal, other)
                let page = try await portal.visit("/app/sign-in/code", browser: other)
                let response = try await portal.submit("/app/sign-in/code", ["csrf_token": page.csrfToken ?? "", "code": codes[0].uppercased()], browser: other)
                if attempt == 0 {
                    #expect(response.status == .seeOther && response.headers.first(name: .location) == "/app")
                } else {
                    #expect(response.status == .unprocessableEntity && response.text.contains("already used"))
                }
            }
            #expect(try await AccountUserRecoveryCode.remaining(for: owner.requireID(), partnerID: owner.partnerID, on: portal.db) == RecoveryCode.count - 1)

            let csrf = try #require(try await portal.visit("/app/security", browser: browser).csrfToken)
            let wrong = try await portal.submit("/app/security/authenticator/remove", ["csrf_token": csrf, "password": "not my password"], browser: browser)
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("That is not your password."))
            #expect(try await AccountUserAuthenticator.find(userID: owner.requireID(), partnerID: owner.partnerID, on: portal.db)?.isEnrolled == true)
            let removed = try await portal.submit("/app/security/authenticator/remove", ["csrf_token": csrf, "password": Self.password], browser: browser)
            #expect(removed.status == .seeOther)
            #expect(try await AccountUserAuthenticator.find(userID: owner.requireID(), partnerID: owner.partnerID, on: portal.db)?.isEnrolled == false)
            #expect(try await AccountUserRecoveryCode.query(on: portal.db).count() == 0)
            #expect(try await passwordStep(portal, Browser()).headers.first(name: .location) == "/app")
        }
    }

    @Test func wrongCodesEndTheAttemptAndThenLockTheCodesAsTheOperatorsDo() async throws {
        try await TestPortal.run(adjust: { $0.signInFailuresPerAccountPerMinute = 1_000 }) { portal in
            let (_, owner) = try await client(portal)
            let browser = Browser()
            _ = try await passwordStep(portal, browser)
            let (secret, _) = try await enrol(portal, browser, step: 0)
            // Enrolment's one wrong code counted; the right one reset the count.
            _ = at(portal, step: 1)
            var wrongSoFar = 0
            // One attempt allows `allowedFailures` wrong codes; the next one ends it.
            let first = Browser()
            _ = try await passwordStep(portal, first)
            let csrf = try #require(try await portal.visit("/app/sign-in/code", browser: first).csrfToken)
            for attempt in 1...(SignInChallenge.allowedFailures + 1) {
                let response = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": "000000"], browser: first)
                wrongSoFar += 1
                #expect(response.status == (attempt <= SignInChallenge.allowedFailures ? .unprocessableEntity : .unauthorized), "\(attempt)")
            }
            #expect(try await portal.visit("/app/sign-in/code", browser: first).headers.first(name: .location) == "/app/sign-in")

            // Across attempts, `failuresBeforeLock` in a row lock every code, the right one too.
            let second = Browser()
            _ = try await passwordStep(portal, second)
            let csrf2 = try #require(try await portal.visit("/app/sign-in/code", browser: second).csrfToken)
            var last: TestingHTTPResponse?
            while wrongSoFar < SecondFactorGuard.failuresBeforeLock {
                last = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf2, "code": "000000"], browser: second)
                wrongSoFar += 1
            }
            #expect(last?.status == .tooManyRequests && last?.text.contains("refused after too many wrong ones") == true)
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == owner.email).count() == 1, "emailed once about the lock")
            let third = Browser()
            _ = try await passwordStep(portal, third)
            let csrf3 = try #require(try await portal.visit("/app/sign-in/code", browser: third).csrfToken)
            let locked = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf3, "code": try code(secret, at: at(portal, step: 2))], browser: third)
            #expect(locked.status == .tooManyRequests && locked.headers.first(name: .retryAfter) != nil)

            // After the lock the right code works again.
            let later = Int(SecondFactorGuard.firstLock / 30) + 4
            let fourth = Browser()
            _ = at(portal, step: later)
            _ = try await passwordStep(portal, fourth)
            let csrf4 = try #require(try await portal.visit("/app/sign-in/code", browser: fourth).csrfToken)
            let accepted = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf4, "code": try code(secret, at: at(portal, step: later))],
                                                   browser: fourth)
            #expect(accepted.status == .seeOther && accepted.headers.first(name: .location) == "/app")
        }
    }

    @Test func tooManyFailuresFromOneAddressAreRefusedBeforeTheCodeIsRead() async throws {
        try await TestPortal.run(adjust: { $0.signInFailuresPerAccountPerMinute = 1_000; $0.signInFailuresPerIPPerMinute = 1_000 }) { portal in
            try await client(portal)
            let browser = Browser()
            _ = try await passwordStep(portal, browser)
            let (secret, _) = try await enrol(portal, browser, step: 0)
            let date = at(portal, step: 3)
            let partnerID = try portal.partner.requireID()
            let other = Browser()
            _ = try await passwordStep(portal, other)
            let csrf = try #require(try await portal.visit("/app/sign-in/code", browser: other).csrfToken)
            #expect(try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": "000000"], browser: other).status == .unprocessableEntity)
            let ip = try #require(try await SignInAttempt.query(on: portal.db).filter(\.$succeeded == false).first()?.ip)
            for _ in 1..<SecondFactorGuard.failuresPerAddressPerMinute {
                try await SignInAttempt(partnerID: partnerID, email: "someone", ip: ip, succeeded: false, at: date).create(on: portal.db)
            }
            let refused = try await portal.submit("/app/sign-in/code", ["csrf_token": csrf, "code": try code(secret, at: date)], browser: other)
            #expect(refused.status == .tooManyRequests && refused.text.contains("Too many wrong codes from your network"))
        }
    }

    @Test func thePartnersRuleSendsOwnersToEnrolBeforeAnythingElse() async throws {
        try await TestPortal.run { portal in
            try await client(portal)
            portal.partner.clientSecondFactorRequired = true
            try await portal.partner.update(on: portal.db)
            let browser = Browser()
            #expect(try await passwordStep(portal, browser).headers.first(name: .location) == "/app")
            for path in ["/app", "/app/bookings", "/app/payments", "/app/profile"] {
                #expect(try await portal.visit(path, browser: browser).headers.first(name: .location) == "/app/security", "\(path)")
            }
            let security = try await portal.visit("/app/security", browser: browser)
            #expect(security.status == .ok && security.text.contains("An authenticator app is required"))
            let csrf = try #require(security.csrfToken)
            let refused = try await portal.submit("/app/payments", ["csrf_token": csrf, "amount": "5", "currency": "EUR", "method": "cash", "status": "paid"],
                                                  browser: browser)
            #expect(refused.status == .forbidden)
            #expect(try await PaymentRecord.query(on: portal.db).count() == 0)
            _ = try await enrol(portal, browser, step: 0)
            #expect(try await portal.visit("/app", browser: browser).status == .ok)
            #expect(try await portal.visit("/app/bookings", browser: browser).status == .ok)
        }
    }

    @Test func anOperatorLoggedInAsTheClientCannotEnrolOrRemoveTheirAuthenticator() async throws {
        try await TestPortal.run { portal in
            let (account, owner) = try await client(portal)
            #expect(AccessPolicy.mayManageWorkspaceAuthenticator(supported: true) == .deny(.notWhileSupporting))
            #expect(AccessPolicy.mayManageWorkspaceAuthenticator(supported: false) == .allow)
            #expect(AccessPolicy.mayUseWorkspaceWithoutAuthenticator(required: true, enrolled: false, supported: false) == .deny(.authenticatorRequired))
            #expect(AccessPolicy.mayUseWorkspaceWithoutAuthenticator(required: true, enrolled: false, supported: true) == .allow)
            #expect(AccessPolicy.mayUseWorkspaceWithoutAuthenticator(required: false, enrolled: false, supported: false) == .allow)

            let supported = WorkspaceUser(sessionID: UUID(), userID: try owner.requireID(), accountID: try account.requireID(), partnerID: owner.partnerID,
                                          name: owner.name, email: owner.email, role: .owner, accountName: account.name, csrfToken: "t",
                                          mustChangePassword: false, impersonator: .init(operatorID: UUID(), name: "Maya Support", endsAt: Date().addingTimeInterval(600), accessID: UUID()))
            let secrets = try portal.app.secrets()
            await #expect(throws: PortalError.self) {
                try await WorkspaceTwoFactor.beginEnrolment(by: supported, secrets: secrets, now: Date(), on: portal.db)
            }
            #expect(try await AccountUserChallenge.query(on: portal.db).count() == 0)
            await #expect(throws: PortalError.self) {
                _ = try await WorkspaceTwoFactor.confirmEnrolment("123456", by: supported, partner: portal.partner, ip: "127.0.0.1", secrets: secrets,
                                                                  now: Date(), on: portal.db)
            }
            await #expect(throws: PortalError.self) {
                _ = try await WorkspaceTwoFactor.remove(password: Self.password, by: supported, ip: "127.0.0.1", passwords: portal.app.password.async,
                                                        config: portal.app.portalConfig, now: Date(), on: portal.db)
            }
            // The partner's rule does not send the operator to enrol in the client's name.
            portal.partner.clientSecondFactorRequired = true
            #expect(try await WorkspaceTwoFactor.mustEnrol(supported, partner: portal.partner, on: portal.db) == false)
            var own = supported
            own.impersonator = nil
            #expect(try await WorkspaceTwoFactor.mustEnrol(own, partner: portal.partner, on: portal.db) == true)
            // Nor does the security page show them a key being set up.
            try await WorkspaceTwoFactor.beginEnrolment(by: own, secrets: secrets, now: Date(), on: portal.db)
            #expect(try await WorkspaceTwoFactor.status(of: own, partner: portal.partner, secrets: secrets, now: Date(), on: portal.db).pendingSecret != nil)
            #expect(try await WorkspaceTwoFactor.status(of: supported, partner: portal.partner, secrets: secrets, now: Date(), on: portal.db).pendingSecret == nil)
        }
    }

    @Test func anOperatorLoggingInAsTheClientIsNotAskedForTheirCodeNorSentToEnrol() async throws {
        try await TestPortal.run { portal in
            let (account, owner) = try await client(portal)
            portal.partner.clientSecondFactorRequired = true
            try await portal.partner.update(on: portal.db)
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let browser = try await portal.signIn(email: "maya@example.com")
            let accountPage = try await portal.visit("/accounts/\(account.businessUID)", browser: browser)
            let started = try await portal.submit("/accounts/\(account.businessUID)/login-as", ["reason": "ticket 4711", "csrf_token": accountPage.csrfToken ?? ""],
                                                  browser: browser)
            #expect(started.status == .seeOther && started.headers.first(name: .location) == "/app")
            // Without an authenticator of the owner's: not sent to set one up in their name.
            #expect(try await portal.visit("/app", browser: browser).status == .ok)
            let security = try await portal.visit("/app/security", browser: browser)
            #expect(security.status == .ok && security.text.contains(DenyReason.notWhileSupporting.message))
            #expect(!security.text.contains("action=\"/app/security/authenticator\""))
            let csrf = try #require(security.csrfToken)
            #expect(try await portal.submit("/app/security/authenticator", ["csrf_token": csrf], browser: browser).status == .forbidden)
            #expect(try await AccountUserChallenge.query(on: portal.db).count() == 0)

            // With one: it stays, and cannot be removed by the operator.
            let factor = try #require(try await AccountUserAuthenticator.find(userID: owner.requireID(), partnerID: owner.partnerID, on: portal.db))
            factor.totpSecret = try TOTPSecret.make(with: portal.app.secrets())
            factor.totpEnabledAt = Date()
            try await factor.update(on: portal.db)
            let removed = try await portal.submit("/app/security/authenticator/remove", ["csrf_token": csrf, "password": Self.password], browser: browser)
            #expect(removed.status == .forbidden)
            #expect(try await portal.submit("/app/security/recovery-codes", ["csrf_token": csrf, "password": Self.password], browser: browser).status == .forbidden)
            #expect(try await AccountUserAuthenticator.find(userID: owner.requireID(), partnerID: owner.partnerID, on: portal.db)?.isEnrolled == true)
            // A booking made meanwhile names both people.
            let booked = try await portal.submit("/app/bookings", ["csrf_token": csrf, "service": "Tasting", "client_name": "Rosa", "client_email": "rosa@example.com",
                                                                   "at": WorkspaceRecords.fieldValue(Date().addingTimeInterval(86_400)), "status": "confirmed"],
                                                 browser: browser)
            #expect(booked.status == .seeOther)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.booking-added").first())
            #expect(entry.actorName == "Felix Murphy" && entry.impersonatorName == "Maya Support")
        }
    }

    @Test func thePartnerPolicyCommandTurnsTheRuleOnAndOff() async throws {
        try await TestPortal.run { portal in
            func run(_ value: String) async throws {
                var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["portal", "--partner", Partner.defaultSlug,
                                                                                                   "--client-authenticator", value]))
                context.application = portal.app
                try await PartnerPolicyCommand().run(using: &context)
            }
            #expect(try await Partner.query(on: portal.db).first()?.clientSecondFactorRequired == false)
            try await run("required")
            #expect(try await Partner.query(on: portal.db).first()?.clientSecondFactorRequired == true)
            await #expect(throws: CommandFailure.self) { try await run("sometimes") }
            try await run("optional")
            #expect(try await Partner.query(on: portal.db).first()?.clientSecondFactorRequired == false)
        }
    }
}
