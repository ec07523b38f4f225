import Fluent
import SQLKit

/// The periodic jobs, one row each, shared by every instance: when each runs next, which
/// instance holds it now and until when (its lease), and how its last runs went. Rows are
/// added by the runner when it starts, not here: the list of jobs is in the code.
struct CreateScheduledJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("scheduled_jobs")
            .field("name", .string, .identifier(auto: false))
            .field("next_run_at", .datetime, .required)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("last_started_at", .datetime)
            .field("last_finished_at", .datetime)
            .field("last_outcome", .string)
            .field("last_failure", .string)
            .field("consecutive_failures", .int, .required, .sql(.default(0)))
            .field("total_runs", .int, .required, .sql(.default(0)))
            .field("total_failures", .int, .required, .sql(.default(0)))
            .field("last_duration_ms", .int)
            .field("last_items", .int)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("scheduled_jobs").delete()
    }
}
