@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor

/// The job runner on one database shared by two instances (two worker ids): a due job runs
/// on one of them, a dead instance's lease is taken over once it runs out, failures back off,
/// and each job does its work at the time the runner's clock says.
@Suite struct JobRunnerTests {
    /// A clock a test moves by hand.
    final class TestClock: Sendable {
        private let current: NIOLockedValueBox<Date>
        init(_ start: Date) { current = NIOLockedValueBox(start) }
        var now: Date { current.withLockedValue { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
        var read: @Sendable () -> Date { { self.now } }
    }

    /// Counts its runs; fails while `failing` is set, with a message holding partner data.
    final class Probe: Sendable {
        private let state = NIOLockedValueBox((runs: 0, failing: false))
        var runs: Int { state.withLockedValue { $0.runs } }
        func fail(_ failing: Bool) { state.withLockedValue { $0.failing = failing } }

        struct Refused: Error, CustomStringConvertible {
            var description: String { "could not reach felix@bakery.example" }
        }

        func job(_ name: String = "probe", interval: TimeInterval = 60, lease: TimeInterval = 120) -> ScheduledJob {
            ScheduledJob(name: name, title: "Probe", interval: interval, lease: lease, work: { _ in
                let failing = self.state.withLockedValue { state in
                    state.runs += 1
                    return state.failing
                }
                if failing { throw Refused() }
                return 7
            })
        }
    }

    static let start = Date(timeIntervalSince1970: 1_767_600_000)

    static func runner(_ jobs: [ScheduledJob], worker: String, clock: TestClock) -> JobRunner {
        JobRunner(jobs: jobs, delivery: .none, workerID: worker, clock: clock.read)
    }

    static func record(_ name: String, _ portal: TestPortal) async throws -> ScheduledJobRecord {
        try #require(try await ScheduledJobRecord.find(name, on: portal.db))
    }

    @Test func aDueJobIsClaimedByExactlyOneOfTwoInstances() async throws {
        try await TestPortal.run { portal in
            let clock = TestClock(Self.start)
            let probe = Probe()
            let jobs = [probe.job()]
            let first = Self.runner(jobs, worker: "instance-a", clock: clock)
            let second = Self.runner(jobs, worker: "instance-b", clock: clock)
            // Both start at once: one row.
            async let registeredFirst: Void = JobStore.register(jobs, now: clock.now, on: portal.db)
            async let registeredSecond: Void = JobStore.register(jobs, now: clock.now, on: portal.db)
            _ = try await (registeredFirst, registeredSecond)
            #expect(try await ScheduledJobRecord.query(on: portal.db).count() == 1)

            async let claimedFirst = JobStore.claim(jobs, worker: "instance-a", now: clock.now, on: portal.db)
            async let claimedSecond = JobStore.claim(jobs, worker: "instance-b", now: clock.now, on: portal.db)
            let claims = try await [claimedFirst, claimedSecond]
            #expect(claims.map(\.count).sorted() == [0, 1])
            let holder = try #require(try await Self.record("probe", portal).leaseOwner)
            #expect(holder == (claims[0].isEmpty ? "instance-b" : "instance-a"))
            try await JobStore.release(worker: holder, on: portal.db)

            // Two polls at once run it once, and record it.
            async let polledFirst = first.tick(on: portal.db, logger: portal.app.logger)
            async let polledSecond = second.tick(on: portal.db, logger: portal.app.logger)
            let runs = try await [polledFirst, polledSecond]
            #expect(runs.map(\.count).sorted() == [0, 1])
            #expect(probe.runs == 1)
            let row = try await Self.record("probe", portal)
            #expect(row.leaseOwner == nil && row.leaseUntil == nil)
            #expect(row.totalRuns == 1 && row.lastOutcome == .ok && row.lastItems == 7)
            #expect(row.nextRunAt == Self.start.addingTimeInterval(60))
            #expect(try await first.tick(on: portal.db, logger: portal.app.logger).isEmpty, "not due again before its interval")
            clock.advance(60)
            #expect(try await second.tick(on: portal.db, logger: portal.app.logger).keys.sorted() == ["probe"])
            #expect(probe.runs == 2)
        }
    }

    /// PostgreSQL: a row another instance has locked while it claims is passed over at once,
    /// not waited for (`FOR UPDATE SKIP LOCKED`). SQLite has one writer, so there a claim is a
    /// single statement and a held lease is what keeps the other instance out.
    @Test func aJobAnotherInstanceIsClaimingIsPassedOver() async throws {
        let storage = TestDatabase.freshStorage()
        try await TestPortal.run(storage: storage) { portal in
            let probe = Probe()
            let jobs = [probe.job()]
            try await JobStore.register(jobs, now: Self.start, on: portal.db)
            if TestDatabase.isPostgres {
                // The other instance: its own connections to the same database.
                let other = try await TestPortal.makeApp(config: TestPortal.config(storage: storage))
                do {
                    try await other.db.transaction { tx in
                        let locked = try await tx.sql.raw("SELECT name FROM scheduled_jobs WHERE name = 'probe' FOR UPDATE").all()
                        #expect(locked.count == 1)
                        #expect(try await JobStore.claim(jobs, worker: "instance-b", now: Self.start, on: portal.db).isEmpty)
                    }
                } catch {
                    try? await other.asyncShutdown()
                    throw error
                }
                try await other.asyncShutdown()
            } else {
                #expect(try await JobStore.claim(jobs, worker: "instance-a", now: Self.start, on: portal.db).count == 1)
                #expect(try await JobStore.claim(jobs, worker: "instance-b", now: Self.start, on: portal.db).isEmpty)
                try await JobStore.release(worker: "instance-a", on: portal.db)
            }
            #expect(try await JobStore.claim(jobs, worker: "instance-b", now: Self.start, on: portal.db).map(\.name) == ["probe"])
            #expect(try await Self.record("probe", portal).leaseOwner == "instance-b")
        }
    }

    @Test func aLeaseHeldByAKilledInstanceIsTakenOverOnceItRunsOut() async throws {
        try await TestPortal.run { portal in
            let clock = TestClock(Self.start)
            let probe = Probe()
            let jobs = [probe.job(lease: 120)]
            let survivor = Self.runner(jobs, worker: "instance-b", clock: clock)
            try await JobStore.register(jobs, now: clock.now, on: portal.db)
            // Instance A claims the job and is killed before it finishes.
            #expect(try await JobStore.claim(jobs, worker: "instance-a", now: clock.now, on: portal.db).count == 1)

            #expect(try await survivor.tick(on: portal.db, logger: portal.app.logger).isEmpty)
            clock.advance(119)
            #expect(try await survivor.tick(on: portal.db, logger: portal.app.logger).isEmpty, "the lease still holds")
            clock.advance(2)
            #expect(try await survivor.tick(on: portal.db, logger: portal.app.logger).keys.sorted() == ["probe"])
            #expect(probe.runs == 1)
            let row = try await Self.record("probe", portal)
            #expect(row.leaseOwner == nil && row.totalRuns == 1 && row.lastOutcome == .ok)

            // Instance A coming back late records nothing over B's run.
            let late = JobStore.Run(result: .failed(kind: "Late"), finishedAt: clock.now, duration: 1, nextRunAt: clock.now)
            #expect(try await !JobStore.record(late, of: "probe", worker: "instance-a", on: portal.db))
            #expect(try await Self.record("probe", portal).lastOutcome == .ok)
        }
    }

    @Test func failuresBackOffAndAreCountedUntilASuccessResetsThem() async throws {
        try await TestPortal.run { portal in
            let clock = TestClock(Self.start)
            let probe = Probe()
            probe.fail(true)
            let capture = LogCapture()
            let runner = Self.runner([probe.job(interval: 3600)], worker: "instance-a", clock: clock)
            try await JobStore.register(runner.jobs, now: clock.now, on: portal.db)

            try await runner.tick(on: portal.db, logger: capture.logger)
            var row = try await Self.record("probe", portal)
            #expect(row.lastOutcome == .failed && row.consecutiveFailures == 1 && row.totalFailures == 1)
            #expect(row.nextRunAt == Self.start.addingTimeInterval(5))
            // The error's kind, never its text.
            let failure = try #require(row.lastFailure)
            #expect(failure.contains("Refused") && !failure.contains("felix") && failure.count <= JobFailure.maxLength)
            #expect(capture.lines.contains { $0.hasPrefix("warning job failed") && $0.contains("job=probe") && $0.contains("failures=1") })

            clock.advance(4)
            #expect(try await runner.tick(on: portal.db, logger: capture.logger).isEmpty)
            clock.advance(1)
            try await runner.tick(on: portal.db, logger: capture.logger)
            row = try await Self.record("probe", portal)
            #expect(row.consecutiveFailures == 2 && row.nextRunAt == clock.now.addingTimeInterval(10))

            probe.fail(false)
            clock.advance(10)
            try await runner.tick(on: portal.db, logger: capture.logger)
            row = try await Self.record("probe", portal)
            #expect(row.lastOutcome == .ok && row.consecutiveFailures == 0 && row.lastFailure == nil)
            #expect(row.totalRuns == 3 && row.totalFailures == 2 && row.lastItems == 7)
            #expect(row.nextRunAt == clock.now.addingTimeInterval(3600))
            #expect(probe.runs == 3)
        }
    }

    @Test func theRetryDelayDoublesUpToItsCap() {
        #expect(JobRunner.retryDelay(afterFailures: 1, cap: 300) == 5)
        #expect(JobRunner.retryDelay(afterFailures: 2, cap: 300) == 10)
        #expect(JobRunner.retryDelay(afterFailures: 4, cap: 300) == 40)
        #expect(JobRunner.retryDelay(afterFailures: 7, cap: 300) == 300)
        #expect(JobRunner.retryDelay(afterFailures: 10_000, cap: 300) == 300)
    }

    @Test func aFailureKeepsOnlyTheErrorsKindShortAndPlain() {
        struct Odd: Error {}
        #expect(JobFailure.kind(of: Probe.Refused()).hasSuffix("Probe.Refused"))
        #expect(JobFailure.kind(of: Odd()).unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 })
        #expect(JobFailure.kind(of: PortalError.badRequest("<script>felix@bakery.example</script>")) == "App.PortalError")
    }

    @Test func theLoopRunsDueJobsAndGivesBackItsLeasesWhenItStops() async throws {
        try await TestPortal.run { portal in
            let (events, signal) = AsyncStream.makeStream(of: String.self)
            let quick = ScheduledJob(name: "quick", title: "Quick", interval: 3600, lease: 60, work: { _ in
                signal.yield("quick")
                return 1
            })
            let long = ScheduledJob(name: "long", title: "Long", interval: 3600, lease: 600, work: { _ in
                signal.yield("long")
                try await Task.sleep(for: .seconds(3600))
                return 1
            })
            let runner = JobRunner(jobs: [quick, long], delivery: .none, workerID: "instance-a", pollInterval: .milliseconds(10))
            try await runner.didBootAsync(portal.app)
            var seen: Set<String> = []
            for await event in events {
                seen.insert(event)
                if seen == ["quick", "long"] { break }
            }
            #expect(try await Self.record("long", portal).leaseOwner == "instance-a")
            await runner.shutdownAsync(portal.app)
            let longRow = try await Self.record("long", portal)
            #expect(longRow.leaseOwner == nil && longRow.leaseUntil == nil && longRow.totalRuns == 0, "given back unfinished, still due")
            let quickRow = try await Self.record("quick", portal)
            #expect(quickRow.totalRuns == 1 && quickRow.lastOutcome == .ok)
        }
    }

    @Test func everyJobHasItsOwnNameATitleAndALease() {
        let names = ScheduledJob.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Set(names).isSuperset(of: ["outbox", "history-retention", "planner-statistics", "login-as-expiry", "invite-expiry",
                                           "link-expiry", "session-cleanup"]))
        for job in ScheduledJob.all {
            #expect(job.lease > 0 && job.interval > 0 && !job.title.isEmpty, "\(job.name)")
        }
    }

