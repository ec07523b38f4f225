import Fluent
import SQLKit

/// A business's conversations with its customers, the messages in them, and the
/// announcements it sent to all of its customers (seed 001 §3.6, PRODUCT.md §5).
struct CreateAccountMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("account_conversations")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("customer_name", .string, .required)
            .field("customer_email", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_message_at", .datetime, .required)
            .field("unread", .bool, .required)
            .unique(on: "account_id", "customer_email")
            .create()
        let sql = try database.sql
        try await sql.create(index: "account_conversations_account_time_idx").on("account_conversations")
            .column("account_id").column("last_message_at").run()
        try await database.schema("account_messages")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("conversation_id", .uuid, .required, .references("account_conversations", "id", onDelete: .cascade))
            .field("direction", .string, .required)
            .field("channel", .string, .required)
            .field("body", .string, .required)
            .field("author_name", .string, .required)
            .field("operator_id", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "account_messages_conversation_time_idx").on("account_messages")
            .column("conversation_id").column("created_at").run()
        try await database.schema("account_announcements")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("author_name", .string, .required)
            .field("operator_id", .uuid)
            .field("recipients", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await sql.create(index: "account_announcements_account_time_idx").on("account_announcements")
            .column("account_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("account_announcements").delete()
        try await database.schema("account_messages").delete()
        try await database.schema("account_conversations").delete()
    }
}
