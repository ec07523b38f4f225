@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct OperatorsAPITests {
    @Test func inviteListEditBlockAndRemove() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let api = try await portal.api(as: admin)
            let invited = try await api.call(.POST, "/operators", json: #"{"name":"Sam Support","email":"sam@example.com","phone":"+1 (555) 010-0199","grants":[{"role":"support","scope":"all"}]}"#)
            #expect(invited.status == .created)
            let sam = try api.object(invited)
            let id = try #require(sam["id"] as? String)
            #expect(sam["status"] as? String == "invited")
            #expect(try await OutboundMessage.query(on: portal.db).count() == 1)
            #expect(try await api.call(.POST, "/operators", json: #"{"name":"Sam","email":"SAM@example.com","grants":[{"role":"viewer","scope":"all"}]}"#).status == .conflict)
            #expect(try await api.call(.POST, "/operators", json: #"{"name":"X","email":"x@example.com","phone":"((((((","grants":[{"role":"viewer","scope":"all"}]}"#).status == .badRequest)

            let all = try api.array(try await api.call(.GET, "/operators"))
            #expect(all.map { $0["email"] as? String } == ["ada@example.com", "sam@example.com"])
            let invitedOnly = try api.array(try await api.call(.GET, "/operators?status=invited"))
            #expect(invitedOnly.map { $0["email"] as? String } == ["sam@example.com"])
            let bySearch = try api.array(try await api.call(.GET, "/operators?q=SUPP"))
            #expect(bySearch.count == 1)
            let byRole = try api.array(try await api.call(.GET, "/operators?role=admin"))
            #expect(byRole.map { $0["email"] as? String } == ["ada@example.com"])

            #expect(try await api.call(.POST, "/operators/\(id)/resend-invite").status == .noContent)
            #expect(try await api.call(.POST, "/operators/\(id)/reset-password").status == .conflict) // not active yet

            let edited = try api.object(try await api.call(.PATCH, "/operators/\(id)", json: #"{"name":"Samantha","phone":null}"#))
            #expect(edited["name"] as? String == "Samantha")
            #expect(edited["phone"] == nil)

            let blocked = try api.object(try await api.call(.POST, "/operators/\(id)/block"))
            #expect(blocked["status"] as? String == "blocked")
            let unblocked = try api.object(try await api.call(.POST, "/operators/\(id)/unblock"))
            #expect(unblocked["status"] as? String == "invited")

            #expect(try await api.call(.DELETE, "/operators/\(id)").status == .noContent)
            #expect(try await api.call(.GET, "/operators/\(id)").status == .notFound)
            let actions = try await AuditEvent.query(on: portal.db).sort(\.$at).all().map(\.action)
            #expect(actions == ["operator.invited", "operator.invite-resent", "operator.edited", "operator.blocked", "operator.unblocked", "operator.removed"])
        }
    }

    @Test func blockingStopsSessionsAndTokensAtOnce() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let samsBrowser = try await portal.signIn(email: "sam@example.com")
            let samsAPI = try await portal.api(as: sam)
            #expect(try await samsAPI.call(.GET, "/me").status == .ok)
            let api = try await portal.api(as: admin)
            #expect(try await api.call(.POST, "/operators/\(try sam.requireID())/block").status == .ok)
            #expect(try await samsAPI.call(.GET, "/me").status == .unauthorized)
            #expect(try await portal.visit("/", browser: samsBrowser).status == .seeOther)
        }
    }

    @Test func theLastAdminCannotBeBlockedOrRemovedThroughTheAPI() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let api = try await portal.api(as: admin)
            let id = try admin.requireID()
            // Yourself: refused as such, on the API as on the page (finding 5).
            #expect(try await api.call(.POST, "/operators/\(id)/block").status == .forbidden)
            #expect(try await api.call(.DELETE, "/operators/\(id)").status == .forbidden)
            #expect(try await Operator.find(id, on: portal.db)?.status == .active)
        }
    }

    @Test func viewerCannotInviteOrSeeOperators() async throws {
        try await TestPortal.run { portal in
            let viewer = try await portal.makeOperator(email: "vi@example.com", role: "viewer")
            let api = try await portal.api(as: viewer)
            #expect(try await api.call(.GET, "/operators").status == .forbidden)
            let refused = try await api.call(.POST, "/operators", json: #"{"name":"X","email":"x@example.com","grants":[{"role":"viewer","scope":"all"}]}"#)
            #expect(refused.status == .forbidden)
        }
    }
}
