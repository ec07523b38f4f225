@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct ImpersonationTests {
    private func loginAs(_ portal: TestPortal, _ target: Operator, reason: String = "", browser: Browser) async throws -> TestingHTTPResponse {
        let id = try target.requireID().uuidString.lowercased()
        let page = try await portal.visit("/operators/\(id)", browser: browser)
        return try await portal.submit("/operators/\(id)/login-as", ["reason": reason, "csrf_token": page.csrfToken ?? ""], browser: browser)
    }

    @Test func anAdminLogsInAsSupportSeesTheBannerAndSignsOutAs() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            let started = try await loginAs(portal, sam, reason: "ticket 4711", browser: browser)
            #expect(started.headers.first(name: .location) == "/")

            let home = try await portal.visit("/", browser: browser)
            #expect(home.text.contains("impersonation-banner"))
            #expect(home.text.contains("You are logged in as <strong>Sam Support</strong>"))
            #expect(home.text.contains("<strong>Ada Admin</strong> is acting"))
            // Sam's view: no Roles page for Support, and Sam's own permissions decide.
            #expect(try await portal.visit("/operators/\(ada.requireID().uuidString.lowercased())", browser: browser).status == .forbidden)

            // An action in between is recorded with both people.
            let profile = try await portal.visit("/profile", browser: browser)
            _ = try await portal.submit("/profile", ["name": "Sam S.", "phone": "", "time_zone": "UTC", "csrf_token": profile.csrfToken ?? ""], browser: browser)
            let edit = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.edited").first())
            #expect(edit.actorID == sam.id && edit.impersonatorID == ada.id && edit.impersonatorName == "Ada Admin")

            let back = try await portal.submit("/sign-out-as", ["csrf_token": home.csrfToken ?? ""], browser: browser)
            #expect(back.headers.first(name: .location) == "/operators/\(try sam.requireID().uuidString.lowercased())")
            let mine = try await portal.visit("/", browser: browser)
            #expect(!mine.text.contains("impersonation-banner") && mine.text.contains("Ada Admin"))

            let start = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.impersonation-started").first())
            #expect(start.actorID == ada.id && start.targetID == sam.id?.uuidString.lowercased() && start.details.contains("reason: ticket 4711"))
            let end = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.impersonation-ended").first())
            #expect(end.actorID == sam.id && end.impersonatorID == ada.id && end.details == "signed out as")
        }
    }

    @Test func whoMayLogInAsWhom() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let other = try await portal.makeOperator(email: "otto@example.com", name: "Otto Admin")
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let syd = try await portal.makeOperator(email: "syd@example.com", name: "Syd Manager", role: "system-manager")
            let bob = try await portal.makeOperator(email: "bob@example.com", name: "Bob Blocked", role: "support", status: .blocked)
            _ = ada

            // Support holds no operators.impersonate.
            let samsBrowser = try await portal.signIn(email: "sam@example.com")
            #expect(try await loginAs(portal, syd, browser: samsBrowser).status == .forbidden)
            // A system manager may log in as support, never as an admin.
            let sydsBrowser = try await portal.signIn(email: "syd@example.com")
            let adminPage = try await portal.visit("/operators/\(other.requireID().uuidString.lowercased())", browser: sydsBrowser)
            #expect(adminPage.text.contains("why-login-as"))
            #expect(try await loginAs(portal, other, browser: sydsBrowser).status == .forbidden)
            #expect(try await loginAs(portal, sam, browser: sydsBrowser).status == .seeOther)
            // Never a blocked operator, and never yourself.
            let adasBrowser = try await portal.signIn()
            #expect(try await loginAs(portal, bob, browser: adasBrowser).status == .forbidden)
            // No nesting: logged in as Syd (who may log in as others), Ada cannot go one deeper.
            #expect(try await loginAs(portal, syd, browser: adasBrowser).status == .seeOther)
            let nested = try await loginAs(portal, sam, browser: adasBrowser)
            #expect(nested.status == .conflict)
            #expect(nested.text.contains("Sign out as them before"))
            #expect(try await PortalSession.query(on: portal.db).filter(\.$impersonatorID != nil).count() == 2)
        }
    }

    @Test func itEndsAtThePartnersTimeLimitAndCanRequireAReason() async throws {
        try await TestPortal.run { portal in
            portal.partner.impersonationReasonRequired = true
            portal.partner.impersonationMaxMinutes = 15
            try await portal.partner.update(on: portal.db)
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            let noReason = try await loginAs(portal, sam, reason: "  ", browser: browser)
            #expect(noReason.status == .unprocessableEntity)
            #expect(noReason.text.contains("your organisation requires a reason"))
            // Through the API the request is well formed and the policy stands in the way: 409.
            let missing = try await portal.api(as: ada).call(.POST, "/operators/\(try sam.requireID().uuidString.lowercased())/login-as", json: "{}")
            #expect(missing.status == .conflict && missing.text.contains("requires a reason"))
            #expect(try await loginAs(portal, sam, reason: "checking a report", browser: browser).status == .seeOther)
            let session = try #require(try await PortalSession.query(on: portal.db).filter(\.$impersonatorID == ada.id).first())
            let limit = try #require(session.impersonationExpiresAt).timeIntervalSince(try #require(session.impersonationStartedAt))
            #expect(abs(limit - 15 * 60) < 1)

            session.impersonationExpiresAt = Date().addingTimeInterval(-1)
            try await session.update(on: portal.db)
            let after = try await portal.visit("/", browser: browser)
            #expect(after.status == .ok)
            #expect(!after.text.contains("impersonation-banner") && after.text.contains("Ada Admin"))
            let end = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.impersonation-ended").first())
            #expect(end.details == "time limit reached" && end.impersonatorID == ada.id)
        }
    }

    @Test func blockingTheImpersonatorEndsTheSessionAndBlockingTheTargetHandsItBack() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let otto = try await portal.makeOperator(email: "otto@example.com", name: "Otto Admin")
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            #expect(try await loginAs(portal, sam, browser: browser).status == .seeOther)
            let ottoActor = try await AccessLoader.actor(for: otto, on: portal.db)
            try await OperatorAdministration.block(sam, by: ottoActor, context: .system, on: portal.db)
            let handedBack = try await portal.visit("/", browser: browser)
            #expect(handedBack.status == .ok && !handedBack.text.contains("impersonation-banner"))

            let samNow = try #require(try await Operator.query(on: portal.db).filter(\.$id == sam.requireID()).with(\.$grants).first())
            try await OperatorAdministration.unblock(samNow, by: ottoActor, context: .system, on: portal.db)
            #expect(try await loginAs(portal, samNow, browser: browser).status == .seeOther)
            let adaNow = try #require(try await Operator.query(on: portal.db).filter(\.$id == ada.requireID()).with(\.$grants).first())
            try await OperatorAdministration.block(adaNow, by: ottoActor, context: .system, on: portal.db)
            #expect(try await portal.visit("/", browser: browser).status == .seeOther) // thrown out
        }
    }

    @Test func theAPIGivesATokenActingAsTheOperatorUntilSignOutAs() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let syd = try await portal.makeOperator(email: "syd@example.com", name: "Syd Manager", role: "system-manager")
            let api = try await portal.api(as: ada)
            let samID = try sam.requireID().uuidString.lowercased()
            let created = try await api.call(.POST, "/operators/\(samID)/login-as", json: #"{"reason":"ticket 12"}"#)
            #expect(created.status == .created)
            let body = try api.object(created)
            let token = try #require(body["token"] as? String)
            let asSam = APIClient(portal: portal, token: token)
            let me = try asSam.object(try await asSam.call(.GET, "/me"))
            #expect((me["operator"] as? [String: Any])?["name"] as? String == "Sam Support")
            #expect((me["impersonator"] as? [String: Any])?["name"] as? String == "Ada Admin")
            // It acts with Sam's permissions: Support may not invite.
            #expect(try await asSam.call(.POST, "/operators", json: #"{"name":"New","email":"new@example.com","grants":[{"role":"viewer","scope":"all"}]}"#).status == .forbidden)
            // No nesting from a token that is itself a login as someone.
            let sydID = try syd.requireID().uuidString.lowercased()
            #expect(try await asSam.call(.POST, "/operators/\(sydID)/login-as", json: "{}").status == .conflict)
            #expect(try await api.call(.POST, "/operators/\(samID)/login-as", json: #"{"reason":null}"#).status == .badRequest)
            #expect(try await api.call(.POST, "/me/sign-out-as").status == .conflict)

            #expect(try await asSam.call(.POST, "/me/sign-out-as").status == .noContent)
            #expect(try await asSam.call(.GET, "/me").status == .unauthorized)
            let actions = try await AuditEvent.query(on: portal.db).sort(\.$at).all().map(\.action)
            #expect(actions.contains("operator.impersonation-started") && actions.contains("operator.impersonation-ended"))

            // A Support token cannot log in as anyone.
            let samsAPI = try await portal.api(as: sam)
            #expect(try await samsAPI.call(.POST, "/operators/\(sydID)/login-as", json: "{}").status == .forbidden)
        }
    }

    @Test func anAdminResetsAnotherOperatorsSecondFactor() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support", secondFactor: .totp)
            _ = try await RecoveryCode.regenerate(for: sam.requireID(), secrets: portal.app.secrets(), on: portal.db)
            let samsAPI = try await portal.api(as: sam)
            let api = try await portal.api(as: ada)
            let samID = try sam.requireID().uuidString.lowercased()
            #expect(try await samsAPI.call(.POST, "/operators/\(try ada.requireID().uuidString.lowercased())/reset-second-factor").status == .forbidden)
            #expect(try await api.call(.POST, "/operators/\(samID)/reset-second-factor").status == .noContent)
            let stored = try #require(try await Operator.find(sam.id, on: portal.db))
            #expect(stored.secondFactor == nil && stored.totpSecret == nil)
            #expect(try await RecoveryCode.remaining(for: sam.requireID(), on: portal.db) == 0)
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "sam@example.com").first()?.subject == "Your Acme Partners two-step sign-in was reset")
            let me = try samsAPI.object(try await samsAPI.call(.GET, "/me"))
            let factor = try #require(me["secondFactor"] as? [String: Any])
            #expect(factor["method"] == nil && factor["required"] as? Bool == true && factor["recoveryCodesLeft"] as? Int == 0)
        }
    }
}
