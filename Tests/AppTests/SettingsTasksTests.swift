@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Settings → Tasks: the days after which work becomes a task, per partner. A changed threshold
/// moves an account into or out of its category on the Tasks page, Home and in the API, one
/// day either side of the new number; refused without `settings.manage`; audited before → after.
@Suite struct SettingsTasksTests {
    static func form(csrf: String, _ changes: [String: String] = [:]) -> [String: String] {
        var fields = ["task_stuck_in_setup_days": "14", "task_inactive_days": "30", "task_new_assignment_days": "7",
                      "task_pending_invite_days": "3", "task_screening_notice_days": "7", "csrf_token": csrf]
        fields.merge(changes) { $1 }
        return fields
    }

    static func partner(_ portal: TestPortal) async throws -> Partner {
        try #require(try await Partner.find(portal.partner.id, on: portal.db))
    }

    /// Accounts in setup created 4 and 6 days ago: neither is stuck at 14 days, one is at 5.
    static func accountsInSetup(_ portal: TestPortal, now: Date = Date()) async throws {
        for (name, days) in [("Four Days", 4.0), ("Six Days", 6.0)] {
            try await TasksTests.account(portal, name, created: now.addingTimeInterval(-days * 86_400), .init(setupCompleted: false))
        }
    }

    @Test func aThresholdChangedOnThePageMovesAccountsInAndOutOfTheCategory() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.accountsInSetup(portal)
            let browser = try await portal.signIn()
            let before = try await portal.visit("/tasks", browser: browser).text
            #expect(!before.contains("Four Days") && !before.contains("Six Days"))
            #expect(before.contains("Created more than 14 days ago and still in setup."))

            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let saved = try await portal.submit("/settings/tasks", Self.form(csrf: csrf, ["task_stuck_in_setup_days": "5"]), browser: browser)
            #expect(saved.status == .seeOther && saved.headers.first(name: .location) == "/settings#tasks")
            let settings = try await portal.visit("/settings", browser: browser).text
            #expect(settings.contains("Task thresholds updated: Tasks and the digests use them from now on."))
            #expect(settings.contains(#"id="field-task_stuck_in_setup_days" name="task_stuck_in_setup_days" type="number" min="1" max="365" value="5""#))

