@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// API tokens in Settings (PRODUCT.md §4): your own for everyone with `portal.login`, everyone's
/// with `apiTokens.manage`; the value shown once, on the page answering the form; every make and
/// revoke audited; another operator's token refused (and logged) without the right.
@Suite struct TokenSettingsTests {
    // MARK: - The decisions, as a matrix over the built-in roles

    /// Written out by hand from PRODUCT.md §3: who holds `apiTokens.manage`, who cannot sign in.
    static let managers: Set<String> = ["admin", "admin-secure", "system-manager", "system-manager-secure"]
    static let cannotSignIn: Set<String> = ["notifications"]

    static let partnerA = UUID()
    static let partnerB = UUID()

    static func actor(_ role: String, scope: Scope = .all, isActive: Bool = true) -> Actor {
        Actor(operatorID: UUID(), partnerID: partnerA, isActive: isActive,
              grants: [ActorGrant(role: RoleDefinition(builtIn: BuiltInRole.named(role)!), scope: scope)], hasAssignments: false)
    }

    @Test func everyBuiltInRoleIsInTheMatrix() {
        #expect(Self.managers.isSubset(of: Set(BuiltInRole.all.map(\.code))))
        #expect(Set(BuiltInRole.all.filter { $0.permissions.contains(.apiTokensManage) }.map(\.code)) == Self.managers)
        #expect(Set(BuiltInRole.all.filter { !$0.permissions.contains(.portalLogin) }.map(\.code)) == Self.cannotSignIn)
    }

