@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The Onboarding steps section: a step added, renamed, moved or retired is what the workspace's
/// wizard and the Activity tab's checklist show.
@Suite struct SettingsOnboardingTests {
    @Test func stepsChangedOnThePageShowInTheWizardAndTheChecklist() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
            account.setupCompleted = true
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix", email: "felix@bakery.example")
            owner.status = .active
            try await owner.create(on: portal.db)
            let workspace = Browser()
            workspace.jar[SessionCookies.workspaceSession] = try await WorkspaceSessions.start(for: owner, now: Date(), on: portal.db).token.value

            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            #expect(try await portal.submit("/settings/onboarding", ["title": "Gift cards", "csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await portal.submit("/settings/onboarding", ["step": "payments", "retired": "yes", "csrf_token": csrf],
                                            browser: browser).status == .seeOther)
            // Up past the retired step, then past the widget.
            for _ in 1...2 {
                #expect(try await portal.submit("/settings/onboarding", ["step": "gift-cards", "move": "up", "csrf_token": csrf],
                                                browser: browser).status == .seeOther)
            }
            #expect(try await portal.submit("/settings/onboarding", ["step": "services", "title": "Your services", "csrf_token": csrf],
                                            browser: browser).status == .seeOther)

            let steps = try await PlanCatalogue.steps(partnerID: partnerID, on: portal.db)
            #expect(steps.map(\.code) == ["business-details", "services", "opening-hours", "staff", "gift-cards", "widget"])
            #expect(steps[1].title == "Your services")

            let wizard = try await portal.visit("/app", browser: workspace)
            #expect(wizard.status == .ok)
            #expect(wizard.text.contains("<strong>Gift cards</strong>") && wizard.text.contains("<strong>Your services</strong>"))
            #expect(!wizard.text.contains("<strong>Payments</strong>"), "a retired step is in no wizard")
            #expect(wizard.text.contains("0 of 6 steps done"))

            let activity = try await portal.visit("/accounts/\(account.businessUID)/activity", browser: browser)
            #expect(activity.text.contains("Gift cards") && activity.text.contains("0 of 6 onboarding steps done."))
            #expect(!activity.text.contains("Payments</li>"))

            let details = try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.onboarding-changed").all().map(\.details)
            #expect(details.contains("step added: Gift cards") && details.contains("step Payments: retired")
                    && details.contains("step Your services: title: Services → Your services"))
            #expect(details.contains { $0.hasPrefix("order: business-details, services, opening-hours, staff, widget, payments, gift-cards → ") })

            let blank = try await portal.submit("/settings/onboarding", ["title": " ", "csrf_token": csrf], browser: browser)
            #expect(blank.status == .unprocessableEntity && blank.text.contains("Enter the step's title."))
        }
    }

    @Test func theAPIReordersAndRetiresSteps() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let support = try await portal.api(as: try await portal.makeOperator(email: "sam@example.com", role: "support"))
            #expect(try await support.call(.PATCH, "/settings/onboarding", json: #"{"add":[{"title":"Gift cards"}]}"#).status == .forbidden)
            #expect(try await api.call(.PATCH, "/settings/onboarding", json: #"{"update":[{"code":"nope","retired":true}]}"#).status == .conflict)
            #expect(try await api.call(.PATCH, "/settings/onboarding", json: #"{"order":["staff"]}"#).status == .conflict)
            #expect(try await api.call(.PATCH, "/settings/onboarding", json: #"{"order":["staff","staff"]}"#).status == .badRequest)
            let response = try await api.call(.PATCH, "/settings/onboarding", json: #"""
                {"add":[{"title":"Gift cards"}],"update":[{"code":"widget","retired":true}],
                 "order":["gift-cards","business-details","services","opening-hours","staff","widget","payments"]}
                """#)
            #expect(response.status == .ok)
            let steps = try #require(try api.object(response)["steps"] as? [[String: Any]])
            #expect(steps.map { $0["code"] as? String } == ["gift-cards", "business-details", "services", "opening-hours", "staff", "widget", "payments"])
            #expect(steps.compactMap { $0["retired"] as? Bool == true ? $0["code"] as? String : nil } == ["widget"])
            let offered = try await PlanCatalogue.steps(partnerID: portal.partner.requireID(), on: portal.db).map(\.code)
            #expect(offered == ["gift-cards", "business-details", "services", "opening-hours", "staff", "payments"])
        }
    }
}
