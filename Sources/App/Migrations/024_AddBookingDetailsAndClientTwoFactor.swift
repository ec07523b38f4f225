import Fluent
import SQLKit

/// What the workspace shows of a booking (service, client, status, note) and a payment
/// (method, status), and authenticator apps for owners and staff: their key, recovery codes,
/// pending second steps, the guard that counts wrong codes, and the partner's rule that
/// makes them use one.
///
/// Rows recorded before this came from integrations, which only report what happened: a
/// booking is taken as confirmed and a payment as paid.
struct AddBookingDetailsAndClientTwoFactor: AsyncMigration {
    private static let addedFields: [(String, String, DatabaseSchema.DataType, SQLExpression?)] = [
        ("account_bookings", "service", .string, SQLLiteral.string("")),
        ("account_bookings", "client_name", .string, SQLLiteral.string("")),
        ("account_bookings", "client_email", .string, SQLLiteral.string("")),
        ("account_bookings", "status", .string, SQLLiteral.string("confirmed")),
        ("account_bookings", "note", .string, nil),
        ("account_payments", "method", .string, SQLLiteral.string("other")),
        ("account_payments", "status", .string, SQLLiteral.string("paid")),
        ("partners", "client_second_factor_required", .bool, SQLLiteral.boolean(false)),
        ("account_users", "totp_secret", .string, nil),
        ("account_users", "totp_last_step", .int64, nil),
        ("account_users", "totp_enabled_at", .datetime, nil),
    ]

    func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds only one at a time.
        for (table, field, type, fallback) in Self.addedFields {
            if let fallback {
                try await database.schema(table).field(FieldKey(stringLiteral: field), type, .required, .sql(.default(fallback))).update()
            } else {
                try await database.schema(table).field(FieldKey(stringLiteral: field), type).update()
            }
        }
        try await database.schema("account_user_recovery_codes")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_user_id", .uuid, .required, .references("account_users", "id", onDelete: .cascade))
            .field("code_digest", .string, .required)
            .field("used_at", .datetime)
            .create()
        try await database.schema("account_user_challenges")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_user_id", .uuid, .required, .references("account_users", "id", onDelete: .cascade))
            .field("token_digest", .string, .required)
            .field("purpose", .string, .required)
            .field("pending_secret", .string)
            .field("failures", .int, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_digest")
            .create()
        try await database.schema("account_user_factor_guards")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_user_id", .uuid, .required, .references("account_users", "id", onDelete: .cascade))
            .field("consecutive_failures", .int, .required)
            .field("locks", .int, .required)
            .field("locked_until", .datetime)
            .unique(on: "account_user_id")
            .create()
        let sql = try database.sql
        try await sql.create(index: "account_user_recovery_codes_user_idx").on("account_user_recovery_codes").column("account_user_id").run()
        try await sql.create(index: "account_user_challenges_user_idx").on("account_user_challenges").column("account_user_id").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["account_user_factor_guards", "account_user_challenges", "account_user_recovery_codes"] {
            try await database.schema(table).delete()
        }
        for (table, field, _, _) in Self.addedFields.reversed() {
            try await database.schema(table).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
