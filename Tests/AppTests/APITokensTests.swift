@testable import App
import Fluent
import SQLKit
import Foundation
import Testing
import Vapor
import VaporTesting

/// API tokens expire, are listed without secrets, are revoked at once, and stop when their
/// operator is blocked or changes their password (finding 11).
@Suite struct APITokensTests {
    private func isProblem(_ response: TestingHTTPResponse, _ status: HTTPStatus) -> Bool {
        response.status == status && response.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true
    }

    @Test func createListAndRevoke() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            let made = try await api.call(.POST, "/tokens", json: #"{"name": "CRM sync", "expiresInDays": 30}"#)
            #expect(made.status == .created)
            let body = try api.object(made)
            let secret = try #require(body["token"] as? String)
            let id = try #require(body["id"] as? String)
            #expect(body["name"] as? String == "CRM sync")
            let created = try #require((body["createdAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            let expires = try #require((body["expiresAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(expires.timeIntervalSince(created) - 30 * 86_400) < 2)

            // The new token works, and the default lifetime is 90 days.
            let crm = APIClient(portal: portal, token: secret)
            #expect(try await crm.call(.GET, "/me").status == .ok)
            let plain = try api.object(try await api.call(.POST, "/tokens", json: #"{"name": "Reports"}"#))
            let plainCreated = try #require((plain["createdAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            let plainExpires = try #require((plain["expiresAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(plainExpires.timeIntervalSince(plainCreated) - 90 * 86_400) < 2)

            let listed = try await api.call(.GET, "/tokens")
            #expect(listed.status == .ok)
            let tokens = try api.array(listed)
            #expect(Set(tokens.compactMap { $0["name"] as? String }) == ["test", "CRM sync", "Reports"])
            #expect(tokens.allSatisfy { $0["token"] == nil && $0["expiresAt"] != nil && $0["createdAt"] != nil })
            #expect(!listed.text.contains(secret) && !listed.text.contains(api.token))

            #expect(try await api.call(.DELETE, "/tokens/\(id)").status == .noContent)
            #expect(isProblem(try await crm.call(.GET, "/me"), .unauthorized))
            #expect(isProblem(try await api.call(.DELETE, "/tokens/\(id)"), .notFound))
            #expect(try api.array(try await api.call(.GET, "/tokens")).count == 2)
            // Both are in the audit log, without the secret.
            let entries = try await AuditEvent.query(on: portal.db).filter(\.$action ~~ ["api-token.created", "api-token.revoked"]).all()
            #expect(Set(entries.map(\.action)) == ["api-token.created", "api-token.revoked"])
            #expect(entries.allSatisfy { !$0.details.contains(secret) })
        }
    }

    @Test func badInputIsRefusedNamingTheField() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            let tooLong = try await api.call(.POST, "/tokens", json: #"{"name": "CRM", "expiresInDays": 366}"#)
            #expect(isProblem(tooLong, .badRequest) && tooLong.text.contains("expiresInDays"))
            #expect(isProblem(try await api.call(.POST, "/tokens", json: #"{"name": "CRM", "expiresInDays": 0}"#), .badRequest))
            let blank = try await api.call(.POST, "/tokens", json: #"{"name": "   "}"#)
            #expect(isProblem(blank, .badRequest) && blank.text.contains("name"))
            let long = String(repeating: "x", count: 101)
            #expect(isProblem(try await api.call(.POST, "/tokens", json: #"{"name": "\#(long)"}"#), .badRequest))

            // The partner's maximum is what counts.
            portal.partner.maxTokenDays = 30
            try await portal.partner.update(on: portal.db)
            #expect(isProblem(try await api.call(.POST, "/tokens", json: #"{"name": "CRM", "expiresInDays": 31}"#), .badRequest))
            #expect(try await api.call(.POST, "/tokens", json: #"{"name": "CRM", "expiresInDays": 30}"#).status == .created)
        }
    }

    @Test func noAnswerOfTheAPIIsKeptByACacheNotEvenTheNewTokensValue() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let made = try await api.call(.POST, "/tokens", json: #"{"name": "Deploy"}"#)
            #expect(made.status == .created && made.headers.first(name: .cacheControl) == "no-store")
            #expect(try await api.call(.GET, "/me").headers.first(name: .cacheControl) == "no-store")
            #expect(try await portal.send(.GET, "/api/v1/openapi.yaml").headers.first(name: .cacheControl) != "no-store")
        }
    }

    @Test func aTokenStopsWhenItsOperatorMayNoLongerSignIn() async throws {
        try await TestPortal.run { portal in
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let api = try await portal.api(as: sam)
            #expect(try await api.call(.GET, "/me").status == .ok)
            try await portal.db.sql.update(Grant.schema).set("role", to: "notifications").where("operator_id", .equal, sam.requireID()).run()
            #expect(isProblem(try await api.call(.GET, "/me"), .unauthorized))
        }
    }

