import Fluent
import SQLKit

/// Operators logging in to a client account as its owner or a staff member: each login-as
/// (the support access the owner sees), the session it opens, the single-use links the API
/// hands out, the owner's grants of access, and the partner's policies for them.
struct CreateClientLoginAs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("account_support_access")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            // No foreign key: the record of a visit outlives the staff member it was made as
            // (their name and role are kept here).
            .field("account_user_id", .uuid, .required)
            .field("operator_id", .uuid, .required)
            .field("operator_name", .string, .required)
            .field("user_name", .string, .required)
            .field("user_role", .string, .required)
            .field("reason", .string)
            .field("via", .string, .required)
            .field("started_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("ended_at", .datetime)
            .field("end_reason", .string)
            .create()
        let sql = try database.sql
        try await sql.create(index: "account_support_access_account_idx").on("account_support_access").column("account_id").column("started_at").run()
        try await sql.create(index: "account_support_access_operator_idx").on("account_support_access").column("operator_id").column("ended_at").run()
        // The minute's sweep of visits whose time is up: open ones (ended_at null) by their end.
        try await sql.create(index: "account_support_access_open_idx").on("account_support_access").column("ended_at").column("ends_at").run()

        try await database.schema("account_user_sessions").field("support_access_id", .uuid).update()

        try await database.schema("account_login_links")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("account_user_id", .uuid, .required, .references("account_users", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required)
            .field("reason", .string)
            .field("token_digest", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_digest")
            .create()

        try await database.schema("account_access_grants")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("granted_by_name", .string, .required)
            .field("granted_at", .datetime, .required)
            .field("expires_at", .datetime)
            .field("revoked_at", .datetime)
            .field("revoked_by_name", .string)
            .create()
        try await sql.create(index: "account_access_grants_account_idx").on("account_access_grants").column("account_id").run()

        // One column a statement: SQLite adds only one at a time.
        try await database.schema("partners").field("login_as_consent_required", .bool, .required, .sql(.default(false))).update()
        try await database.schema("partners").field("login_as_owner_notice", .string, .required, .sql(.default("always"))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("partners").deleteField("login_as_owner_notice").update()
        try await database.schema("partners").deleteField("login_as_consent_required").update()
        try await database.schema("account_access_grants").delete()
        try await database.schema("account_login_links").delete()
        try await database.schema("account_user_sessions").deleteField("support_access_id").update()
        try await database.schema("account_support_access").delete()
    }
}
