import Fluent
import SQLKit

/// The partner's uploaded logo, kept in the database so that every instance on one
/// PostgreSQL serves the same one (one row a partner, its bytes, type and digest), and the
/// days after which work becomes a task, per partner, starting at the constants used so far.
struct AddPartnerLogoAndTaskThresholds: AsyncMigration {
    private static let thresholdFields: [(String, Int)] = [
        ("task_stuck_in_setup_days", 14),
        ("task_inactive_days", 30),
        ("task_new_assignment_days", 7),
        ("task_pending_invite_days", 3),
        ("task_screening_notice_days", 7),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema("partner_logos")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("content_type", .string, .required)
            .field("contents", .data, .required)
            .field("digest", .string, .required)
            .field("byte_size", .int64, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "partner_id")
            .create()
        // One column a statement: SQLite adds only one at a time.
        for (field, days) in Self.thresholdFields {
            try await database.schema("partners")
                .field(FieldKey(stringLiteral: field), .int, .required, .sql(.default(SQLLiteral.numeric(String(days))))).update()
        }
    }

    func revert(on database: any Database) async throws {
        for (field, _) in Self.thresholdFields.reversed() {
            try await database.schema("partners").deleteField(FieldKey(stringLiteral: field)).update()
        }
        try await database.schema("partner_logos").delete()
    }
}
