import Fluent
import SQLKit

/// Tags and internal notes on client accounts (seed 001 §3.1).
struct CreateAccountTagsAndNotes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("account_tags")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("tag", .string, .required)
            .unique(on: "account_id", "tag")
            .create()
        try await database.sql.create(index: "account_tags_partner_tag_idx").on("account_tags").column("partner_id").column("tag").run()
        try await database.schema("account_notes")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("author_id", .uuid)
            .field("author_name", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sql.create(index: "account_notes_account_idx").on("account_notes").column("account_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("account_notes").delete()
        try await database.schema("account_tags").delete()
    }
}
