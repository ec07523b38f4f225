@testable import App
import Fluent
import Foundation
import Testing

@Suite struct InvitationTests {
    private func link(in message: OutboundMessage) throws -> String {
        let range = try #require(message.body.range(of: #"http://portal\.test/setup/[A-Za-z0-9_-]+"#, options: .regularExpression))
        return String(message.body[range].dropFirst("http://portal.test".count))
    }

    @Test func inviteEmailsASingleUseLinkThatActivatesTheOperator() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            let context = AuditContext(actor: AuditActor(id: ada.id, name: ada.name), ip: "")
            let invited = try await OperatorInvitations.invite(
                .init(name: "Sam Support", email: "Sam@Example.com", phone: "+44 20 7946 0958", grants: [.init(role: "support", scope: .all)]),
                by: actor, context: context, partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            #expect(invited.status == .invited)
            #expect(invited.email == "sam@example.com")
            #expect(invited.grants.map(\.role) == ["support"])

            let message = try #require(try await OutboundMessage.query(on: portal.db).first())
            #expect(message.recipient == "sam@example.com")
            #expect(message.subject == "You are invited to the Acme Partners operator portal")
            #expect(message.body.contains("Ada Admin invited you"))
            let path = try link(in: message)

            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            #expect(form.text.contains("Choose your password"))
            let done = try await portal.submit(path, ["password": "a quiet long passphrase", "password_confirmation": "a quiet long passphrase",
                                                      "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(done.status == .seeOther)
            #expect(try await Operator.find(invited.id, on: portal.db)?.status == .active)
            #expect(try await portal.visit(path, browser: Browser()).status == .gone)
            let actions = try await AuditEvent.query(on: portal.db).sort(\.$at).all().map(\.action)
            #expect(actions == ["operator.invited", "operator.invite-accepted"])
        }
    }

    @Test func resendReplacesTheLink() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            let invited = try await OperatorInvitations.invite(.init(name: "Sam", email: "sam@example.com", grants: [.init(role: "viewer", scope: .all)]),
                                                               by: actor, context: .system, partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            let first = try link(in: try #require(try await OutboundMessage.query(on: portal.db).first()))
            try await OperatorInvitations.resend(to: invited, by: actor, context: .system, partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            let messages = try await OutboundMessage.query(on: portal.db).sort(\.$createdAt).all()
            #expect(messages.count == 2)
            let second = try link(in: try #require(messages.last))
            #expect(first != second)
            #expect(try await portal.visit(first, browser: Browser()).status == .gone)
            #expect(try await portal.visit(second, browser: Browser()).status == .ok)
        }
    }

    @Test func invitingBeyondYourOwnRightsIsRefused() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let group = AccountGroup(partnerID: partnerID, parent: nil, name: "Sub Group 1")
            try await group.create(on: portal.db)
            let groupAdmin = try await portal.makeOperator(email: "ga@example.com", role: "viewer")
            try await Grant.query(on: portal.db).filter(\.$operator.$id == groupAdmin.requireID()).delete()
            try await Grant(partnerID: partnerID, operatorID: groupAdmin.requireID(), role: "account-admin", scope: .group, scopeID: group.id).create(on: portal.db)
            try await groupAdmin.$grants.load(on: portal.db)
            let actor = try await AccessLoader.actor(for: groupAdmin, on: portal.db)
            func invite(_ role: String, _ scope: Grant.ScopeKind, _ id: UUID?) async throws {
                _ = try await OperatorInvitations.invite(.init(name: "New", email: "new-\(role)@example.com", grants: [.init(role: role, scope: scope, scopeID: id)]),
                                                         by: actor, context: .system, partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            }
            try await invite("viewer", .group, group.id) // inside the group: fine
            await #expect(throws: PortalError.denied(.outOfScope(.operatorsEdit))) { try await invite("viewer", .all, nil) }
            await #expect(throws: PortalError.denied(.escalation)) { try await invite("system-manager", .group, group.id) }
            await #expect(throws: PortalError.denied(.adminProtected)) { try await invite("admin", .group, group.id) }
            #expect(try await Operator.query(on: portal.db).filter(\.$status == .invited).count() == 1)
        }
    }

    @Test func passwordResetLinkSetsANewPasswordAndEndsSessions() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let samsBrowser = try await portal.signIn(email: "sam@example.com")
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            try await OperatorInvitations.resetPassword(of: sam, by: actor, context: .system, partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            let message = try #require(try await OutboundMessage.query(on: portal.db).all().first { $0.subject.hasPrefix("Reset your") })
            let path = try link(in: message)
            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            #expect(form.text.contains("Choose a new password"))
            _ = try await portal.submit(path, ["password": "a brand new passphrase", "password_confirmation": "a brand new passphrase",
                                               "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(try await portal.visit("/", browser: samsBrowser).status == .seeOther) // the old session ended
            _ = try await portal.signIn(email: "sam@example.com", password: "a brand new passphrase")
        }
    }

    @Test func removedOperatorsAreToldByEmail() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            try await OperatorAdministration.remove(sam, by: actor, context: .system, on: portal.db)
            #expect(try await Operator.find(sam.id, on: portal.db) == nil)
            let message = try #require(try await OutboundMessage.query(on: portal.db).first())
            #expect(message.recipient == "sam@example.com")
            #expect(message.subject == "Your access to the Acme Partners operator portal was removed")
            #expect(try await AuditEvent.query(on: portal.db).first()?.targetLabel == "Sam <sam@example.com>")
        }
    }
}
