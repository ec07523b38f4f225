@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The Operations page and `GET /api/v1/operations`: the jobs' figures and the partner's own
/// outbox backlog, for operators with `settings.manage` over the partner only.
@Suite struct OperationsTests {
    static let start = Date(timeIntervalSince1970: 1_767_600_000)

    /// Runs the outbox job once and fails the retention job twice, as the runner records them.
    static func recordRuns(_ portal: TestPortal) async throws {
        try await JobStore.register(ScheduledJob.all, now: start, on: portal.db)
        let outbox = JobStore.Run(result: .ok(items: 3), finishedAt: start, duration: 0.25, nextRunAt: start.addingTimeInterval(1))
        _ = try await JobStore.claim([ScheduledJob.named("outbox")!], worker: "instance-a", now: start, on: portal.db)
        #expect(try await JobStore.record(outbox, of: "outbox", worker: "instance-a", on: portal.db))
        for _ in 0..<2 {
            try await ScheduledJobRecord.query(on: portal.db).filter(\.$id == "history-retention").set(\.$nextRunAt, to: start).update()
            _ = try await JobStore.claim([ScheduledJob.named("history-retention")!], worker: "instance-a", now: start, on: portal.db)
            let failed = JobStore.Run(result: .failed(kind: "PostgresNIO.PSQLError"), finishedAt: start, duration: 1, nextRunAt: start.addingTimeInterval(10))
            #expect(try await JobStore.record(failed, of: "history-retention", worker: "instance-a", on: portal.db))
        }
    }

    static func messages(_ portal: TestPortal) async throws {
        let acme = try portal.partner.requireID()
        let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
        try await Outbox.enqueue(partnerID: acme, channel: .email, to: "a@example.com", subject: "s", body: "b",
                                 now: Date().addingTimeInterval(-600), on: portal.db)
        try await Outbox.enqueue(partnerID: acme, channel: .email, to: "b@example.com", subject: "s", body: "b", on: portal.db)
        let held = try await Outbox.enqueue(partnerID: acme, channel: .sms, to: "+15550100", subject: "", body: "b", on: portal.db)
        try await Outbox.markHeld(held, now: Date(), on: portal.db)
        let failed = try await Outbox.enqueue(partnerID: acme, channel: .email, to: "c@example.com", subject: "s", body: "b", on: portal.db)
        failed.status = .failed
        try await failed.update(on: portal.db)
        // Another partner's backlog is none of this partner's business.
        for index in 0..<5 {
            try await Outbox.enqueue(partnerID: try globex.requireID(), channel: .email, to: "g\(index)@globex.example", subject: "s", body: "b",
                                     now: Date().addingTimeInterval(-86_400), on: portal.db)
        }
    }

