import Fluent
import SQLKit
import Vapor

/// Deletes account history older than each partner's retention period (seed 001 §3.5: six
/// months by default). The `history-retention` job runs it daily; a delete of old rows is
/// the same however many times it runs, so a run repeated after a crash does no harm.
enum HistoryRetention {
    /// Deletes, per partner, the account history entries from before its retention period.
    /// Returns how many rows went.
    @discardableResult
    static func prune(now: Date = Date(), on db: any Database) async throws -> Int {
        var deleted = 0
        for partner in try await Partner.query(on: db).all() {
            let cutoff = now.addingTimeInterval(-TimeInterval(partner.historyRetentionDays) * 86_400)
            let rows = try await db.sql.delete(from: AuditEvent.schema)
                .where("partner_id", .equal, try partner.requireID())
                .where("target_type", .equal, "account")
                .where("at", .lessThan, cutoff)
                .returning("id")
                .all()
            deleted += rows.count
        }
        return deleted
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
        let deleted = try await HistoryRetention.prune(on: context.application.db)
        context.console.output("Deleted \(String(deleted)) history entries older than their partner's retention period.")
    }
}
