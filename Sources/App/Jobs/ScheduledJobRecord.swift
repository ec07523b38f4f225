import Fluent
import Foundation

/// A job's row in `scheduled_jobs`: its schedule, its lease, and how its runs went. Platform
/// wide and free of tenant data: a failure is kept as the error's kind, never its text.
final class ScheduledJobRecord: Model, @unchecked Sendable {
    static let schema = "scheduled_jobs"

    enum Outcome: String, Codable, Sendable { case ok, failed }

    @ID(custom: "name", generatedBy: .user) var id: String?
    @Field(key: "next_run_at") var nextRunAt: Date
    @OptionalField(key: "lease_owner") var leaseOwner: String?
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    @OptionalField(key: "last_started_at") var lastStartedAt: Date?
    @OptionalField(key: "last_finished_at") var lastFinishedAt: Date?
    @OptionalField(key: "last_outcome") var lastOutcome: Outcome?
    @OptionalField(key: "last_failure") var lastFailure: String?
    @Field(key: "consecutive_failures") var consecutiveFailures: Int
    @Field(key: "total_runs") var totalRuns: Int
    @Field(key: "total_failures") var totalFailures: Int
    @OptionalField(key: "last_duration_ms") var lastDurationMS: Int?
    @OptionalField(key: "last_items") var lastItems: Int?

    init() {}

    /// Whether an instance holds the job at `now` (it is running, or its runner died less
    /// than a lease ago).
    func isLeased(at now: Date) -> Bool { leaseUntil.map { $0 >= now } ?? false }
}
