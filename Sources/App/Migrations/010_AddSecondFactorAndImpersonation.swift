import Fluent
import SQLKit

/// Second factors (the operator's method, TOTP secret, recovery codes, pending sign-ins) and
/// logging in as another operator (on sessions and API tokens, and in the audit log).
struct AddSecondFactorAndImpersonation: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite alters a table one change at a time.
        for (table, field, type) in Self.addedFields {
            try await database.schema(table).field(FieldKey(stringLiteral: field), type).update()
        }
        try await database.schema("recovery_codes")
            .id()
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("code_digest", .string, .required)
            .field("used_at", .datetime)
            .create()
        try await database.schema("sign_in_challenges")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("token_digest", .string, .required)
            .field("purpose", .string, .required)
            .field("method", .string)
            .field("code_digest", .string)
            .field("code_expires_at", .datetime)
            .field("codes_sent", .int, .required)
            .field("pending_secret", .string)
            .field("pending_phone", .string)
            .field("failures", .int, .required)
            .field("next", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_digest")
            .create()
        try await database.sql.create(index: "recovery_codes_operator_idx").on("recovery_codes").column("operator_id").run()
    }

    /// Columns added to existing tables. The impersonator columns hold no foreign key, so that
    /// SQLite can drop them again; ending sessions and tokens of a removed operator is done
    /// by `SessionStore.endAll` and `APITokens.revokeAll`.
    private static let addedFields: [(String, String, DatabaseSchema.DataType)] = [
        ("operators", "second_factor", .string),
        ("operators", "totp_secret", .string),
        ("operators", "totp_last_step", .int64),
        ("operators", "phone_verified_at", .datetime),
        ("sessions", "impersonator_id", .uuid),
        ("sessions", "impersonation_started_at", .datetime),
        ("sessions", "impersonation_expires_at", .datetime),
        ("sessions", "impersonation_reason", .string),
        ("api_tokens", "impersonator_id", .uuid),
        ("audit_events", "impersonator_id", .uuid),
        ("audit_events", "impersonator_name", .string),
    ]

    func revert(on database: any Database) async throws {
        for (table, field, _) in Self.addedFields.reversed() {
            try await database.schema(table).deleteField(FieldKey(stringLiteral: field)).update()
        }
        try await database.schema("sign_in_challenges").delete()
        try await database.schema("recovery_codes").delete()
    }
}
