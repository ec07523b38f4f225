import Fluent
import Foundation
import Vapor

/// A periodic job the runner keeps: its name (the row in `scheduled_jobs`), how often it
/// runs, how long an instance may hold it, and its work, which returns how many items it
/// handled.
///
/// Runs are at least once: an instance killed during a run leaves its lease to expire and
/// another instance runs the job again. Every job's work must therefore be idempotent: run
/// twice at the same `now`, it leaves the database as once.
struct ScheduledJob: Sendable {
    let name: String
    /// The job in plain words, as the Operations page lists it.
    let title: String
    let interval: TimeInterval
    /// Longer than the job's worst run; the runner also renews it while the run lasts.
    let lease: TimeInterval
    let work: @Sendable (JobContext) async throws -> Int
    /// What the instance gives back when it stops (the outbox's claimed messages).
    var release: (@Sendable (JobContext) async throws -> Int)? = nil
}

/// What a job's work is handed: the database, the time it runs at (from the runner's clock,
/// so that tests move the calendar), the instance running it, and delivery's settings.
struct JobContext: Sendable {
    let db: any Database
    let logger: Logger
    let now: Date
    let worker: String
    let delivery: DeliverySettings

    /// What signs the audit chains' heads: the secret key the digests' links are signed with
    /// (none in a runner without them, which seals nothing).
    var auditSigner: AuditChain.Signer? { delivery.links.flatMap { try? AuditChain.Signer($0.secrets) } }
}

/// How the outbox job sends: the transports the configuration asks for, and the longest
/// wait between attempts at one message; and how the digest job signs the links it writes
/// (none: it sends nothing).
struct DeliverySettings: Sendable {
    var transports: Transports
    var retryCap: TimeInterval = 900
    var lease: TimeInterval = DeliveryWorker.lease
    var links: Digests.Links? = nil

    static let none = DeliverySettings(transports: .none)
}

extension ScheduledJob {
    /// Every job, in the order the Operations page lists them. Adding a job is one line here.
    static let all: [ScheduledJob] = [
        ScheduledJob(name: "outbox", title: "Send queued email and SMS", interval: 1, lease: 15,
                     work: { try await DeliveryWorker.runOnce(db: $0.db, transports: $0.delivery.transports, worker: $0.worker, now: $0.now,
                                                              retryCap: $0.delivery.retryCap, lease: $0.delivery.lease,
                                                              publicURL: $0.delivery.links?.publicURL, logger: $0.logger) },
                     release: { try await Outbox.release(worker: $0.worker, on: $0.db) }),
        ScheduledJob(name: "digests", title: "Email each operator's digest of tasks at 08:00 their time", interval: 60, lease: 60,
                     work: { context in
                         guard let links = context.delivery.links else { return 0 }
                         return try await Digests.runDue(now: context.now, on: context.db, logger: context.logger, links: links)
                     }),
        ScheduledJob(name: "history-retention", title: "Delete account history past its retention period", interval: 86_400, lease: 3600,
                     work: { try await HistoryRetention.prune(now: $0.now, signer: $0.auditSigner, on: $0.db) }),
        ScheduledJob(name: "audit-seal", title: "Seal new audit entries into each partner's chain of hashes", interval: 5, lease: 120,
                     work: { context in
                         guard let signer = context.auditSigner else { return 0 }
                         return try await AuditChain.sealAll(signer: signer, now: context.now, on: context.db)
                     }),
        ScheduledJob(name: "audit-verify", title: "Verify each partner's audit chain", interval: 86_400, lease: 3600,
                     work: { context in
                         guard let signer = context.auditSigner else { return 0 }
                         try await AuditChain.sealAll(signer: signer, now: context.now, on: context.db)
                         return try await AuditChain.verifyAll(signer: signer, now: context.now, on: context.db)
                     }),
        ScheduledJob(name: "planner-statistics", title: "Refresh the database's query statistics", interval: 3600, lease: 1800,
                     work: { context in try await PlannerStatistics.optimize(on: context.db); return 0 }),
        ScheduledJob(name: "login-as-expiry", title: "End logins as clients at their time limit", interval: 60, lease: 600,
                     work: { try await ClientLoginAs.endExpired(now: $0.now, on: $0.db) }),
        ScheduledJob(name: "invite-expiry", title: "Delete expired invitation links", interval: 3600, lease: 600,
                     work: { try await LinkExpiry.deleteExpiredInvites(now: $0.now, on: $0.db) }),
        ScheduledJob(name: "link-expiry", title: "Delete expired password-reset and login links", interval: 900, lease: 600,
                     work: { try await LinkExpiry.deleteExpiredLinks(now: $0.now, on: $0.db) }),
        ScheduledJob(name: "session-cleanup", title: "End sessions past their time limits", interval: 900, lease: 600,
                     work: { try await SessionCleanup.run(now: $0.now, on: $0.db) }),
        BulkOperationsJob.job(),
        ImportJob.job(),
        TemplatePushJob.job(),
        ScheduledJob(name: "password-resets", title: "Email the password-reset links operators ask for", interval: 1, lease: 60,
                     work: { try await PasswordResets.handlePending(now: $0.now, on: $0.db, logger: $0.logger) }),
    ]

    /// The job named `name` in `all`.
    static func named(_ name: String) -> ScheduledJob? { all.first { $0.name == name } }
}
