import Fluent
import Foundation
import Prometheus
import SQLKit

/// The database connections, as far as they can be seen. The PostgreSQL pool (AsyncKit's
/// `EventLoopConnectionPool`) keeps its counts of open, idle and waiting connections private,
/// so they are measured from outside it: the pool's size from the configuration; this
/// instance's open connections as the server lists them in `pg_stat_activity` (they carry the
/// instance's own `application_name`); and how long this scrape waited to get a connection.
/// Requests that gave up waiting are counted as they fail (`PortalMetrics.noteFailure`).
/// SQLite has no pool worth the name; its write-ahead log's size is what grows under load.
struct DatabaseReadings: Sendable, Equatable {
    struct Pool: Sendable, Equatable {
        var maxConnections: Int
        /// This instance's connections running a statement or inside a transaction.
        var inUse: Int
        /// This instance's connections open and doing nothing, the one this scrape holds among them.
        var idle: Int
        var acquireSeconds: Double
    }

    var pool: Pool?
    var sqliteWALBytes: Int?

    static func read(_ storage: AppConfig.Storage, maxConnections: Int, applicationName: String, on db: any Database) async throws -> DatabaseReadings {
        switch storage {
        case .postgres:
            return DatabaseReadings(pool: try await postgresPool(maxConnections: maxConnections, applicationName: applicationName, on: db))
        case .sqliteFile(let path):
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "-wal")
            // No file yet, or none since the last checkpoint removed it: an empty log.
            return DatabaseReadings(sqliteWALBytes: (attributes?[.size] as? NSNumber)?.intValue ?? 0)
        case .sqliteMemory:
            return DatabaseReadings()
        }
    }

    private static func postgresPool(maxConnections: Int, applicationName: String, on db: any Database) async throws -> Pool {
        let asked = ContinuousClock.now
        return try await db.withConnection { connection in
            let waited = ContinuousClock.now - asked
            let rows = try await connection.sql.raw("""
                SELECT CASE WHEN pid = pg_backend_pid() OR state = 'idle' THEN 'idle' ELSE 'in_use' END AS use, COUNT(*) AS n
                FROM pg_stat_activity WHERE application_name = \(bind: applicationName) GROUP BY 1
                """).all()
            var pool = Pool(maxConnections: maxConnections, inUse: 0, idle: 0, acquireSeconds: waited.seconds)
            for row in rows {
                let n = try row.decode(column: "n", as: Int.self)
                if try row.decode(column: "use", as: String.self) == "idle" { pool.idle += n } else { pool.inUse += n }
            }
            return pool
        }
    }

    static var poolMax: MetricNameDescriptor { .portal("db_pool_max_connections", "PostgreSQL connections this instance may open: DATABASE_MAX_CONNECTIONS for each event loop.") }
    static var connections: MetricNameDescriptor { .portal("db_connections", "This instance's open PostgreSQL connections as pg_stat_activity lists them: in_use (running a statement or in a transaction) or idle.") }
    static var acquire: MetricNameDescriptor { .portal("db_pool_acquire", unit: "seconds", "How long this scrape waited for a PostgreSQL connection from the pool of its event loop.") }
    static var walSize: MetricNameDescriptor { .portal("sqlite_wal", unit: "bytes", "Size of the SQLite write-ahead log file.") }

    func write(into registry: PrometheusCollectorRegistry) {
        if let pool {
            registry.makeGauge(descriptor: Self.poolMax).set(Double(pool.maxConnections))
            registry.makeGauge(descriptor: Self.connections, labels: [("state", "in_use")]).set(Double(pool.inUse))
            registry.makeGauge(descriptor: Self.connections, labels: [("state", "idle")]).set(Double(pool.idle))
            registry.makeGauge(descriptor: Self.acquire).set(pool.acquireSeconds)
        }
        if let sqliteWALBytes { registry.makeGauge(descriptor: Self.walSize).set(Double(sqliteWALBytes)) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
