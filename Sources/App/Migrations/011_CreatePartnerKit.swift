import Fluent
import SQLKit

/// The partner kit: materials (links and files) and, in a table of their own, the bytes of
/// uploaded files, so that listing materials never reads them and every instance on one
/// database serves the same files.
struct CreatePartnerKit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("partner_kit_items")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("kind", .string, .required)
            .field("url", .string)
            .field("file_name", .string)
            .field("content_type", .string)
            .field("byte_size", .int64)
            .field("created_at", .datetime, .required)
            .field("created_by", .string, .required)
            .create()
        try await database.schema("partner_kit_files")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("contents", .data, .required)
            .foreignKey("id", references: "partner_kit_items", "id", onDelete: .cascade)
            .create()
        // Newest first within a partner, and the keyset that pages through them.
        try await database.sql.create(index: "partner_kit_items_partner_created_idx").on("partner_kit_items")
            .column("partner_id").column("created_at").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("partner_kit_files").delete()
        try await database.schema("partner_kit_items").delete()
    }
}
