import Fluent
import SQLKit

/// Everything an account page shows beyond its own row: the partner's plan catalogue and
/// onboarding steps, the account's users (owner and staff) with their tokens and sessions,
/// locations, and activity (bookings, payments, onboarding steps done, sites).
struct CreateAccountWorkspaceRecords: AsyncMigration {
    private static let addedAccountFields: [(String, DatabaseSchema.DataType)] = [
        ("address", .string),
        ("brand_color", .string),
        ("logo_url", .string),
        ("onboarding_steps", .string),
        ("template_source_id", .uuid),
    ]

    func prepare(on database: any Database) async throws {
        for (field, type) in Self.addedAccountFields {
            try await database.schema(Account.schema).field(FieldKey(stringLiteral: field), type).update()
        }
        let sql = try database.sql
        try await sql.create(index: "accounts_partner_activity_idx").on(Account.schema).column("partner_id").column("last_activity_at").column("id").run()
        try await sql.create(index: "accounts_partner_plan_idx").on(Account.schema).column("partner_id").column("plan").run()

        try await database.schema("partner_plans")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("staff_slots", .int, .required)
            .field("position", .int, .required)
            .unique(on: "partner_id", "name")
            .create()
        try await database.schema("partner_onboarding_steps")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("title", .string, .required)
            .field("position", .int, .required)
            .unique(on: "partner_id", "code")
            .create()

        try await database.schema("account_users")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("status", .string, .required)
            .field("password_hash", .string)
            .field("must_change_password", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "account_id", "email")
            .create()
        try await database.schema("account_user_tokens")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_user_id", .uuid, .required, .references("account_users", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("token_digest", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_digest")
            .create()
        try await database.schema("account_user_sessions")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("account_user_id", .uuid, .required, .references("account_users", "id", onDelete: .cascade))
            .field("token_digest", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_digest")
            .create()
        try await sql.create(index: "account_user_sessions_account_idx").on("account_user_sessions").column("account_id").run()

        try await database.schema("account_locations")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("address", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await sql.create(index: "account_locations_account_idx").on("account_locations").column("account_id").run()

        for table in ["account_bookings", "account_payments"] {
            var builder = database.schema(table)
                .id()
                .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
                .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
                .field("external_id", .string, .required)
                .field("occurred_at", .datetime, .required)
            if table == "account_payments" {
                builder = builder.field("amount_minor", .int64, .required).field("currency", .string, .required)
            }
            try await builder.unique(on: "account_id", "external_id").create()
            try await sql.create(index: "\(table)_account_time_idx").on(table).column("account_id").column("occurred_at").run()
        }
        try await database.schema("account_onboarding")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("step", .string, .required)
            .field("completed_at", .datetime, .required)
            .unique(on: "account_id", "step")
            .create()
        try await database.schema("account_sites")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("host", .string, .required)
            .field("first_seen_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "account_id", "host")
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["account_sites", "account_onboarding", "account_payments", "account_bookings", "account_locations",
                      "account_user_sessions", "account_user_tokens", "account_users", "partner_onboarding_steps", "partner_plans"] {
            try await database.schema(table).delete()
        }
        try await database.sql.drop(index: "accounts_partner_plan_idx").run()
        try await database.sql.drop(index: "accounts_partner_activity_idx").run()
        for (field, _) in Self.addedAccountFields.reversed() {
            try await database.schema(Account.schema).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