    @Test func mayViewOperationsTakesSettingsManageOverTheWholePartner() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator(role: "admin")
            let support = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let partnerID = try portal.partner.requireID()
            let adminActor = try #require(try await AccessLoader.actor(operatorID: admin.requireID(), partnerID: partnerID, on: portal.db))
            let supportActor = try #require(try await AccessLoader.actor(operatorID: support.requireID(), partnerID: partnerID, on: portal.db))
            #expect(AccessPolicy.mayViewOperations(adminActor) == .allow)
            #expect(AccessPolicy.mayViewOperations(supportActor) == .deny(.missingPermission(.settingsManage)))
            let scoped = Actor(operatorID: adminActor.operatorID, partnerID: partnerID, isActive: true,
                               grants: adminActor.grants.map { ActorGrant(role: $0.role, scope: .group(UUID())) }, hasAssignments: false)
            #expect(AccessPolicy.mayViewOperations(scoped) == .deny(.outOfScope(.settingsManage)))
            let blocked = Actor(operatorID: adminActor.operatorID, partnerID: partnerID, isActive: false, grants: adminActor.grants, hasAssignments: false)
            #expect(AccessPolicy.mayViewOperations(blocked) == .deny(.blocked))
        }
    }

    @Test func thePageShowsEachJobAndThePartnersOwnBacklog() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await Self.recordRuns(portal)
            try await Self.messages(portal)
            let browser = try await portal.signIn()
            let page = try await portal.visit("/operations", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<a href="/settings" aria-current="page">Settings</a>"#))
            #expect(try await portal.visit("/settings", browser: browser).text.contains(#"<a href="/operations">Operations</a>"#), "reached from Settings")
            for job in ScheduledJob.all { #expect(page.text.contains(job.title), "\(job.name)") }
            #expect(page.text.contains("0.25 s"))
            #expect(page.text.contains("PostgresNIO.PSQLError"))
            #expect(page.text.contains(">Failed<") && page.text.contains(">OK<"))
            // Acme's: 3 queued (two, and Ada's sign-in code; the oldest ten minutes old), 1 held, 1 failed;
            // Globex's 5 are not counted.
            #expect(page.text.contains(#"<div class="label">Queued</div><div class="value">3</div>"#))
            #expect(page.text.contains(#"<div class="label">In the development mailbox</div><div class="value">1</div>"#))
            #expect(page.text.contains(#"<div class="label">Failed</div><div class="value">1</div>"#))
            // Ten minutes when the page was drawn, or a little more on a slow machine.
            let oldest = try #require(page.text.firstMatch(of: /Oldest queued<\/div><div class="value">(\d+) min</)?.output.1)
            #expect((10...15).contains(Int(oldest) ?? 0), "oldest queued: \(oldest) min")
            #expect(!page.text.contains("globex.example"))
        }
    }

    @Test func theAPIGivesTheSameFigures() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            try await Self.recordRuns(portal)
            try await Self.messages(portal)
            let api = try await portal.api(as: admin)
            let response = try await api.call(.GET, "/operations")
            #expect(response.status == .ok)
            let body = try api.object(response)
            let jobs = try #require(body["jobs"] as? [[String: Any]])
            #expect(jobs.compactMap { $0["name"] as? String } == ScheduledJob.all.map(\.name))
            let outbox = try #require(jobs.first { $0["name"] as? String == "outbox" })
            #expect(outbox["lastOutcome"] as? String == "ok" && outbox["lastItems"] as? Int == 3 && outbox["lastDurationMs"] as? Int == 250)
            #expect(outbox["totalRuns"] as? Int == 1 && outbox["running"] as? Bool == false)
            let retention = try #require(jobs.first { $0["name"] as? String == "history-retention" })
            #expect(retention["lastOutcome"] as? String == "failed" && retention["consecutiveFailures"] as? Int == 2)
            #expect(retention["lastFailure"] as? String == "PostgresNIO.PSQLError" && retention["lastItems"] == nil)
            let backlog = try #require(body["outbox"] as? [String: Any])
            #expect(backlog["queued"] as? Int == 2 && backlog["held"] as? Int == 1 && backlog["failed"] as? Int == 1)
            let age = try #require(backlog["oldestQueuedAgeSeconds"] as? Int)
            #expect((600...700).contains(age))
        }
    }

    @Test func withoutSettingsManageThePageAndTheAPIAreRefusedAndLogged() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let support = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let capture = LogCapture()
            portal.app.logger = capture.logger
            let browser = try await portal.signIn(email: "sam@example.com")
            let home = try await portal.visit("/", browser: browser)
            #expect(!home.text.contains(#"href="/operations""#), "no Operations in the navigation without settings.manage")
            #expect(try await portal.visit("/operations", browser: browser).status == .forbidden)
            let refused = try await portal.api(as: support).call(.GET, "/operations")
            #expect(refused.status == .forbidden)
            #expect(refused.headers.contentType?.description.contains("problem+json") == true)
            #expect(capture.lines.contains { $0.contains("access denied") && $0.contains("settings.manage") && $0.contains("/operations") })
        }
    }

    @Test func durationsReadInTheirLargestUsefulUnit() {
        #expect(OperationsView.duration(0.25) == "0.25 s")
        #expect(OperationsView.duration(42) == "42 s")
        #expect(OperationsView.duration(600) == "10 min")
        #expect(OperationsView.duration(5 * 3600) == "5 h")
        #expect(OperationsView.duration(3 * 86_400) == "3 days")
    }
}
