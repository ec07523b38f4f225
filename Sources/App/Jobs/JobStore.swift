import Fluent
import Foundation
import SQLKit

/// The `scheduled_jobs` table: registering jobs, claiming due ones with a lease, renewing
/// and giving back leases, and recording each run. A lease is a time: whoever holds a job
/// past its `lease_until` has lost it, and the next instance to look takes it over.
enum JobStore {
    /// A job this instance now holds.
    struct Claim: Sendable, Equatable {
        let name: String
        /// Failures in a row before this run (for the backoff after another).
        let consecutiveFailures: Int
    }

    /// Adds a row, due at once, for each job that has none. Several instances starting at
    /// the same time each try; the primary key keeps one row, and the others' inserts do nothing.
    static func register(_ jobs: [ScheduledJob], now: Date, on db: any Database) async throws {
        let sql = try db.sql
        for job in jobs {
            try await sql.insert(into: ScheduledJobRecord.schema)
                .columns("name", "next_run_at", "consecutive_failures", "total_runs", "total_failures")
                .values(SQLBind(job.name), SQLBind(now), SQLLiteral.numeric("0"), SQLLiteral.numeric("0"), SQLLiteral.numeric("0"))
                .ignoringConflicts(with: "name")
                .run()
        }
    }

    /// Claims, for `worker`, each of `jobs` that is due at `now` and held by nobody, until
    /// `now` plus the job's lease. Two instances claiming at once never both get a job.
    static func claim(_ jobs: [ScheduledJob], worker: String, now: Date, on db: any Database) async throws -> [Claim] {
        guard !jobs.isEmpty else { return [] }
        let sql = try db.sql
        if sql.dialect.name == "postgresql" {
            return try await claimLockingRows(jobs, worker: worker, now: now, on: db)
        }
        // SQLite has one writer at a time: each conditional update is atomic on its own.
        var claims: [Claim] = []
        for job in jobs {
            let rows = try await sql.raw("""
                UPDATE scheduled_jobs SET lease_owner = \(bind: worker), lease_until = \(bind: now.addingTimeInterval(job.lease)),
                    last_started_at = \(bind: now)
                WHERE name = \(bind: job.name) AND next_run_at <= \(bind: now) AND (lease_until IS NULL OR lease_until < \(bind: now))
                RETURNING name, consecutive_failures
                """).all()
            claims += try rows.map { Claim(name: try $0.decode(column: "name", as: String.self),
                                           consecutiveFailures: try $0.decode(column: "consecutive_failures", as: Int.self)) }
        }
        return claims
    }

    /// PostgreSQL: the due rows are locked in a transaction, skipping those another instance
    /// is claiming at this moment (it gets them, this one does not wait), then leased.
    private static func claimLockingRows(_ jobs: [ScheduledJob], worker: String, now: Date, on db: any Database) async throws -> [Claim] {
        try await db.writeTransaction { tx in
            let sql = try tx.sql
            let rows = try await sql.raw("""
                SELECT name, consecutive_failures FROM scheduled_jobs
                WHERE name IN (\(binds: jobs.map(\.name))) AND next_run_at <= \(bind: now) AND (lease_until IS NULL OR lease_until < \(bind: now))
                ORDER BY next_run_at
                FOR UPDATE SKIP LOCKED
                """).all()
            var claims: [Claim] = []
            for row in rows {
                let name = try row.decode(column: "name", as: String.self)
                guard let job = jobs.first(where: { $0.name == name }) else { continue }
                try await sql.update(ScheduledJobRecord.schema)
                    .set("lease_owner", to: worker)
                    .set("lease_until", to: now.addingTimeInterval(job.lease))
                    .set("last_started_at", to: now)
                    .where("name", .equal, name)
                    .run()
                claims.append(Claim(name: name, consecutiveFailures: try row.decode(column: "consecutive_failures", as: Int.self)))
            }
            return claims
        }
    }

    /// Extends `worker`'s lease on `name` to `until`; false when it no longer holds it.
    static func renew(_ name: String, worker: String, until: Date, on db: any Database) async throws -> Bool {
        let rows = try await db.sql.update(ScheduledJobRecord.schema)
            .set("lease_until", to: until)
            .where("name", .equal, name).where("lease_owner", .equal, worker)
            .returning("name").all()
        return !rows.isEmpty
    }

    /// How a run ended, as the row records it.
    struct Run: Sendable {
        enum Result: Sendable { case ok(items: Int), failed(kind: String) }
        let result: Result
        let finishedAt: Date
        let duration: TimeInterval
        let nextRunAt: Date
    }

    /// Records the run of `name` and gives the lease back, if `worker` still holds it (an
    /// instance that overran its lease and lost the job records nothing). True when recorded.
    static func record(_ run: Run, of name: String, worker: String, on db: any Database) async throws -> Bool {
        let sql = try db.sql
        let durationMS = max(0, Int((run.duration * 1000).rounded()))
        let rows: [any SQLRow]
        switch run.result {
        case .ok(let items):
            rows = try await sql.raw("""
                UPDATE scheduled_jobs SET lease_owner = NULL, lease_until = NULL, next_run_at = \(bind: run.nextRunAt),
                    last_finished_at = \(bind: run.finishedAt), last_outcome = \(bind: ScheduledJobRecord.Outcome.ok.rawValue), last_failure = NULL,
                    consecutive_failures = 0, total_runs = total_runs + 1, last_duration_ms = \(bind: durationMS), last_items = \(bind: items)
                WHERE name = \(bind: name) AND lease_owner = \(bind: worker)
                RETURNING name
                """).all()
        case .failed(let kind):
            rows = try await sql.raw("""
                UPDATE scheduled_jobs SET lease_owner = NULL, lease_until = NULL, next_run_at = \(bind: run.nextRunAt),
                    last_finished_at = \(bind: run.finishedAt), last_outcome = \(bind: ScheduledJobRecord.Outcome.failed.rawValue),
                    last_failure = \(bind: kind), consecutive_failures = consecutive_failures + 1, total_runs = total_runs + 1,
                    total_failures = total_failures + 1, last_duration_ms = \(bind: durationMS), last_items = NULL
                WHERE name = \(bind: name) AND lease_owner = \(bind: worker)
                RETURNING name
                """).all()
        }
        return !rows.isEmpty
    }

    /// Gives back every lease `worker` holds (it is stopping): those jobs are due to the other
    /// instances at once instead of after their leases run out.
    @discardableResult
    static func release(worker: String, on db: any Database) async throws -> Int {
        try await db.sql.update(ScheduledJobRecord.schema)
            .set("lease_owner", to: SQLLiteral.null).set("lease_until", to: SQLLiteral.null)
            .where("lease_owner", .equal, worker)
            .returning("name").all().count
    }

    /// The rows of `jobs`, in their order; a job whose runner has not started yet has none.
    static func records(of jobs: [ScheduledJob], on db: any Database) async throws -> [String: ScheduledJobRecord] {
        let rows = try await ScheduledJobRecord.query(on: db).filter(\.$id ~~ jobs.map(\.name)).all()
        return Dictionary(rows.compactMap { row in row.id.map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
    }
}
