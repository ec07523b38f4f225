@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The Plans section: a new plan is offered on the Subscription tab, a retired one stays on the
/// accounts that have it and is offered to no other, a renamed one is renamed on its accounts.
@Suite struct SettingsPlansTests {
    private func account(_ portal: TestPortal, name: String, plan: String) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name, email: "\(name.lowercased())@example.com", groupID: nil, secure: false)
        account.plan = plan
        try await account.create(on: portal.db)
        return account
    }

    @Test func plansAddedRetiredAndRenamedOnThePageShowOnTheSubscriptionTab() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let keeps = try await account(portal, name: "Keeper", plan: "Standard")
            let other = try await account(portal, name: "Other", plan: "Starter")
            let browser = try await portal.signIn()
            let settings = try await portal.visit("/settings", browser: browser)
            #expect(settings.text.contains(#"<input type="hidden" name="plan" value="Premium"/>"#), "the built-in plans are listed")
            let csrf = try #require(settings.csrfToken)

            let added = try await portal.submit("/settings/plans", ["name": "Gold", "staff_slots": "10", "csrf_token": csrf], browser: browser)
            #expect(added.status == .seeOther)
            let retired = try await portal.submit("/settings/plans", ["plan": "Standard", "retired": "yes", "csrf_token": csrf], browser: browser)
            #expect(retired.status == .seeOther)
            let renamed = try await portal.submit("/settings/plans", ["plan": "Starter", "name": "Basic", "staff_slots": "2", "csrf_token": csrf],
                                                  browser: browser)
            #expect(renamed.status == .seeOther)

            let catalogue = try await PlanCatalogue.catalogue(partnerID: portal.partner.requireID(), on: portal.db)
            #expect(catalogue == [.init(name: "Basic", staffSlots: 2), .init(name: "Standard", staffSlots: 5, retired: true),
                                  .init(name: "Premium", staffSlots: 15), .init(name: "Gold", staffSlots: 10)])
            #expect(try await Account.find(other.id, on: portal.db)?.plan == "Basic", "the account follows the rename")

            let otherTab = try await portal.visit("/accounts/\(other.businessUID)/subscription", browser: browser)
            #expect(otherTab.text.contains("Gold (10 staff slots)") && otherTab.text.contains("Basic (2 staff slots)"))
            #expect(!otherTab.text.contains("Standard (5 staff slots)"), "a retired plan is offered to no other account")
            let tabCSRF = try #require(otherTab.csrfToken)
            let refused = try await portal.submit("/accounts/\(other.businessUID)/subscription",
                                                  ["plan": "Standard", "staff_slots": "1", "csrf_token": tabCSRF], browser: browser)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("Choose one of the plans"))

            let keeperTab = try await portal.visit("/accounts/\(keeps.businessUID)/subscription", browser: browser)
            #expect(keeperTab.text.contains(#"<option value="Standard" selected="selected">Standard (5 staff slots)</option>"#))
            let kept = try await portal.submit("/accounts/\(keeps.businessUID)/subscription",
                                               ["plan": "Standard", "staff_slots": "4", "csrf_token": tabCSRF], browser: browser)
            #expect(kept.status == .seeOther, "the account that has the retired plan keeps it")

            let list = try await portal.visit("/accounts", browser: browser)
            #expect(list.text.contains(#"<option value="Standard">Standard</option>"#), "the accounts list still filters by a retired plan")

            let details = try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.plans-changed").all().map(\.details).sorted()
            #expect(details == ["plan Standard: retired", "plan Starter: name: Starter → Basic; default staff slots: 1 → 2",
                                "plan added: Gold, 10 staff slots"])
        }
    }

    @Test func badPlansAreRefusedNextToTheField() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let blank = try await portal.submit("/settings/plans", ["name": "  ", "staff_slots": "3", "csrf_token": csrf], browser: browser)
            #expect(blank.status == .unprocessableEntity && blank.text.contains("Enter the plan's name."))
            let slots = try await portal.submit("/settings/plans", ["name": "Gold", "staff_slots": "-1", "csrf_token": csrf], browser: browser)
            #expect(slots.status == .unprocessableEntity && slots.text.contains("from 0 to 10000") && slots.text.contains(#"value="Gold""#))
            let taken = try await portal.submit("/settings/plans", ["name": "premium", "staff_slots": "3", "csrf_token": csrf], browser: browser)
            #expect(taken.status == .conflict && taken.text.contains("There is already a plan called premium."))
            #expect(try await PartnerPlan.query(on: portal.db).count() == 0, "nothing was written")
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.plans-changed").count() == 0)
        }
    }

    @Test func theAPIChangesPlansAndRefusesUnknownOnes() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let support = try await portal.api(as: try await portal.makeOperator(email: "sam@example.com", role: "support"))
            #expect(try await support.call(.PATCH, "/settings/plans", json: #"{"add":[{"name":"Gold"}]}"#).status == .forbidden)
            #expect(try await api.call(.PATCH, "/settings/plans", json: #"{"update":[{"name":"Platinum","retired":true}]}"#).status == .conflict)
            #expect(try await api.call(.PATCH, "/settings/plans", json: #"{"add":[{"name":"Gold","staffSlots":10001}]}"#).status == .badRequest)
            #expect(try await api.call(.PATCH, "/settings/plans", json: #"{"add":[{"name":" "}]}"#).status == .badRequest)
            // A null inside the lists is refused as the schema says, not read as "left out".
            #expect(try await api.call(.PATCH, "/settings/plans", json: #"{"add":[{"name":"Zero","staffSlots":null}],"update":[]}"#).status == .badRequest)
            let response = try await api.call(.PATCH, "/settings/plans",
                                              json: #"{"add":[{"name":"Gold","staffSlots":10}],"update":[{"name":"Premium","retired":true}]}"#)
            #expect(response.status == .ok)
            let plans = try #require(try api.object(response)["plans"] as? [[String: Any]])
            #expect(plans.map { $0["name"] as? String } == ["Starter", "Standard", "Premium", "Gold"])
            #expect(plans.map { $0["retired"] as? Bool } == [false, false, true, false])
            let offered = try api.array(try await api.call(.GET, "/plans")).map { $0["name"] as? String }
            #expect(offered == ["Starter", "Standard", "Gold"])
            let all = try api.object(try await api.call(.GET, "/settings"))
            #expect(((all["plans"] as? [String: Any])?["plans"] as? [Any])?.count == 4)
        }
    }
}
