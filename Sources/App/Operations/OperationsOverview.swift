import Fluent
import Foundation

/// What the Operations page and `GET /api/v1/operations` show: each background job's last
/// run and next run (platform wide, and without tenant data), and the partner's own outbox
/// backlog (only its messages).
enum OperationsOverview {
    struct JobStatus: Sendable, Equatable {
        let name: String
        let title: String
        let lastStartedAt: Date?
        let lastFinishedAt: Date?
        let lastOutcome: ScheduledJobRecord.Outcome?
        let lastFailure: String?
        /// nil until a runner has registered the job.
        let nextRunAt: Date?
        /// An instance holds the job's lease now.
        let running: Bool
        let consecutiveFailures: Int
        let totalRuns: Int
        let totalFailures: Int
        let lastDurationMS: Int?
        let lastItems: Int?
    }

    struct Backlog: Sendable, Equatable {
        /// Waiting for their first or next attempt.
        let queued: Int
        /// Kept in the development mailbox (no transport for their channel).
        let held: Int
        /// Given up after their last attempt.
        let failed: Int
        let oldestQueuedAt: Date?
    }

    struct Snapshot: Sendable, Equatable {
        let jobs: [JobStatus]
        let backlog: Backlog
        let now: Date
    }

    static func snapshot(partnerID: UUID, jobs: [ScheduledJob] = ScheduledJob.all, now: Date, on db: any Database) async throws -> Snapshot {
        let records = try await JobStore.records(of: jobs, on: db)
        let statuses = jobs.map { job in
            let record = records[job.name]
            return JobStatus(name: job.name, title: job.title, lastStartedAt: record?.lastStartedAt, lastFinishedAt: record?.lastFinishedAt,
                             lastOutcome: record?.lastOutcome, lastFailure: record?.lastFailure, nextRunAt: record?.nextRunAt,
                             running: record?.isLeased(at: now) ?? false, consecutiveFailures: record?.consecutiveFailures ?? 0,
                             totalRuns: record?.totalRuns ?? 0, totalFailures: record?.totalFailures ?? 0,
                             lastDurationMS: record?.lastDurationMS, lastItems: record?.lastItems)
        }
        return Snapshot(jobs: statuses, backlog: try await backlog(partnerID: partnerID, on: db), now: now)
    }

    /// The partner's messages not sent yet, by status.
    static func backlog(partnerID: UUID, on db: any Database) async throws -> Backlog {
        func count(_ status: OutboundMessage.Status) async throws -> Int {
            try await OutboundMessage.query(on: db).filter(\.$partnerID == partnerID).filter(\.$status == status).count()
        }
        let oldest = try await OutboundMessage.query(on: db).filter(\.$partnerID == partnerID).filter(\.$status == .pending)
            .sort(\.$createdAt).first()
        return Backlog(queued: try await count(.pending), held: try await count(.held), failed: try await count(.failed),
                       oldestQueuedAt: oldest?.createdAt)
    }
}