    // MARK: - The jobs' work, at the runner's time

    /// Runs the named job of `ScheduledJob.all` once at `now` and returns its items.
    static func runJob(_ name: String, at now: Date, _ portal: TestPortal, delivery: DeliverySettings = .none) async throws -> Int? {
        let job = try #require(ScheduledJob.named(name))
        let runner = JobRunner(jobs: [job], delivery: delivery, workerID: "instance-a", clock: { now })
        try await JobStore.register([job], now: now, on: portal.db)
        // Due at once, whenever it ran last.
        try await portal.db.sql.update(ScheduledJobRecord.schema).set("next_run_at", to: now).where("name", .equal, name).run()
        let run = try await runner.tick(on: portal.db, logger: portal.app.logger)[name]
        guard case .ok(let items) = run?.result else { return nil }
        return items
    }

    @Test func theOutboxJobSendsARoundAndGivesBackItsClaimsWhenStopping() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            try await Outbox.enqueue(partnerID: partnerID, channel: .email, to: "ada@example.com", subject: "Hello", body: "Hi", now: Self.start, on: portal.db)
            try await Outbox.enqueue(partnerID: partnerID, channel: .email, to: "bob@example.com", subject: "Later", body: "Hi",
                                     now: Self.start.addingTimeInterval(600), on: portal.db)
            #expect(try await Self.runJob("outbox", at: Self.start, portal) == 1)
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$status == .held).count() == 1)
            #expect(try await Self.runJob("outbox", at: Self.start, portal) == 0)
            #expect(try await Self.runJob("outbox", at: Self.start.addingTimeInterval(601), portal) == 1)

            // Claimed by this instance, which stops: given back for the others.
            try await Outbox.enqueue(partnerID: partnerID, channel: .sms, to: "+15550100", subject: "", body: "Code", now: Self.start, on: portal.db)
            _ = try await Outbox.claim(worker: "instance-a", limit: 5, lease: 120, now: Self.start, on: portal.db)
            await JobRunner(delivery: .none, workerID: "instance-a").shutdownAsync(portal.app)
            let sms = try #require(try await OutboundMessage.query(on: portal.db).filter(\.$channel == .sms).first())
            #expect(sms.claimedBy == nil && sms.status == .pending)
        }
    }

    @Test func theHistoryRetentionJobDeletesWhatIsPastRetentionAtTheRunnersTime() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            try await AuditEvent(partnerID: partnerID, actorID: nil, actorName: "Ada", action: "account.lock", targetType: "account",
                                 targetID: UUID().uuidString, targetLabel: "Shop", details: "", ip: "", at: Self.start).create(on: portal.db)
            #expect(try await Self.runJob("history-retention", at: Self.start.addingTimeInterval(182 * 86_400), portal) == 0)
            #expect(try await Self.runJob("history-retention", at: Self.start.addingTimeInterval(184 * 86_400), portal) == 1)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$targetType == "account").count() == 0)
        }
    }

    @Test func theLoginAsExpiryJobEndsVisitsAtTheirTimeLimit() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix", email: "felix@bakery.example")
            try await owner.create(on: portal.db)
            let access = try SupportAccess(user: owner, operatorID: UUID(), operatorName: "Maya", reason: nil, via: "browser", now: Self.start,
                                           endsAt: Self.start.addingTimeInterval(3600))
            try await access.create(on: portal.db)
            #expect(try await Self.runJob("login-as-expiry", at: Self.start.addingTimeInterval(3599), portal) == 0)
            #expect(try await Self.runJob("login-as-expiry", at: Self.start.addingTimeInterval(3601), portal) == 1)
            #expect(try await Self.runJob("login-as-expiry", at: Self.start.addingTimeInterval(3602), portal) == 0)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.login-as-ended").count() == 1)
        }
    }

    @Test func theExpiryJobsDeleteLinksPastTheirExpiryOnEveryPartner() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let gus = try await portal.makeOperator(email: "gus@globex.example", name: "Gus", partner: globex)
            let acmeID = try portal.partner.requireID()
            _ = try await SetupLinks.issue(.invite, operatorID: ada.requireID(), partnerID: acmeID, lifetime: SetupLinks.inviteLifetime,
                                           now: Self.start, on: portal.db)
            _ = try await SetupLinks.issue(.invite, operatorID: gus.requireID(), partnerID: globex.requireID(), lifetime: SetupLinks.inviteLifetime,
                                           now: Self.start, on: portal.db)
            _ = try await SetupLinks.issue(.passwordReset, operatorID: ada.requireID(), partnerID: acmeID,
                                           lifetime: SetupLinks.passwordResetLifetime, now: Self.start, on: portal.db)
            let account = Account(partnerID: acmeID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: acmeID, accountID: try account.requireID(), role: .owner, name: "Felix", email: "felix@bakery.example")
            try await owner.create(on: portal.db)
            try await AccountUserToken(partnerID: acmeID, accountUserID: owner.requireID(), purpose: .invite, tokenDigest: "invite-digest",
                                       now: Self.start, lifetime: 86_400).create(on: portal.db)
            try await AccountUserToken(partnerID: acmeID, accountUserID: owner.requireID(), purpose: .reset, tokenDigest: "reset-digest",
                                       now: Self.start, lifetime: 3600).create(on: portal.db)
            let link = ClientLoginLink()
            link.partnerID = acmeID
            link.accountID = try account.requireID()
            link.accountUserID = try owner.requireID()
            link.operatorID = try ada.requireID()
            link.tokenDigest = "login-link-digest"
            link.createdAt = Self.start
            link.expiresAt = Self.start.addingTimeInterval(60)
            try await link.create(on: portal.db)

            // Two hours and a bit later: the reset links and the login link are dead, the invites not yet.
            let later = Self.start.addingTimeInterval(2 * 3600 + 1)
            #expect(try await Self.runJob("invite-expiry", at: later, portal) == 0)
            #expect(try await Self.runJob("link-expiry", at: later, portal) == 3)
            #expect(try await Self.runJob("link-expiry", at: later, portal) == 0)
            #expect(try await OneTimeToken.query(on: portal.db).filter(\.$purpose == .passwordReset).count() == 0)
            #expect(try await ClientLoginLink.query(on: portal.db).count() == 0)

            // Past a week: both partners' operator invites and the owner's.
            #expect(try await Self.runJob("invite-expiry", at: Self.start.addingTimeInterval(SetupLinks.inviteLifetime + 1), portal) == 3)
            #expect(try await OneTimeToken.query(on: portal.db).count() == 0)
            #expect(try await AccountUserToken.query(on: portal.db).count() == 0)
        }
    }

    @Test func theSessionCleanupJobEndsSessionsPastTheirTimeouts() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bob = try await portal.makeOperator(email: "bob@example.com", name: "Bob Support", role: "support")
            let partner = try #require(try await Partner.find(portal.partner.id, on: portal.db))
            let idle = TimeInterval(partner.idleTimeoutMinutes * 60)
            let stale = try await SessionStore.start(operator: ada, partner: partner, ip: "", userAgent: "", now: Self.start, on: portal.db)
            let fresh = try await SessionStore.start(operator: ada, partner: partner, ip: "", userAgent: "", now: Self.start.addingTimeInterval(idle), on: portal.db)
            // Ada logged in as Bob, in a session nobody came back to.
            let acting = try await SessionStore.start(operator: bob, partner: partner, ip: "", userAgent: "", now: Self.start, on: portal.db)
            acting.session.impersonatorID = try ada.requireID()
            acting.session.impersonationStartedAt = Self.start
            acting.session.impersonationExpiresAt = Self.start.addingTimeInterval(3600)
            try await acting.session.update(on: portal.db)

            let account = Account(partnerID: try partner.requireID(), name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: try partner.requireID(), accountID: try account.requireID(), role: .owner, name: "Felix",
                                    email: "felix@bakery.example")
            try await owner.create(on: portal.db)
            let idleWorkspace = try await WorkspaceSessions.start(for: owner, now: Self.start, on: portal.db)
            let activeWorkspace = try await WorkspaceSessions.start(for: owner, now: Self.start, on: portal.db)
            activeWorkspace.session.lastSeenAt = Self.start.addingTimeInterval(idle + 60)
            try await activeWorkspace.session.update(on: portal.db)

            #expect(try await Self.runJob("session-cleanup", at: Self.start.addingTimeInterval(idle - 1), portal) == 0)
            #expect(try await Self.runJob("session-cleanup", at: Self.start.addingTimeInterval(idle + 1), portal) == 2)
            #expect(try await PortalSession.find(stale.session.id, on: portal.db) == nil)
            #expect(try await PortalSession.find(acting.session.id, on: portal.db) == nil)
            #expect(try await PortalSession.find(fresh.session.id, on: portal.db) != nil)
            let ended = try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.impersonation-ended").all()
            #expect(ended.count == 1 && ended[0].details == SessionCleanup.reason)

            // A day without use ends a workspace session; one used since is kept.
            #expect(try await Self.runJob("session-cleanup", at: Self.start.addingTimeInterval(WorkspaceSessions.idleLimit + 1), portal) == 2)
            #expect(try await AccountUserSession.find(idleWorkspace.session.id, on: portal.db) == nil)
            #expect(try await AccountUserSession.find(activeWorkspace.session.id, on: portal.db) != nil)
            #expect(try await PortalSession.find(fresh.session.id, on: portal.db) == nil)
        }
    }
}
