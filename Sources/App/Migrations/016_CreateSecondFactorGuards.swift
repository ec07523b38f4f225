import Fluent
import SQLKit

/// One row per operator that counts wrong second-factor codes across pending sign-ins, holds
/// the lock that follows too many of them, and counts text messages sent within the hour.
struct CreateSecondFactorGuards: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("second_factor_guards")
            .id()
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("consecutive_failures", .int, .required)
            .field("locks", .int, .required)
            .field("locked_until", .datetime)
            .field("sms_window_started_at", .datetime)
            .field("sms_sent_in_window", .int, .required)
            .unique(on: "operator_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("second_factor_guards").delete()
    }
}
