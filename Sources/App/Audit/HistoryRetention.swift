import Fluent
import SQLKit
import Vapor

/// Deletes account history older than each partner's retention period (seed 001 §3.5: six
/// months by default). The `history-retention` job runs it daily; a delete of old rows is
/// the same however many times it runs, so a run repeated after a crash does no harm.
///
/// An entry already in its partner's audit chain leaves a tombstone (`AuditChain`): its place,
/// id, time, target type, content digest and hashes, none of what it said. So the chain still
/// verifies across it, and shows that what went was account history past its period.
enum HistoryRetention {
    /// Entries deleted per transaction.
    static let batchSize = 1000

    /// Seals what is not yet in a chain (with `signer`), then deletes, per partner, the
    /// account history entries from before its retention period. Returns how many rows went.
    @discardableResult
    static func prune(now: Date = Date(), signer: AuditChain.Signer?, on db: any Database) async throws -> Int {
        if let signer { try await AuditChain.sealAll(signer: signer, now: now, on: db) }
        var deleted = 0
        for partner in try await Partner.query(on: db).all() {
            let cutoff = now.addingTimeInterval(-TimeInterval(partner.historyRetentionDays) * 86_400)
            while true {
                let count = try await pruneBatch(partnerID: try partner.requireID(), before: cutoff, on: db)
                deleted += count
                if count < batchSize { break }
            }
        }
        return deleted
    }

    private static func pruneBatch(partnerID: UUID, before cutoff: Date, on db: any Database) async throws -> Int {
        try await AuditChain.writes.run { try await db.transaction { tx in
            let sql = try tx.sql
            // Deleting first takes SQLite's write lock before anything is read, so that two
            // runs at once wait for each other; the second finds nothing left.
            let rows = try await sql.raw("""
                DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events \
                WHERE partner_id = \(bind: partnerID) AND target_type = 'account' AND at < \(bind: cutoff) LIMIT \(literal: batchSize)) \
                RETURNING \(unsafeRaw: AuditChain.entryColumns)
                """).all().map(AuditChain.decodeEntry)
            guard !rows.isEmpty else { return 0 }
            let sealed = rows.filter { $0.seq != nil && $0.hash != nil && $0.prevHash != nil }
            if !sealed.isEmpty {
                let insert = sql.insert(into: AuditChain.tombstones)
                    .columns("partner_id", "seq", "id", "at", "target_type", "content_digest", "prev_hash", "hash")
                for entry in sealed {
                    insert.values(SQLBind(entry.partnerID), SQLBind(entry.seq), SQLBind(entry.id), SQLBind(entry.at), SQLBind(entry.targetType),
                                  SQLBind(AuditChain.contentDigest(entry)), SQLBind(entry.prevHash), SQLBind(entry.hash))
                }
                try await insert.run()
            }
            return rows.count
        } }
    }
}

/// `portal history prune`: the retention job, now.
struct HistoryCommands: AsyncCommandGroup {
    let help = "Account history."
    let commands: [String: any AnyAsyncCommand] = ["prune": PruneHistoryCommand()]
}

struct PruneHistoryCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    let help = "Delete account history older than each partner's retention period."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let deleted = try await HistoryRetention.prune(signer: try AuditChain.Signer(app.secrets()), on: app.db)
        context.console.output("Deleted \(String(deleted)) history entries older than their partner's retention period.")
    }
}
