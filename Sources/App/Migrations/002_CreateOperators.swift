import Fluent
import SQLKit

struct CreateOperators: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("operators")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("phone", .string)
            .field("status", .string, .required)
            .field("password_hash", .string)
            .field("time_zone", .string, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "partner_id", "email")
            .create()
        try await database.schema("grants")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("scope", .string, .required)
            .field("scope_id", .uuid)
            .field("created_at", .datetime)
            .create()
        try await database.sql.create(index: "grants_operator_idx").on("grants").column("operator_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("grants").delete()
        try await database.schema("operators").delete()
    }
}