            let after = try await portal.visit("/tasks", browser: browser).text
            #expect(after.contains("Six Days") && !after.contains("Four Days"))
            #expect(after.contains("Created more than 5 days ago and still in setup."))
            // The queries given a time: one day before the threshold the older account is not listed yet.
            let actor = try await TasksTests.actor(portal, ada)
            let thresholds = TaskThresholds(partner: try await Self.partner(portal))
            #expect(thresholds.stuckInSetupDays == 5)
            let early = try await OutstandingTasks.sections(for: actor, now: Date().addingTimeInterval(-2 * 86_400), thresholds: thresholds, on: portal.db)
            #expect(early.first { $0.category == .stuckInSetup }?.rows.map(\.label) == [])
            let late = try await OutstandingTasks.sections(for: actor, now: Date().addingTimeInterval(2 * 86_400), thresholds: thresholds, on: portal.db)
            #expect(late.first { $0.category == .stuckInSetup }?.rows.map(\.label) == ["Six Days", "Four Days"])
            // The default the digests' callers get without a partner is unchanged.
            let standard = try await OutstandingTasks.sections(for: actor, now: Date(), on: portal.db)
            #expect(standard.first { $0.category == .stuckInSetup }?.total == 0)

            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.tasks-changed").first())
            #expect(entry.details == "stuck in setup days: 14 → 5")
            #expect(entry.actorName == "Ada Admin" && entry.targetType == "partner")
        }
    }

    @Test func homeCountsWithThePartnersThresholds() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await Self.accountsInSetup(portal)
            let browser = try await portal.signIn()
            #expect(try await portal.visit("/", browser: browser).text.contains(#"<div class="label">Stuck in setup</div><div class="value">0</div>"#))
            portal.partner.taskStuckInSetupDays = 3
            try await portal.partner.update(on: portal.db)
            let home = try await portal.visit("/", browser: browser).text
            let tasks = try await portal.visit("/tasks", browser: browser).text
            #expect(tasks.contains("Four Days") && tasks.contains("Six Days"))
            #expect(home.contains(#"<div class="label">Stuck in setup</div><div class="value">2</div>"#))
            #expect(tasks.contains("Created more than 3 days ago and still in setup."))
        }
    }

    @Test func aThresholdPatchedThroughTheAPIMovesAccountsInTheAPI() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            try await Self.accountsInSetup(portal)
            func stuck() async throws -> [String] {
                let body = try api.object(try await api.call(.GET, "/tasks"))
                let categories = try #require(body["categories"] as? [[String: Any]])
                let category = try #require(categories.first { $0["category"] as? String == "stuck-in-setup" })
                return (category["rows"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
            }
            #expect(try await stuck() == [])
            let patched = try await api.call(.PATCH, "/settings/tasks", json: #"{"stuckInSetupDays":5,"inactiveDays":45}"#)
            #expect(patched.status == .ok)
            #expect(try api.object(patched) as? [String: Int] == ["stuckInSetupDays": 5, "inactiveDays": 45, "newAssignmentDays": 7,
                                                                 "pendingInviteDays": 3, "screeningNoticeDays": 7])
            #expect(try await stuck() == ["Six Days"])
            let rule = try api.object(try await api.call(.GET, "/tasks"))["categories"] as? [[String: Any]]
            #expect(rule?.first?["rule"] as? String == "Created more than 5 days ago and still in setup.")
            #expect(try await api.call(.PATCH, "/settings/tasks", json: #"{"stuckInSetupDays":7}"#).status == .ok)
            #expect(try await stuck() == [])
            let details = try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.tasks-changed").sort(\.$at).all().map(\.details)
            #expect(details == ["stuck in setup days: 14 → 5\ninactive days: 30 → 45", "stuck in setup days: 5 → 7"])
            let settings = try api.object(try await api.call(.GET, "/settings"))
            #expect((settings["tasks"] as? [String: Int])?["stuckInSetupDays"] == 7)
        }
    }

    @Test func valuesOutsideTheDocumentedRangesAreRefused() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let api = try await portal.api(as: try #require(try await Operator.query(on: portal.db).first()))
            for bad in [#"{"stuckInSetupDays":0}"#, #"{"inactiveDays":366}"#, #"{"screeningNoticeDays":30}"#, #"{"pendingInviteDays":-1}"#,
                        #"{"newAssignmentDays":null}"#, #"{"newAssignmentDays":"7"}"#, #"{"other":1}"#] {
                let response = try await api.call(.PATCH, "/settings/tasks", json: bad)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            }
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let refused = try await portal.submit("/settings/tasks", Self.form(csrf: csrf, ["task_inactive_days": "0", "task_screening_notice_days": "x",
                                                                                         "task_pending_invite_days": "10"]), browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains(#"<div class="error" id="field-task_inactive_days-error">Enter a whole number of days from 1 to 365.</div>"#))
            #expect(refused.text.contains(#"<div class="error" id="field-task_screening_notice_days-error">Enter a whole number of days from 1 to 29.</div>"#))
            #expect(refused.text.contains(#"name="task_pending_invite_days" type="number" min="1" max="365" value="10""#), "what was typed is kept")
            let partner = try await Self.partner(portal)
            #expect(TaskThresholds(partner: partner) == .standard)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.tasks-changed").count() == 0)
        }
    }

    @Test func withoutSettingsManageTheThresholdsCannotBeChanged() async throws {
        try await TestPortal.run { portal in
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let capture = LogCapture()
            portal.app.logger = capture.logger
            let browser = try await portal.signIn(email: "sam@example.com")
            let csrf = try #require(try await portal.visit("/", browser: browser).csrfToken)
            let refused = try await portal.submit("/settings/tasks", Self.form(csrf: csrf, ["task_stuck_in_setup_days": "5"]), browser: browser)
            #expect(refused.status == .forbidden)
            #expect(capture.lines.contains { $0.contains("access denied") && $0.contains("settings.manage") && $0.contains("/settings/tasks") })
            let api = try await portal.api(as: sam)
            #expect(try await api.call(.PATCH, "/settings/tasks", json: #"{"stuckInSetupDays":5}"#).status == .forbidden)
            #expect(try await Self.partner(portal).taskStuckInSetupDays == 14)
        }
    }

    @Test func eachPartnerHasItsOwnThresholds() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let api = try await portal.api(as: try await portal.makeOperator())
            #expect(try await api.call(.PATCH, "/settings/tasks", json: #"{"pendingInviteDays":10}"#).status == .ok)
            let theirs = try #require(try await Partner.find(globex.id, on: portal.db))
            #expect(TaskThresholds(partner: theirs) == .standard)
            #expect(TaskThresholds(partner: try await Self.partner(portal)).pendingInviteDays == 10)
        }
    }
}
