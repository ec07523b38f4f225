import Fluent
import SQLKit

struct CreateAuditEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("action", .string, .required)
            .field("target_type", .string, .required)
            .field("target_id", .string)
            .field("target_label", .string, .required)
            .field("details", .string, .required)
            .field("ip", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.sql.create(index: "audit_events_partner_at_idx").on("audit_events").column("partner_id").column("at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_events").delete()
    }
}
