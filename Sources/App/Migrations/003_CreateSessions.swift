import Fluent
import SQLKit

struct CreateSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sessions")
            .id()
            .field("token_digest", .string, .required)
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("ip", .string, .required)
            .field("user_agent", .string, .required)
            .unique(on: "token_digest")
            .create()
        try await database.schema("sign_in_attempts")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("email", .string, .required)
            .field("ip", .string, .required)
            .field("succeeded", .bool, .required)
            .field("at", .datetime, .required)
            .create()
        let sql = try database.sql
        try await sql.create(index: "sessions_operator_idx").on("sessions").column("operator_id").run()
        try await sql.create(index: "sign_in_attempts_email_idx").on("sign_in_attempts").column("partner_id").column("email").column("at").run()
        try await sql.create(index: "sign_in_attempts_ip_idx").on("sign_in_attempts").column("ip").column("at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sign_in_attempts").delete()
        try await database.schema("sessions").delete()
    }
}
