@testable import App
import Fluent
import Testing
import Vapor

@Suite struct SetupLinkTests {
    @Test func firstAdminLinkWorksExactlyOnce() async throws {
        try await TestPortal.run { portal in
            let token = try await SetupLinks.issueFirstAdmin(partnerID: try portal.partner.requireID(), now: Date(), on: portal.db)
            let path = SiteURL.setup(token: token.value).path
            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            #expect(form.status == .ok)
            #expect(form.text.contains("Create the first admin"))

            let created = try await portal.submit(path, [
                "name": "Grace Hopper", "email": "Grace@Example.com", "password": "a long enough passphrase",
                "password_confirmation": "a long enough passphrase", "csrf_token": form.csrfToken ?? "",
            ], browser: browser)
            // The partner requires a second factor (the default), so the new admin enrols one first.
            #expect(created.status == .seeOther)
            #expect(created.headers.first(name: .location) == "/sign-in/enrol")
            #expect(browser.session == nil)
            let enrol = try await portal.visit("/sign-in/enrol", browser: browser)
            #expect(enrol.text.contains("Authenticator app") && enrol.text.contains("Code by email"))
            let chosen = try await portal.submit("/sign-in/enrol", ["method": "email", "csrf_token": enrol.csrfToken ?? ""], browser: browser)
            #expect(chosen.headers.first(name: .location) == "/sign-in/code")
            let codes = try await portal.enterCode(for: "grace@example.com", browser: browser)
            #expect(codes.status == .ok)
            #expect(codes.text.contains("Save your recovery codes"))
            #expect(browser.session != nil)
            let home = try await portal.visit("/", browser: browser)
            #expect(home.text.contains("Welcome, Grace Hopper"))

            let op = try #require(try await Operator.query(on: portal.db).with(\.$grants).first())
            #expect(op.email == "grace@example.com")
            #expect(op.status == .active)
            #expect(op.grants.map(\.role) == ["admin-secure"]) // the first admin owns the data: secure accounts included
            #expect(op.grants.map(\.scope) == [.all])

            let stranger = Browser()
            _ = try await portal.visit("/sign-in", browser: stranger) // picks up a CSRF cookie
            let second = try await portal.visit(path, browser: stranger)
            #expect(second.status == .gone)
            #expect(second.text.contains("Link no longer valid"))
            let replay = try await portal.submit(path, [
                "name": "Mallory", "email": "mallory@example.com", "password": "another long passphrase",
                "password_confirmation": "another long passphrase", "csrf_token": stranger.jar[SessionCookies.csrf] ?? "",
            ], browser: stranger)
            #expect(replay.status == .gone)
            #expect(try await Operator.query(on: portal.db).count() == 1)
        }
    }

    @Test func formErrorsAreShownNextToTheFieldsAndNothingIsCreated() async throws {
        try await TestPortal.run { portal in
            let token = try await SetupLinks.issueFirstAdmin(partnerID: try portal.partner.requireID(), now: Date(), on: portal.db)
            let path = SiteURL.setup(token: token.value).path
            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            let response = try await portal.submit(path, [
                "name": " ", "email": "not-an-email", "password": "short", "password_confirmation": "short",
                "csrf_token": form.csrfToken ?? "",
            ], browser: browser)
            #expect(response.status == .unprocessableEntity)
            #expect(response.text.contains("id=\"field-name-error\""))
            #expect(response.text.contains("id=\"field-email-error\""))
            #expect(response.text.contains("aria-describedby=\"field-password-hint field-password-error\""))
            #expect(response.text.contains("value=\"not-an-email\""))
            #expect(try await Operator.query(on: portal.db).count() == 0)
            // The link still works after a failed attempt.
            #expect(try await portal.visit(path, browser: browser).status == .ok)
        }
    }

    @Test func commonAndMismatchedPasswordsAreRefused() {
        #expect(PasswordPolicy.check("password1234") != nil)
        #expect(PasswordPolicy.check("a long enough passphrase", confirmation: "a different passphrase") != nil)
        #expect(PasswordPolicy.check(String(repeating: "x", count: 11)) != nil)
        #expect(PasswordPolicy.check(String(repeating: "long words ", count: 6)) == nil) // 66 characters accepted
    }

    @Test func expiredLinkIsRefused() async throws {
        try await TestPortal.run { portal in
            let longAgo = Date().addingTimeInterval(-2 * SetupLinks.firstAdminLifetime)
            let token = try await SetupLinks.issueFirstAdmin(partnerID: try portal.partner.requireID(), now: longAgo, on: portal.db)
            #expect(try await portal.visit(SiteURL.setup(token: token.value).path, browser: Browser()).status == .gone)
        }
    }

    @Test func firstAdminLinkStopsOnceThePartnerHasAnOperator() async throws {
        try await TestPortal.run { portal in
            let token = try await SetupLinks.issueFirstAdmin(partnerID: try portal.partner.requireID(), now: Date(), on: portal.db)
            try await portal.makeOperator()
            #expect(try await portal.visit(SiteURL.setup(token: token.value).path, browser: Browser()).status == .gone)
        }
    }

    @Test func operatorSetupLinkSetsThePasswordOfThatOperator() async throws {
        try await TestPortal.run { portal in
            let op = try await portal.makeOperator(email: "new@example.com", name: "New Person", password: nil)
            #expect(op.status == .invited)
            let token = try await SetupLinks.issueOperatorSetup(operatorID: try op.requireID(), partnerID: try portal.partner.requireID(), now: Date(), on: portal.db)
            let path = SiteURL.setup(token: token.value).path
            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            #expect(form.text.contains("new@example.com"))
            let done = try await portal.submit(path, ["password": "a long enough passphrase", "password_confirmation": "a long enough passphrase",
                                                      "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(done.status == .seeOther)
            _ = try await portal.signIn(email: "new@example.com", password: "a long enough passphrase")
        }
    }

    @Test func bootstrapCreatesTheDefaultPartnerAndLogsALink() async throws {
        let app = try await TestPortal.makeApp(config: TestPortal.config(storage: TestDatabase.freshStorage()))
        do {
            try await app.autoMigrate()
            let capture = LogCapture()
            try await PartnerBootstrap.run(on: app.db, publicURL: "http://portal.test", logger: capture.logger)
            let partner = try #require(try await Partner.query(on: app.db).first())
            #expect(partner.slug == "default")
            let line = try #require(capture.lines.first { $0.contains("/setup/") })
            let token = try #require(line.components(separatedBy: "http://portal.test/setup/").last)
            #expect(try await SetupLinks.find(token, partnerID: try partner.requireID(), now: Date(), on: app.db) != nil)
            // Nothing in the database reveals the link.
            let stored = try await OneTimeToken.query(on: app.db).all()
            #expect(stored.allSatisfy { $0.tokenDigest != token })
            try await TestPortal.dropSchema(app, storage: app.portalConfig.storage)
        } catch {
            try? await TestPortal.dropSchema(app, storage: app.portalConfig.storage)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
