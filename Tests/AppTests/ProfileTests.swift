@testable import App
import Fluent
import Foundation
import Testing

@Suite struct ProfileTests {
    @Test func detailsAreSaved() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await portal.visit("/profile", browser: browser)
            #expect(page.status == .ok)
            let csrf = try #require(page.csrfToken)
            let saved = try await portal.submit("/profile", ["csrf_token": csrf, "name": "Ada Lovelace", "phone": "+44 20 7946 0958", "time_zone": "Europe/London",
                                                               "phone_password": "correct horse battery"], browser: browser)
            #expect(saved.status == .seeOther)
            let reloaded = try #require(try await Operator.find(ada.id, on: portal.db))
            #expect(reloaded.name == "Ada Lovelace")
            #expect(reloaded.phone == "+44 20 7946 0958")
            #expect(reloaded.timeZone == "Europe/London")
            let bad = try await portal.submit("/profile", ["csrf_token": csrf, "name": "Ada", "time_zone": "Mars/Olympus"], browser: browser)
            #expect(bad.status == .unprocessableEntity)
        }
    }

    @Test func changingYourEmailNeedsThePasswordAndSignsYouOutEverywhere() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let other = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            let wrong = try await portal.submit("/profile/email", ["csrf_token": csrf, "email": "ada@new.example", "current_password": "not it at all"], browser: browser)
            #expect(wrong.status == .unprocessableEntity)
            let changed = try await portal.submit("/profile/email", ["csrf_token": csrf, "email": "ada@new.example", "current_password": "correct horse battery"], browser: browser)
            #expect(changed.status == .seeOther)
            #expect(changed.headers.first(name: .location) == "/sign-in?email-changed=1")
            #expect(try await portal.visit("/", browser: other).status == .seeOther)
            #expect(try await PortalSession.query(on: portal.db).count() == 0)
            _ = try await portal.signIn(email: "ada@new.example")
        }
    }

    @Test func changingYourPasswordSignsYouOutEverywhere() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            let weak = try await portal.submit("/profile/password", ["csrf_token": csrf, "current_password": "correct horse battery",
                                                                     "password": "password1234", "password_confirmation": "password1234"], browser: browser)
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.text.contains("too common"))
            let changed = try await portal.submit("/profile/password", ["csrf_token": csrf, "current_password": "correct horse battery",
                                                                        "password": "a new and long passphrase", "password_confirmation": "a new and long passphrase"], browser: browser)
            #expect(changed.status == .seeOther)
            #expect(try await PortalSession.query(on: portal.db).count() == 0)
            _ = try await portal.signIn(password: "a new and long passphrase")
        }
    }

    @Test func notificationPreferencesThroughThePageAndTheAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            #expect(ada.notificationPreferences == .default)
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/profile", browser: browser).csrfToken)
            let saved = try await portal.submitMulti("/profile/notifications", [("csrf_token", csrf), ("frequency", "weekly"),
                                                                                ("categories[]", "locked-accounts"), ("categories[]", "pending-invites")], browser: browser)
            #expect(saved.status == .seeOther)
            let reloaded = try #require(try await Operator.find(ada.id, on: portal.db))
            #expect(reloaded.notificationPreferences == .init(frequency: .weekly, categories: [.lockedAccounts, .pendingInvites]))

            let api = try await portal.api(as: reloaded)
            let me = try api.object(try await api.call(.GET, "/me"))
            let notifications = try #require(me["notifications"] as? [String: Any])
            #expect(notifications["frequency"] as? String == "weekly")
            #expect(notifications["categories"] as? [String] == ["pending-invites", "locked-accounts"])
            let none = try await api.call(.PATCH, "/me", json: #"{"notifications":{"frequency":"daily","categories":[]}}"#)
            #expect(none.status == .ok)
            #expect(try await Operator.find(ada.id, on: portal.db)?.notificationPreferences == .init(frequency: .daily, categories: []))
            #expect(try await api.call(.PATCH, "/me", json: #"{"notifications":{"frequency":"daily","categories":["locked-accounts","locked-accounts"]}}"#).status == .badRequest)
        }
    }
}
