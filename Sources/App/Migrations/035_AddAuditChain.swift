import Fluent
import SQLKit

/// The audit log's chain of hashes (`AuditChain`): each entry's place in its partner's chain
/// (`seq`, from 1), the hash of the entry before it and its own; each partner's signed head;
/// and what retention pruning keeps of the entries it deletes, so that the chain still
/// verifies across them. Entries written before this migration are sealed by the
/// `audit-seal` job, oldest first, like any new entry.
struct AddAuditChain: AsyncMigration {
    func prepare(on database: any Database) async throws {
        for (name, type) in [("seq", DatabaseSchema.DataType.int64), ("prev_hash", .string), ("hash", .string)] {
            try await database.schema(AuditEvent.schema).field(FieldKey(stringLiteral: name), type).update()
        }
        let sql = try database.sql
        try await sql.raw("CREATE UNIQUE INDEX audit_events_chain_idx ON audit_events (partner_id, seq)").run()
        try await sql.raw("CREATE INDEX audit_events_unsealed_idx ON audit_events (partner_id, at, id) WHERE seq IS NULL").run()
        try await database.schema(AuditChain.heads)
            .field("partner_id", .uuid, .identifier(auto: false), .references("partners", "id", onDelete: .cascade))
            .field("seq", .int64, .required)
            .field("hash", .string, .required)
            .field("signature", .string)
            .field("sealed_at", .datetime)
            .field("verified_at", .datetime)
            .field("verified_seq", .int64)
            .field("verified_through", .datetime)
            .field("verify_problem", .string)
            .create()
        try await database.schema(AuditChain.tombstones)
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("seq", .int64, .required)
            .field("id", .uuid, .required)
            .field("at", .datetime, .required)
            .field("target_type", .string, .required)
            .field("content_digest", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .compositeIdentifier(over: "partner_id", "seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AuditChain.tombstones).delete()
        try await database.schema(AuditChain.heads).delete()
        let sql = try database.sql
        try await sql.raw("DROP INDEX IF EXISTS audit_events_unsealed_idx").run()
        try await sql.raw("DROP INDEX IF EXISTS audit_events_chain_idx").run()
        for name in ["hash", "prev_hash", "seq"] {
            try await database.schema(AuditEvent.schema).deleteField(FieldKey(stringLiteral: name)).update()
        }
    }
}
