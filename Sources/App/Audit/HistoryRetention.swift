import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Deletes account history older than each partner's retention period (seed 001 §3.5: six
/// months by default). Every serving instance runs it daily; a delete of old rows is the
/// same however many instances run it, and at the same time, so no lock is needed.
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

/// Runs `HistoryRetention.prune` shortly after start and then once a day.
final class HistoryRetentionJob: LifecycleHandler, Sendable {
    static let interval: Duration = .seconds(24 * 3600)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ app: Application) async throws {
        let started = Task {
            // A little after start, so that booting instances do not all delete at once.
            try? await Task.sleep(for: .seconds(Int.random(in: 30...300)))
            while !Task.isCancelled {
                do {
                    let deleted = try await HistoryRetention.prune(on: app.db)
                    app.logger.info("history retention ran", metadata: ["deleted": "\(deleted)"])
                } catch {
                    app.logger.warning("history retention failed; it runs again tomorrow", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
        task.withLockedValue { $0 = started }
    }

    func shutdownAsync(_ app: Application) async {
        task.withLockedValue { $0?.cancel() }
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
