@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// Finding 5 of issue 10: what an operator may do to themselves, on every path that offers it,
/// and what happens when an admin changes someone's contact details.
@Suite struct SelfServiceTests {
    @Test func yourOwnEmailCannotBeChangedThroughTheOperatorsAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            let response = try await api.call(.PATCH, "/operators/\(try ada.requireID())", json: #"{"email":"mallory@evil.example"}"#)
            #expect(response.status == .forbidden)
            #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(try await Operator.find(ada.id, on: portal.db)?.email == "ada@example.com")
            // The name is still yours to change there.
            #expect(try await api.call(.PATCH, "/operators/\(try ada.requireID())", json: #"{"name":"Ada L."}"#).status == .ok)
        }
    }

    @Test func yourOwnEmailOnTheOperatorPageNeedsYourPassword() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let path = "/operators/\(try ada.requireID().uuidString.lowercased())"
            let csrf = try #require(try await portal.visit(path, browser: browser).csrfToken)
            let refused = try await portal.submit(path, ["csrf_token": csrf, "name": "Ada Admin", "email": "mallory@evil.example"], browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("Enter your current password"))
            #expect(try await Operator.find(ada.id, on: portal.db)?.email == "ada@example.com")
            let wrong = try await portal.submit(path, ["csrf_token": csrf, "name": "Ada Admin", "email": "ada@new.example",
                                                       "current_password": "not my password"], browser: browser)
            #expect(wrong.status == .unprocessableEntity)
            let changed = try await portal.submit(path, ["csrf_token": csrf, "name": "Ada Admin", "email": "ada@new.example",
                                                         "current_password": "correct horse battery"], browser: browser)
            #expect(changed.status == .seeOther)
            #expect(try await Operator.find(ada.id, on: portal.db)?.email == "ada@new.example")
            // A changed email ends every session of its owner.
            #expect(try await PortalSession.query(on: portal.db).count() == 0)
        }
    }

    @Test func yourOwnPhoneOnTheProfileNeedsYourPassword() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            let refused = try await portal.submit("/profile", ["csrf_token": csrf, "name": "Ada Admin", "phone": "+44 20 7946 0000"], browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(try await Operator.find(ada.id, on: portal.db)?.phone == nil)
            let saved = try await portal.submit("/profile", ["csrf_token": csrf, "name": "Ada Admin", "phone": "+44 20 7946 0000",
                                                             "phone_password": "correct horse battery"], browser: browser)
            #expect(saved.status == .seeOther)
            #expect(try await Operator.find(ada.id, on: portal.db)?.phone == "+44 20 7946 0000")
        }
    }

    @Test func youCannotBlockOrRemoveYourselfOnThePageOrTheAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await portal.makeOperator(email: "grace@example.com", name: "Grace Admin")
            let browser = try await portal.signIn()
            let path = "/operators/\(try ada.requireID().uuidString.lowercased())"
            let csrf = try #require(try await portal.visit(path, browser: browser).csrfToken)
            #expect(try await portal.submit(path + "/block", ["csrf_token": csrf], browser: browser).status == .forbidden)
            #expect(try await portal.submit(path + "/remove", ["csrf_token": csrf], browser: browser).status == .forbidden)
            let api = try await portal.api(as: ada)
            #expect(try await api.call(.POST, "/operators/\(try ada.requireID())/block").status == .forbidden)
            #expect(try await api.call(.DELETE, "/operators/\(try ada.requireID())").status == .forbidden)
            #expect(try await Operator.find(ada.id, on: portal.db)?.status == .active)
        }
    }

    @Test func anAdminChangingSomeonesEmailEndsTheirSessionsAndTellsTheOldAddress() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bob = try await portal.makeOperator(email: "bob@example.com", name: "Bob Viewer", role: "viewer")
            let bobsBrowser = try await portal.signIn(email: "bob@example.com")
            #expect(try await portal.visit("/", browser: bobsBrowser).status == .ok)
            let api = try await portal.api(as: ada)
            #expect(try await api.call(.PATCH, "/operators/\(try bob.requireID())", json: #"{"email":"bob@new.example"}"#).status == .ok)
            #expect(try await portal.visit("/", browser: bobsBrowser).status == .seeOther)
            let told = try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "bob@example.com").all()
            #expect(told.contains { $0.subject.contains("sign-in email was changed") && $0.body.contains("bob@new.example") })
        }
    }

    @Test func aPhoneChangeNeverSilentlyDropsSMSSignIn() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bob = try await portal.makeOperator(email: "bob@example.com", name: "Bob Viewer", role: "viewer", secondFactor: .sms)
            bob.phone = "+44 20 7946 0001"
            bob.phoneVerifiedAt = Date()
            try await bob.update(on: portal.db)
            let api = try await portal.api(as: ada)
            let response = try await api.call(.PATCH, "/operators/\(try bob.requireID())", json: #"{"phone":"+44 20 7946 0002"}"#)
            #expect(response.status == .conflict)
            let reloaded = try #require(try await Operator.find(bob.id, on: portal.db))
            #expect(reloaded.secondFactor == .sms)
            #expect(reloaded.phone == "+44 20 7946 0001")
            #expect(reloaded.phoneVerifiedAt != nil)
        }
    }

    @Test func twoAdminsBlockingEachOtherAtOnceLeaveOneAdmin() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let grace = try await portal.makeOperator(email: "grace@example.com", name: "Grace Admin")
            let adaAPI = try await portal.api(as: ada)
            let graceAPI = try await portal.api(as: grace)
            let adaID = try ada.requireID(), graceID = try grace.requireID()
            async let first = adaAPI.call(.POST, "/operators/\(graceID)/block")
            async let second = graceAPI.call(.POST, "/operators/\(adaID)/block")
            let statuses = [try await first.status, try await second.status]
            #expect(statuses.filter { $0 == .ok }.count <= 1)
            let active = try await Operator.query(on: portal.db).filter(\.$status == .active).count()
            #expect(active >= 1)
        }
    }

    @Test func theLastAdminCannotStepDownButAnotherAdminCan() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            let demote = try await api.call(.PUT, "/operators/\(try ada.requireID())/grants", json: #"{"grants":[{"role":"viewer","scope":"all"}]}"#)
            #expect(demote.status == .conflict)
            try await portal.makeOperator(email: "grace@example.com", name: "Grace Admin")
            let again = try await api.call(.PUT, "/operators/\(try ada.requireID())/grants", json: #"{"grants":[{"role":"viewer","scope":"all"}]}"#)
            #expect(again.status == .ok)
        }
    }
}