    @Test func expiredTokensAreRefused() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let old = try await APITokens.create(name: "old", operator: ada, days: 1, now: Date().addingTimeInterval(-2 * 86_400), on: portal.db)
            let response = try await APIClient(portal: portal, token: old.value).call(.GET, "/me")
            #expect(isProblem(response, .unauthorized))
            let fresh = try await APITokens.create(name: "fresh", operator: ada, days: 1, now: Date(), on: portal.db)
            #expect(try await APIClient(portal: portal, token: fresh.value).call(.GET, "/me").status == .ok)
            // A token stored without an expiry (none are made so) is refused too.
            fresh.token.expiresAt = nil
            try await fresh.token.update(on: portal.db)
            #expect(isProblem(try await APIClient(portal: portal, token: fresh.value).call(.GET, "/me"), .unauthorized))
        }
    }

    @Test func anotherOperatorWithoutTheRightCannotRevokeYourToken() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo", role: "support")
            let adaAPI = try await portal.api(as: ada)
            let boAPI = try await portal.api(as: bo)
            let adaTokens = try adaAPI.array(try await adaAPI.call(.GET, "/tokens"))
            let id = try #require(adaTokens.first?["id"] as? String)
            // Support has no apiTokens.manage: refused, and the token still works.
            #expect(isProblem(try await boAPI.call(.DELETE, "/tokens/\(id)"), .forbidden))
            #expect(try boAPI.array(try await boAPI.call(.GET, "/tokens")).allSatisfy { $0["id"] as? String != id })
            #expect(try await adaAPI.call(.GET, "/me").status == .ok)

            // Nor can anyone on another partner, with the same id: there it does not exist.
            let other = try await portal.makePartner(slug: "other", name: "Other", domains: ["other.test"])
            let cy = try await portal.makeOperator(email: "cy@example.com", name: "Cy", partner: other)
            let cyAPI = try await portal.api(as: cy, host: "other.test")
            #expect(isProblem(try await cyAPI.call(.DELETE, "/tokens/\(id)"), .notFound))
            #expect(try await adaAPI.call(.GET, "/me").status == .ok)
        }
    }

    @Test func blockingTheOperatorStopsTheirTokens() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo", role: "viewer")
            let boAPI = try await portal.api(as: bo)
            #expect(try await boAPI.call(.GET, "/me").status == .ok)
            try await OperatorAdministration.block(bo, by: try await AccessLoader.actor(for: ada, on: portal.db), context: .system, on: portal.db)
            #expect(try await APIToken.query(on: portal.db).filter(\.$operator.$id == bo.requireID()).count() == 0)
            // Unblocking does not bring them back.
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            try await OperatorAdministration.unblock(bo, by: actor, context: .system, on: portal.db)
            #expect(isProblem(try await boAPI.call(.GET, "/me"), .unauthorized))
        }
    }

    @Test func changingThePasswordStopsTheirTokens() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            #expect(try await api.call(.GET, "/me").status == .ok)
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            let changed = try await portal.submit("/profile/password", ["csrf_token": csrf, "current_password": "correct horse battery",
                                                                        "password": "a new and long passphrase", "password_confirmation": "a new and long passphrase"],
                                                  browser: browser)
            #expect(changed.status == .seeOther)
            #expect(isProblem(try await api.call(.GET, "/me"), .unauthorized))
        }
    }

    @Test func everyoneWhoMaySignInMakesTokensButNotWhileLoggedInAsSomeone() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let vi = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            let viAPI = try await portal.api(as: vi)
            #expect(try await viAPI.call(.POST, "/tokens", json: #"{"name": "Mine"}"#).status == .created)
            #expect(try viAPI.array(try await viAPI.call(.GET, "/tokens")).count == 2)

            // Without portal.login (the Notifications role) a token acts for no one.
            let no = try await portal.makeOperator(email: "no@example.com", name: "No Login", role: "notifications")
            let noAPI = try await portal.api(as: no)
            #expect(isProblem(try await noAPI.call(.POST, "/tokens", json: #"{"name": "Mine"}"#), .unauthorized))
            #expect(isProblem(try await noAPI.call(.GET, "/tokens"), .unauthorized))

            // A token that is a login as Vi cannot make a lasting one.
            let ada = try await portal.api(as: try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first()))
            let loginAs = try await ada.call(.POST, "/operators/\(try vi.requireID().uuidString.lowercased())/login-as", json: #"{"reason":"ticket 7"}"#)
            let asVi = APIClient(portal: portal, token: try #require(try ada.object(loginAs)["token"] as? String))
            let refused = try await asVi.call(.POST, "/tokens", json: #"{"name": "Lasting"}"#)
            #expect(isProblem(refused, .forbidden) && refused.text.contains("not an operator logged in as them"))
            #expect(try await APIToken.query(on: portal.db).filter(\.$name == "Lasting").count() == 0)
        }
    }
}