    @Test(arguments: BuiltInRole.all.map(\.code))
    func tokenDecisions(role: String) {
        let actor = Self.actor(role)
        let signsIn = !Self.cannotSignIn.contains(role)
        let noLogin = Decision.deny(.missingPermission(.portalLogin))
        #expect(AccessPolicy.mayUseOwnTokens(actor) == (signsIn ? .allow : noLogin))
        #expect(AccessPolicy.mayCreateToken(actor, loggedInAsSomeone: false) == (signsIn ? .allow : noLogin))
        #expect(AccessPolicy.mayCreateToken(actor, loggedInAsSomeone: true) == (signsIn ? .deny(.notWhileSupporting) : noLogin))

        let manages = Self.managers.contains(role)
        let everyone: Decision = manages ? .allow : .deny(.missingPermission(.apiTokensManage))
        #expect(AccessPolicy.mayManagePartnerTokens(actor) == everyone)
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: actor.operatorID, partnerID: Self.partnerA) == .allow)
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: UUID(), partnerID: Self.partnerA) == everyone)
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: UUID(), partnerID: Self.partnerB) == .deny(.otherPartner))
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: actor.operatorID, partnerID: Self.partnerB) == .deny(.otherPartner))
    }

    @Test(arguments: BuiltInRole.all.map(\.code))
    func aBlockedOperatorIsRefusedEverything(role: String) {
        let actor = Self.actor(role, isActive: false)
        #expect(AccessPolicy.mayUseOwnTokens(actor) == .deny(.blocked))
        #expect(AccessPolicy.mayCreateToken(actor, loggedInAsSomeone: false) == .deny(.blocked))
        #expect(AccessPolicy.mayManagePartnerTokens(actor) == .deny(.blocked))
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: actor.operatorID, partnerID: Self.partnerA) == .deny(.blocked))
    }

    @Test func aGroupScopedManagerHasTheirOwnTokensOnly() {
        let actor = Self.actor("system-manager", scope: .group(UUID()))
        #expect(AccessPolicy.mayUseOwnTokens(actor) == .allow)
        #expect(AccessPolicy.mayCreateToken(actor, loggedInAsSomeone: false) == .allow)
        #expect(AccessPolicy.mayManagePartnerTokens(actor) == .deny(.outOfScope(.apiTokensManage)))
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: UUID(), partnerID: Self.partnerA) == .deny(.outOfScope(.apiTokensManage)))
        #expect(AccessPolicy.mayRevokeToken(actor, ownerID: actor.operatorID, partnerID: Self.partnerA) == .allow)
    }

    // MARK: - Helpers

    static func tokenValue(in page: String) -> String? {
        page.firstMatch(of: /id="new-token-value" type="text" value="(opk_[A-Za-z0-9_-]+)"/).map { String($0.1) }
    }

    static func id(of name: String, _ portal: TestPortal) async throws -> String {
        try #require(try await APIToken.query(on: portal.db).filter(\.$name == name).first()).requireID().uuidString.lowercased()
    }

    static func makeSupport(_ portal: TestPortal) async throws -> Operator {
        try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
    }

    // MARK: - The page

    @Test func aNewTokenIsShownOnceAndWorksWithTheOperatorsPermissions() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await Self.makeSupport(portal)
            let capture = LogCapture()
            portal.app.logger = capture.logger
            let browser = try await portal.signIn(email: "sam@example.com")
            let page = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("You have no API tokens.") && page.text.contains(#"name="expires_in_days" type="number" value="90""#))
            #expect(page.text.contains("1 to 365 days; 90 unless you change it."))
            let csrf = try #require(page.csrfToken)

            let made = try await portal.submit("/settings/api-tokens", ["name": "CRM sync", "expires_in_days": "30", "csrf_token": csrf], browser: browser)
            #expect(made.status == .ok)
            #expect(made.headers.first(name: .location) == nil)
            #expect(made.headers.first(name: .cacheControl) == "no-store")
            let value = try #require(Self.tokenValue(in: made.text))
            #expect(made.text.contains(#"value="\#(value)" readonly"#))
            #expect(made.text.contains("it is not shown again"))
            #expect(made.text.contains("<td>Never</td>"))

            // A reload lists it, without the value.
            let reload = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(reload.text.contains("<td>CRM sync</td>") && !reload.text.contains(value) && !reload.text.contains("new-token-value"))
            let stored = try #require(try await APIToken.query(on: portal.db).filter(\.$name == "CRM sync").first())
            #expect(stored.$operator.id == sam.id)
            #expect(abs((stored.expiresAt ?? .distantPast).timeIntervalSince(stored.createdAt) - 30 * 86_400) < 2)

            // The value is a bearer token acting as Sam, with Sam's permissions and no more.
            let api = APIClient(portal: portal, token: value)
            let me = try api.object(try await api.call(.GET, "/me"))
            #expect((me["operator"] as? [String: Any])?["name"] as? String == "Sam Support")
            #expect(try await api.call(.POST, "/operators", json: #"{"name":"New","email":"new@example.com","grants":[{"role":"viewer","scope":"all"}]}"#)
                .status == .forbidden)
            #expect(try await api.call(.GET, "/tokens?scope=partner").status == .forbidden)
            // Its last use shows on the page.
            let used = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(!used.text.contains("<td>Never</td>"))
            #expect(try await APIToken.find(stored.id, on: portal.db)?.lastUsedAt != nil)

            // Made and revoked, both audited with the name and owner, never the value.
            let revoked = try await portal.submit("/settings/api-tokens/\(try stored.requireID().uuidString.lowercased())/revoke",
                                                  ["csrf_token": csrf], browser: browser)
            #expect(revoked.status == .seeOther && revoked.headers.first(name: .location) == "/settings/api-tokens")
            #expect(try await portal.visit("/settings/api-tokens", browser: browser).text.contains("The token “CRM sync” was revoked"))
            #expect(try await api.call(.GET, "/me").status == .unauthorized)
            let entries = try await AuditEvent.query(on: portal.db).filter(\.$action ~~ ["api-token.created", "api-token.revoked"]).all()
            #expect(Set(entries.map(\.action)) == ["api-token.created", "api-token.revoked"])
            #expect(entries.allSatisfy { $0.details.contains("CRM sync") && $0.targetLabel.contains("Sam Support") && $0.actorName == "Sam Support" })
            #expect(entries.allSatisfy { !$0.details.contains(value) })
            #expect(!capture.lines.contains { $0.contains(value) }, "the value is never logged")
        }
    }

    @Test func badInputIsAnsweredNextToTheFieldsWithWhatWasTyped() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            portal.partner.maxTokenDays = 30
            try await portal.partner.update(on: portal.db)
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings/api-tokens", browser: browser).csrfToken)
            let hostile = #"<script>alert(1)</script>"# + String(repeating: "x", count: 100)
            let refused = try await portal.submit("/settings/api-tokens", ["name": hostile, "expires_in_days": "31", "csrf_token": csrf], browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains(#"id="field-name-error">Use 1 to 100 visible characters"#))
            #expect(refused.text.contains(#"id="field-expires_in_days-error">Give a whole number of days from 1 to 30."#))
            #expect(refused.text.contains(#"value="&lt;script&gt;alert(1)&lt;/script&gt;xxx"#) && !refused.text.contains("<script>alert"))
            #expect(refused.text.contains(#"name="expires_in_days" type="number" value="31""#))
            for days in ["", "0", "ten", "1e3", "99999999999999999999999"] {
                let bad = try await portal.submit("/settings/api-tokens", ["name": "Reports", "expires_in_days": days, "csrf_token": csrf], browser: browser)
                #expect(bad.status == .unprocessableEntity, "\(days)")
            }
            let blank = try await portal.submit("/settings/api-tokens", ["name": "   ", "expires_in_days": "30", "csrf_token": csrf], browser: browser)
            #expect(blank.status == .unprocessableEntity && blank.text.contains(#"id="field-name-error""#))
            #expect(try await APIToken.query(on: portal.db).count() == 0)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "api-token.created").count() == 0)
            // Without its CSRF token the form does nothing.
            let forged = try await portal.submit("/settings/api-tokens", ["name": "Reports", "expires_in_days": "30"], browser: browser)
            #expect(forged.status == .forbidden)
            #expect(try await APIToken.query(on: portal.db).count() == 0)
        }
    }

    @Test func supportSeesAndRevokesOnlyTheirOwnAndIsRefusedAnothers() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await Self.makeSupport(portal)
            let adas = try await APITokens.create(name: "Ada key", operator: ada, now: Date(), on: portal.db)
            let sams = try await APITokens.create(name: "Sam key", operator: sam, now: Date(), on: portal.db)
            let capture = LogCapture()
            portal.app.logger = capture.logger
            let browser = try await portal.signIn(email: "sam@example.com")
            let page = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(page.text.contains("<td>Sam key</td>") && !page.text.contains("Ada key"))
            #expect(!page.text.contains(#"<th scope="col">Operator</th>"#))
            let csrf = try #require(page.csrfToken)

            let adaID = try adas.token.requireID().uuidString.lowercased()
            let refused = try await portal.submit("/settings/api-tokens/\(adaID)/revoke", ["csrf_token": csrf], browser: browser)
            #expect(refused.status == .forbidden)
            #expect(try await APIClient(portal: portal, token: adas.value).call(.GET, "/me").status == .ok)
            let samOperator = "operator=" + (try sam.requireID().uuidString)
            #expect(capture.lines.contains { $0.contains("access denied") && $0.contains("apiTokens.manage") && $0.contains("/settings/api-tokens/\(adaID)/revoke")
                && $0.contains(samOperator) })
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "api-token.revoked").count() == 0)

            let samID = try sams.token.requireID().uuidString.lowercased()
            #expect(try await portal.submit("/settings/api-tokens/\(samID)/revoke", ["csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await APIClient(portal: portal, token: sams.value).call(.GET, "/me").status == .unauthorized)
        }
    }

    @Test func anAdminSeesEveryonesTokensWithTheirOwnersAndRevokesAny() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await Self.makeSupport(portal)
            _ = try await APITokens.create(name: "Ada key", operator: ada, now: Date(), on: portal.db)
            let sams = try await APITokens.create(name: "Sam key", operator: sam, now: Date(), on: portal.db)
            let browser = try await portal.signIn()
            let page = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(page.text.contains(#"<th scope="col">Operator</th>"#))
            #expect(page.text.contains("<td>Ada key</td><td>Ada Admin<span class=\"badge\">You</span></td>"))
            #expect(page.text.contains("<td>Sam key</td><td>Sam Support</td>"))
            let csrf = try #require(page.csrfToken)

            let samID = try sams.token.requireID().uuidString.lowercased()
            #expect(try await portal.submit("/settings/api-tokens/\(samID)/revoke", ["csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await APIClient(portal: portal, token: sams.value).call(.GET, "/me").status == .unauthorized)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "api-token.revoked").first())
            #expect(entry.actorName == "Ada Admin" && entry.targetLabel.contains("Sam Support") && entry.details.contains("Sam key"))
            #expect(!entry.details.contains(sams.value))
        }
    }

    @Test func anotherPartnersTokenIsNotFound() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let them = try await portal.makeOperator(email: "them@globex.example", name: "Them", partner: globex)
            let theirs = try await APITokens.create(name: "Their key", operator: them, now: Date(), on: portal.db)
            let browser = try await portal.signIn()
            let page = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(!page.text.contains("Their key"))
            let csrf = try #require(page.csrfToken)
            let id = try theirs.token.requireID().uuidString.lowercased()
            #expect(try await portal.submit("/settings/api-tokens/\(id)/revoke", ["csrf_token": csrf], browser: browser).status == .notFound)
            #expect(try await portal.submit("/settings/api-tokens/not-an-id/revoke", ["csrf_token": csrf], browser: browser).status == .notFound)
            #expect(try await APIClient(portal: portal, token: theirs.value, host: "globex.example").call(.GET, "/me").status == .ok)
        }
    }

    @Test func noTokenIsMadeWhileLoggedInAsAnotherOperator() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await Self.makeSupport(portal)
            let browser = try await portal.signIn()
            let samID = try sam.requireID().uuidString.lowercased()
            let detail = try await portal.visit("/operators/\(samID)", browser: browser)
            let started = try await portal.submit("/operators/\(samID)/login-as", ["reason": "ticket 4711", "csrf_token": detail.csrfToken ?? ""],
                                                  browser: browser)
            #expect(started.status == .seeOther)
            let page = try await portal.visit("/settings/api-tokens", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("Only the person themselves can do this") && !page.text.contains(#"name="expires_in_days""#))
            let refused = try await portal.submit("/settings/api-tokens", ["name": "Lasting", "expires_in_days": "30", "csrf_token": page.csrfToken ?? ""],
                                                  browser: browser)
            #expect(refused.status == .forbidden)
            #expect(try await APIToken.query(on: portal.db).count() == 0)
        }
    }

    @Test func theTokensAreReachedFromTheProfileWithoutSettingsManage() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            _ = try await Self.makeSupport(portal)
            let support = try await portal.signIn(email: "sam@example.com")
            #expect(try await portal.visit("/profile", browser: support).text.contains(#"href="/settings/api-tokens""#))
            #expect(try await portal.visit("/settings", browser: support).status == .forbidden)
            #expect(try await portal.visit("/settings/api-tokens", browser: support).status == .ok)
            let admin = try await portal.signIn()
            #expect(try await portal.visit("/settings", browser: admin).text.contains(#"href="/settings/api-tokens""#))
        }
    }

    @Test func anExpiredTokenIsListedAsExpiredWhenTheCalendarRunsOn() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let now = Date()
            _ = try await APITokens.create(name: "Short", operator: ada, days: 1, now: now, on: portal.db)
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            #expect(try await TokenSettingsPage.tokens(for: actor, now: now, on: portal.db).tokens.map(\.isExpired) == [false])
            #expect(try await TokenSettingsPage.tokens(for: actor, now: now.addingTimeInterval(2 * 86_400), on: portal.db).tokens.map(\.isExpired) == [true])
        }
    }

    @Test func aRefusalReplacesTheFormAndIsEscaped() {
        var model = TokenSettingsPage.Model.mock
        model.createRefusal = #"<img src=x onerror=alert(1)>"#
        let html = PageFixtures.page("API tokens", TokenSettingsView.render(model, csrfToken: "t"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!HTMLTokenizer.tags(html).contains { $0.name == "img" && $0.attributeNames.contains("onerror") })
        #expect(!html.contains(#"name="expires_in_days""#))
    }

    // MARK: - The API

    @Test func theAPIListsEveryonesTokensForManagersOnly() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await Self.makeSupport(portal)
            let adaAPI = try await portal.api(as: ada)
            let samAPI = try await portal.api(as: sam)

            let own = try adaAPI.array(try await adaAPI.call(.GET, "/tokens"))
            #expect(own.count == 1 && own.allSatisfy { $0["operatorName"] as? String == "Ada Admin" })
            #expect(try adaAPI.array(try await adaAPI.call(.GET, "/tokens?scope=own")).count == 1)
            let everyone = try adaAPI.array(try await adaAPI.call(.GET, "/tokens?scope=partner"))
            #expect(Set(everyone.compactMap { $0["operatorName"] as? String }) == ["Ada Admin", "Sam Support"])
            #expect(everyone.contains { $0["operatorId"] as? String == (try? sam.requireID().uuidString.lowercased()) })
            #expect(everyone.allSatisfy { $0["token"] == nil })

            let refused = try await samAPI.call(.GET, "/tokens?scope=partner")
            #expect(refused.status == .forbidden && refused.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            #expect(refused.text.contains("“Manage API tokens”"))
            #expect(try await samAPI.call(.GET, "/tokens?scope=everything").status == .badRequest)

            // An admin revokes Sam's token; Sam may not revoke Ada's.
            let samsID = try #require(everyone.first { $0["operatorName"] as? String == "Sam Support" }?["id"] as? String)
            let adasID = try #require(own.first?["id"] as? String)
            #expect(try await samAPI.call(.DELETE, "/tokens/\(adasID)").status == .forbidden)
            #expect(try await adaAPI.call(.DELETE, "/tokens/\(samsID)").status == .noContent)
            #expect(try await samAPI.call(.GET, "/me").status == .unauthorized)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "api-token.revoked").first())
            #expect(entry.actorName == "Ada Admin" && entry.targetLabel.contains("Sam Support"))
        }
    }

    @Test func aSupportOperatorMakesTokensThroughTheAPI() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await Self.makeSupport(portal)
            let samAPI = try await portal.api(as: sam)
            let made = try await samAPI.call(.POST, "/tokens", json: #"{"name": "Reports", "expiresInDays": 7}"#)
            #expect(made.status == .created)
            let value = try #require(try samAPI.object(made)["token"] as? String)
            #expect(try await APIClient(portal: portal, token: value).call(.GET, "/me").status == .ok)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "api-token.created").first())
            #expect(entry.details.contains("Reports") && !entry.details.contains(value))
        }
    }
}