extension SelfServiceTests {
    /// The check inside the transaction, on its own: a decision taken while two admins were
    /// active must not go through once the other one was blocked in the meantime.
    @Test func theGuardInsideTheTransactionSeesChangesMadeAfterTheDecision() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let grace = try await portal.makeOperator(email: "grace@example.com", name: "Grace Admin")
            try await portal.db.transaction { db in try await AdminGuard.requireAnotherAdmin(besides: ada, action: "blocked", on: db) }
            grace.status = .blocked
            try await grace.update(on: portal.db)
            await #expect(throws: PortalError.self) {
                try await portal.db.transaction { db in try await AdminGuard.requireAnotherAdmin(besides: ada, action: "blocked", on: db) }
            }
        }
    }
}

extension SelfServiceTests {
    /// A stolen session cannot guess the password through the forms that ask for it.
    @Test func wrongCurrentPasswordsAreLimitedLikeSignIns() async throws {
        try await TestPortal.run(adjust: { $0.signInFailuresPerAccountPerMinute = 3 }) { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            for _ in 0..<3 {
                let wrong = try await portal.submit("/profile/email", ["csrf_token": csrf, "email": "a@new.example", "current_password": "guess guess guess"], browser: browser)
                #expect(wrong.status == .unprocessableEntity)
            }
            let limited = try await portal.submit("/profile/email", ["csrf_token": csrf, "email": "a@new.example", "current_password": "correct horse battery"], browser: browser)
            #expect(limited.status == .tooManyRequests)
            #expect(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").count() == 1)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.password-confirmation-failed").count() == 3)
        }
    }

    @Test func anAdminChangingSomeonesEmailStopsTheirAPITokens() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bob = try await portal.makeOperator(email: "bob@example.com", name: "Bob Viewer", role: "viewer")
            let bobsAPI = try await portal.api(as: bob)
            #expect(try await bobsAPI.call(.GET, "/me").status == .ok)
            let api = try await portal.api(as: ada)
            #expect(try await api.call(.PATCH, "/operators/\(try bob.requireID())", json: #"{"email":"bob@new.example"}"#).status == .ok)
            #expect(try await bobsAPI.call(.GET, "/me").status == .unauthorized)
        }
    }
}
