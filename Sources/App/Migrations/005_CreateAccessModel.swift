import Fluent
import SQLKit

struct CreateAccessModel: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("groups")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("parent_id", .uuid, .references("groups", "id"))
            .field("name", .string, .required)
            .field("path", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await database.schema("accounts")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("business_uid", .string, .required)
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("group_id", .uuid, .references("groups", "id"))
            .field("secure", .bool, .required)
            .field("locked", .bool, .required)
            .field("setup_completed", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "business_uid")
            .create()
        try await database.schema("account_assignments")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .unique(on: "account_id", "operator_id")
            .create()
        try await database.schema("roles")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("permissions", .string, .required)
            .field("secure_clearance", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "partner_id", "name")
            .create()
        let sql = try database.sql
        try await sql.create(index: "groups_partner_path_idx").on("groups").column("partner_id").column("path").run()
        try await sql.create(index: "accounts_partner_name_idx").on("accounts").column("partner_id").column("name").column("id").run()
        try await sql.create(index: "accounts_group_idx").on("accounts").column("group_id").run()
        try await sql.create(index: "account_assignments_operator_idx").on("account_assignments").column("operator_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("roles").delete()
        try await database.schema("account_assignments").delete()
        try await database.schema("accounts").delete()
        try await database.schema("groups").delete()
    }
}
