@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// Disruptive actions on the pages ask first, without any script: the first post shows what
/// will happen and changes nothing; the confirmed post does it. Refused actions are refused
/// before anything is offered.
@Suite struct ConfirmationTests {
    @Test func blockingAndRemovingAnOperatorAskFirst() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let grace = try await portal.makeOperator(email: "grace@example.com", name: "Grace Hopper", role: "viewer")
            let browser = try await portal.signIn()
            let id = try grace.requireID().uuidString.lowercased()
            let csrf = try #require(try await portal.visit("/operators/\(id)", browser: browser).csrfToken)
            for (action, words) in [("block", "Block Grace Hopper?"), ("remove", "Remove Grace Hopper?")] {
                let asked = try await portal.submit("/operators/\(id)/\(action)", ["csrf_token": csrf], browser: browser)
                #expect(asked.status == .ok, "\(action)")
                #expect(asked.text.contains(words), "\(action)")
                #expect(asked.text.contains(#"name="confirmed" value="yes""#), "\(action)")
                #expect(asked.text.contains(#"action="/operators/\#(id)/\#(action)""#), "\(action)")
                #expect(try await Operator.find(grace.id, on: portal.db)?.status == .active, "\(action) changed nothing yet")
            }
            let blocked = try await portal.submit("/operators/\(id)/block", ["csrf_token": csrf, "confirmed": "yes"], browser: browser)
            #expect(blocked.status == .seeOther)
            #expect(try await Operator.find(grace.id, on: portal.db)?.status == .blocked)
        }
    }

    @Test func lockingAnAccountAndResettingItsOwnersPasswordAskFirst() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let account = Account(partnerID: try portal.partner.requireID(), name: "Blue Bakery", email: "owner@bakery.example", groupID: nil, secure: false)
            account.ownerName = "Felix Murphy"
            try await account.create(on: portal.db)
            try await AccountUser(partnerID: try portal.partner.requireID(), accountID: try account.requireID(), role: .owner,
                                  name: "Felix Murphy", email: "owner@bakery.example").create(on: portal.db)
            let browser = try await portal.signIn()
            let path = "/accounts/\(account.businessUID)"
            let csrf = try #require(try await portal.visit(path + "/account", browser: browser).csrfToken)
            let entriesBefore = try await AuditEvent.query(on: portal.db).count()
            let asked = try await portal.submit(path + "/lock", ["csrf_token": csrf], browser: browser)
            #expect(asked.status == .ok && asked.text.contains("Lock Blue Bakery?"))
            #expect(try await Account.find(account.id, on: portal.db)?.locked == false)
            let reset = try await portal.submit(path + "/reset-password", ["csrf_token": csrf, "method": "temporary"], browser: browser)
            #expect(reset.status == .ok && reset.text.contains("Reset the password of Felix Murphy?"))
            // The method chosen is carried to the confirmed form.
            #expect(reset.text.contains(#"name="method" value="temporary""#))
            #expect(try await AuditEvent.query(on: portal.db).count() == entriesBefore)
            #expect(try await AccountUserToken.query(on: portal.db).count() == 0)
            #expect(try await portal.submit(path + "/lock", ["csrf_token": csrf, "confirmed": "yes"], browser: browser).status == .seeOther)
            #expect(try await Account.find(account.id, on: portal.db)?.locked == true)
            // Unlocking is not disruptive: it needs no confirmation.
            #expect(try await portal.submit(path + "/unlock", ["csrf_token": csrf], browser: browser).status == .seeOther)
        }
    }

    @Test func aRefusedActionIsRefusedBeforeItIsOffered() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await portal.makeOperator(email: "vi@example.com", name: "Vi Viewer", role: "viewer")
            let viewer = try await portal.signIn(email: "vi@example.com")
            let id = try ada.requireID().uuidString.lowercased()
            let csrf = try #require(try await portal.visit("/", browser: viewer).csrfToken)
            let refused = try await portal.submit("/operators/\(id)/block", ["csrf_token": csrf], browser: viewer)
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains("name=\"confirmed\""))
        }
    }
}
