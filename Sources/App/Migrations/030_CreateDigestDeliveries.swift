import Fluent
import SQLKit

/// One row per digest sent: an operator and a period ("daily:2026-03-29",
/// "weekly:2026-W13"), unique together, so that two instances never send the same digest.
/// Outbound messages gain extra email headers (`List-Unsubscribe`), one per line.
struct CreateDigestDeliveries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DigestDelivery.schema)
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("period_key", .string, .required)
            .field("message_id", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "operator_id", "period_key", name: "digest_deliveries_operator_period_key")
            .create()
        try await database.schema(OutboundMessage.schema).field("headers", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OutboundMessage.schema).deleteField("headers").update()
        try await database.schema(DigestDelivery.schema).delete()
    }
}
