@testable import App
import Fluent
import Foundation
import Testing

@Suite struct AuditTests {
    @Test func signInsAreAuditedSuccessAndFailure() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            _ = try await portal.signIn()
            let browser = Browser()
            let csrf = try #require(try await portal.visit("/sign-in", browser: browser).csrfToken)
            _ = try await portal.submit("/sign-in", ["email": "ada@example.com", "password": "nope nope nope", "csrf_token": csrf], browser: browser)
            _ = try await portal.submit("/sign-in", ["email": "ghost@example.com", "password": "nope nope nope", "csrf_token": csrf], browser: browser)
            let events = try await AuditEvent.query(on: portal.db).sort(\.$at).all()
            #expect(events.map(\.action) == ["sign-in.succeeded", "sign-in.failed", "sign-in.failed"])
            #expect(events[1].details == "wrong password")
            #expect(events[2].details == "unknown email")
            #expect(events.allSatisfy { $0.partnerID == portal.partner.id })
        }
    }

    @Test func grantChangesAndBlocksRecordWhoAndWhat() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo", role: "viewer")
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            let context = AuditContext(actor: AuditActor(id: ada.id, name: ada.name), ip: "203.0.113.7")
            try await OperatorAdministration.replaceGrants(of: bo, with: [.init(role: "support", scope: .all)], by: actor, context: context, on: portal.db)
            try await OperatorAdministration.block(bo, by: actor, context: context, on: portal.db)
            let events = try await AuditEvent.query(on: portal.db).sort(\.$at).all()
            #expect(events.map(\.action) == ["operator.grants-changed", "operator.blocked"])
            #expect(events[0].details == "grants: Viewer over Every client account → Support over Every client account")
            #expect(events[0].actorName == "Ada Admin")
            #expect(events[0].ip == "203.0.113.7")
            #expect(events[1].targetLabel == "Bo <bo@example.com>")
        }
    }
}
