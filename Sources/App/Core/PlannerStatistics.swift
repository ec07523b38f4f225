import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Keeps the query planner's statistics current. Without them SQLite cannot tell a selective
/// index from a useless one: on 100,000 accounts it sorted 45,000 rows for the first page of
/// active accounts (70 ms) where, with statistics, it walks the name index (1 ms).
/// PostgreSQL's autovacuum analyzes tables by itself; SQLite needs to be asked.
enum PlannerStatistics {
    /// After a bulk load: every table, in full.
    static func analyze(on db: any Database) async throws {
        try await db.sql.raw("ANALYZE").run()
    }

    /// The periodic check on SQLite: analyzes the tables that never were, or whose size has
    /// changed a lot since (`PRAGMA optimize`). Each table is read whole: a sample
    /// (`analysis_limit`) misjudged how many accounts a partner has and sent the first page
    /// through a sort of every active account.
    static func optimize(on db: any Database) async throws {
        let sql = try db.sql
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("PRAGMA optimize = 0x10002").run()
    }
}

/// On SQLite, runs `PlannerStatistics.optimize` once the server is up and then every hour.
final class PlannerStatisticsJob: LifecycleHandler, Sendable {
    static let interval: Duration = .seconds(3600)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ app: Application) async throws {
        let started = Task {
            while !Task.isCancelled {
                do {
                    try await PlannerStatistics.optimize(on: app.db)
                } catch {
                    app.logger.warning("updating the query planner's statistics failed; it is tried again in an hour", metadata: ["error": "\(error)"])
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
