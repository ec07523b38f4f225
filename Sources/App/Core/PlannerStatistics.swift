import Fluent
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

    /// The periodic check on SQLite, run hourly by the `planner-statistics` job: analyzes the
    /// tables that never were, or whose size has changed a lot since (`PRAGMA optimize`). Each
    /// table is read whole: a sample (`analysis_limit`) misjudged how many accounts a partner
    /// has and sent the first page through a sort of every active account. Analyzing again
    /// only refreshes the same statistics, so a repeated run does no harm.
    static func optimize(on db: any Database) async throws {
        let sql = try db.sql
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("PRAGMA optimize = 0x10002").run()
    }
}
