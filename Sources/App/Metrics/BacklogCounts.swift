import Fluent
import Foundation
import Prometheus
import SQLKit

/// What is waiting and what is running, counted at each scrape: the outbox by channel, the
/// scheduled jobs, the bulk changes, and the sessions in use. Installation wide on purpose:
/// these are counts across every partner, for whoever runs the installation, and name no
/// partner and hold nothing of one. Each is one cheap COUNT (the outbox and bulk counts read
/// their status indexes; the job table has a row per job; sessions are pruned by `session-cleanup`).
struct BacklogCounts: Sendable, Equatable {
    struct Outbox: Sendable, Equatable {
        var pending = 0
        var failed = 0
    }

    var outbox: [OutboundMessage.Channel: Outbox] = [:]
    /// Due and held by no instance.
    var jobsDue = 0
    /// Held by an instance now (`ScheduledJobRecord.isLeased`).
    var jobsRunning = 0
    var bulkQueued = 0
    var bulkRunning = 0
    /// Operator sessions a request would still accept: before their absolute end, and used
    /// within their partner's idle timeout.
    var operatorSessions = 0
    /// Owners' and staff's sessions a request would still accept (`WorkspaceSessions`).
    var workspaceSessions = 0

    static func query(now: Date, on db: any Database) async throws -> BacklogCounts {
        let sql = try db.sql
        var counts = BacklogCounts()
        let pending = OutboundMessage.Status.pending.rawValue, failed = OutboundMessage.Status.failed.rawValue
        for row in try await sql.raw("""
            SELECT channel, status, COUNT(*) AS n FROM outbound_messages
            WHERE status IN (\(bind: pending), \(bind: failed)) GROUP BY channel, status
            """).all() {
            guard let channel = OutboundMessage.Channel(rawValue: try row.decode(column: "channel", as: String.self)) else { continue }
            let n = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "status", as: String.self) == pending { counts.outbox[channel, default: .init()].pending += n }
            else { counts.outbox[channel, default: .init()].failed += n }
        }
        counts.jobsDue = try await count(sql, """
            SELECT COUNT(*) AS n FROM scheduled_jobs
            WHERE next_run_at <= \(bind: now) AND (lease_until IS NULL OR lease_until < \(bind: now))
            """)
        counts.jobsRunning = try await count(sql, "SELECT COUNT(*) AS n FROM scheduled_jobs WHERE lease_until >= \(bind: now)")
        for row in try await sql.raw("""
            SELECT state, COUNT(*) AS n FROM bulk_operations
            WHERE state IN (\(bind: BulkOperation.State.queued.rawValue), \(bind: BulkOperation.State.running.rawValue)) GROUP BY state
            """).all() {
            let n = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "state", as: String.self) == BulkOperation.State.queued.rawValue { counts.bulkQueued = n } else { counts.bulkRunning = n }
        }
        counts.operatorSessions = try await operatorSessions(sql, now: now)
        let idleSince = now.addingTimeInterval(-WorkspaceSessions.idleLimit)
        counts.workspaceSessions = try await count(sql, """
            SELECT COUNT(*) AS n FROM account_user_sessions
            WHERE expires_at > \(bind: now) AND COALESCE(last_seen_at, created_at) >= \(bind: idleSince)
            """)
        return counts
    }

    /// Each partner sets its own idle timeout, and date arithmetic differs between SQLite and
    /// PostgreSQL: so the cut-off is computed here, once for each timeout in use (a handful),
    /// and the count is a single query.
    private static func operatorSessions(_ sql: any SQLDatabase, now: Date) async throws -> Int {
        let timeouts = try await sql.raw("SELECT DISTINCT idle_timeout_minutes AS idle FROM partners").all()
            .map { try $0.decode(column: "idle", as: Int.self) }
        guard !timeouts.isEmpty else { return 0 }
        let recentEnough = timeouts.map { minutes -> SQLQueryString in
            "(p.idle_timeout_minutes = \(bind: minutes) AND s.last_seen_at > \(bind: now.addingTimeInterval(-TimeInterval(minutes * 60))))"
        }.joined(separator: " OR ")
        return try await count(sql, """
            SELECT COUNT(*) AS n FROM sessions s JOIN partners p ON p.id = s.partner_id
            WHERE s.expires_at > \(bind: now) AND (\(recentEnough))
            """)
    }

    private static func count(_ sql: any SQLDatabase, _ query: SQLQueryString) async throws -> Int {
        try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    static var outboxMessages: MetricNameDescriptor { .portal("outbox_messages", "Messages in the outbox of every partner not sent: pending (waiting for an attempt) or failed (given up), by channel.") }
    static var scheduledJobs: MetricNameDescriptor { .portal("scheduled_jobs", "Background jobs due and held by no instance (due), or held by an instance now (running).") }
    static var bulkOperations: MetricNameDescriptor { .portal("bulk_operations", "Bulk changes of every partner waiting to start (queued) or under way (running).") }
    static var activeSessions: MetricNameDescriptor { .portal("active_sessions", "Sessions a request would still accept, of operators and of client workspace users (owners and staff).") }

    func write(into registry: PrometheusCollectorRegistry) {
        for channel in OutboundMessage.Channel.allCases {
            let counts = outbox[channel] ?? .init()
            registry.makeGauge(descriptor: Self.outboxMessages, labels: [("channel", channel.rawValue), ("status", "pending")]).set(Double(counts.pending))
            registry.makeGauge(descriptor: Self.outboxMessages, labels: [("channel", channel.rawValue), ("status", "failed")]).set(Double(counts.failed))
        }
        registry.makeGauge(descriptor: Self.scheduledJobs, labels: [("state", "due")]).set(Double(jobsDue))
        registry.makeGauge(descriptor: Self.scheduledJobs, labels: [("state", "running")]).set(Double(jobsRunning))
        registry.makeGauge(descriptor: Self.bulkOperations, labels: [("state", "queued")]).set(Double(bulkQueued))
        registry.makeGauge(descriptor: Self.bulkOperations, labels: [("state", "running")]).set(Double(bulkRunning))
        registry.makeGauge(descriptor: Self.activeSessions, labels: [("kind", "operator")]).set(Double(operatorSessions))
        registry.makeGauge(descriptor: Self.activeSessions, labels: [("kind", "workspace")]).set(Double(workspaceSessions))
    }
}
