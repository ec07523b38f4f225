import Fluent
import Foundation
import SQLKit

/// API tokens get a partner-set longest lifetime (`partners.max_token_days`), and audit
/// entries name the account or operator they are about as a typed id
/// (`subject_account_id`, `subject_operator_id`) so that the log can be filtered by the
/// reader's scope in SQL (`AuditVisibility`). Entries already written are backfilled from
/// their `target_type` and `target_id`. Tokens without an expiry get the default one.
struct AddTokenExpiryAndAuditSubjects: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = try database.sql
        try await database.schema(Partner.schema)
            .field("max_token_days", .int, .required, .sql(.default(365)))
            .update()
        try await database.schema(AuditEvent.schema).field("subject_account_id", .uuid).update()
        try await database.schema(AuditEvent.schema).field("subject_operator_id", .uuid).update()
        try await sql.create(index: "audit_events_subject_account_idx").on(AuditEvent.schema)
            .column("partner_id").column("subject_account_id").run()
        try await sql.create(index: "audit_events_subject_operator_idx").on(AuditEvent.schema)
            .column("partner_id").column("subject_operator_id").run()
        try await Self.backfill(sql)
        // Tokens made before expiry existed get the default lifetime from today.
        let expiry = Date().addingTimeInterval(TimeInterval(APITokens.defaultDays) * 86_400)
        try await sql.raw("UPDATE api_tokens SET expires_at = \(bind: expiry) WHERE expires_at IS NULL").run()
    }

    /// One UPDATE per distinct subject, through a temporary index on the text target, so the
    /// backfill reads the log once per subject instead of once per row. Ids are parsed in
    /// Swift: SQLite stores UUIDs as bytes, PostgreSQL as `uuid`, and no SQL cast reads both.
    static func backfill(_ sql: any SQLDatabase) async throws {
        try await sql.create(index: "audit_events_backfill_target_idx").on(AuditEvent.schema)
            .column("target_type").column("target_id").run()
        let subjects = try await sql.raw("""
            SELECT DISTINCT target_type, target_id FROM audit_events \
            WHERE target_type IN ('account', 'operator') AND target_id IS NOT NULL
            """).all()
        for row in subjects {
            let type = try row.decode(column: "target_type", as: String.self)
            let text = try row.decode(column: "target_id", as: String.self)
            guard let id = UUID(uuidString: text) else { continue }
            let column = type == "account" ? "subject_account_id" : "subject_operator_id"
            try await sql.raw("""
                UPDATE audit_events SET \(ident: column) = \(bind: id) WHERE target_type = \(bind: type) AND target_id = \(bind: text)
                """).run()
        }
        try await sql.drop(index: "audit_events_backfill_target_idx").run()
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql
        try await sql.drop(index: "audit_events_subject_operator_idx").run()
        try await sql.drop(index: "audit_events_subject_account_idx").run()
        for (table, column) in [(AuditEvent.schema, "subject_operator_id"), (AuditEvent.schema, "subject_account_id"), (Partner.schema, "max_token_days")] {
            try await sql.raw("ALTER TABLE \(ident: table) DROP COLUMN \(ident: column)").run()
        }
    }
}
