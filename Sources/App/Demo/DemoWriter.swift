import Fluent
import Foundation
import SQLKit

/// Writes a bulk load's batches, each in a transaction of its own.
///
/// On SQLite the file may be shared with a portal that is serving it, and SQLite has one
/// writer at a time: a long transaction makes the portal's own writes (sign-ins, the job
/// runner's leases) wait, and the write-ahead log grows for as long as a checkpoint cannot
/// copy it back into the database. So on SQLite each transaction holds a few thousand rows,
/// the log is checkpointed every few batches (never waiting for the portal's readers) and kept
/// to `journalSizeLimit` once reset, and the writer pauses between batches so that a waiting
/// writer gets its turn.
struct DemoWriter {
    let db: any Database
    let isSQLite: Bool
    /// Accounts per transaction, each with about eight rows in other tables.
    let accountsPerBatch: Int
    /// The file's page size: the log's frames are pages.
    let pageSize: Int
    private var batchesSinceCheckpoint = 0

    /// Accounts per transaction on SQLite: about 4,000 rows.
    static let sqliteAccountsPerBatch = 500
    /// Accounts per transaction on PostgreSQL, which lets readers and other writers through meanwhile.
    static let postgresAccountsPerBatch = 5000
    /// Batches between two checkpoints on SQLite.
    static let checkpointEvery = 4
    /// The size the write-ahead log is cut back to after a checkpoint resets it.
    static let journalSizeLimit = 64 * 1024 * 1024
    /// The pause between two batches on SQLite.
    static let pause: Duration = .milliseconds(2)

    private init(db: any Database, isSQLite: Bool, pageSize: Int) {
        self.db = db
        self.isSQLite = isSQLite
        self.pageSize = pageSize
        self.accountsPerBatch = isSQLite ? Self.sqliteAccountsPerBatch : Self.postgresAccountsPerBatch
    }

    /// Sets up the connection: on SQLite the settings a serving portal uses (WAL is a property
    /// of the file; the others belong to each connection) and the log's size limit.
    static func start(on db: any Database) async throws -> DemoWriter {
        let sql = try db.sql
        let isSQLite = sql.dialect.name == "sqlite"
        if isSQLite {
            try await sql.raw("PRAGMA busy_timeout = 5000").run()
            try await sql.raw("PRAGMA synchronous = NORMAL").run()
            try await sql.raw("PRAGMA journal_size_limit = \(unsafeRaw: String(journalSizeLimit))").run()
        }
        let pageSize = isSQLite ? (try await sql.raw("PRAGMA page_size").first()?.decode(column: "page_size", as: Int.self) ?? 4096) : 0
        return DemoWriter(db: db, isSQLite: isSQLite, pageSize: pageSize)
    }

    mutating func write(_ tables: [DemoSeeder.Table]) async throws {
        try await db.writeTransaction { [isSQLite] db in
            let sql = try db.sql
            if isSQLite {
                // Rows may come before the rows they refer to; the references are checked at the commit.
                try await sql.raw("PRAGMA defer_foreign_keys = ON").run()
            }
            for table in tables where !table.rows.isEmpty {
                try await BulkInsert(sql: sql, table: table.name, columns: table.columns).run(count: table.rows.count) { table.rows[$0] }
            }
        }
        guard isSQLite else { return }
        batchesSinceCheckpoint += 1
        if batchesSinceCheckpoint >= Self.checkpointEvery {
            batchesSinceCheckpoint = 0
            // PASSIVE copies what no reader still needs and never waits; once all of it is
            // copied, the next transaction starts the log from the beginning again. A portal
            // that keeps reading can keep it from ever being all copied, and the log then grows
            // without end (932 MiB during a 100,000-account seed under two readers): past
            // `journalSizeLimit`, RESTART waits (up to the busy timeout) for the readers of the
            // old part to finish, which takes them milliseconds, so that the log starts again.
            let passive = try await db.sql.raw("PRAGMA wal_checkpoint(PASSIVE)").first()
            let frames = (try? passive?.decode(column: "log", as: Int.self)) ?? 0
            if frames * pageSize > Self.journalSizeLimit {
                try await db.sql.raw("PRAGMA wal_checkpoint(RESTART)").run()
            }
        }
        try await Task.sleep(for: Self.pause)
    }

    /// Leaves the log empty: waits (up to the busy timeout) for readers to move on, then copies
    /// and truncates it. A portal that keeps reading may leave it to its own checkpoints.
    func finish() async throws {
        guard isSQLite else { return }
        try await db.sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
    }
}
