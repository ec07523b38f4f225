import Fluent
import Foundation
import SQLKit
import Vapor

/// Carries out the bulk changes of `bulk_operations`: `bulk-operations`. Each run takes every
/// partner's unfinished operations, oldest first, a batch of each in turn until its time budget
/// is spent.
/// A batch is read in id order after the operation's cursor and the cursor moves on with the
/// counts in one conditional update, so a run that stops (an instance killed, a lease lost)
/// is resumed after the last batch it recorded. The accounts of an unrecorded batch are
/// changed again, which changes nothing: each change leaves an account already in its state
/// as it is, without a new history entry.
enum BulkOperationsJob {
    static let name = "bulk-operations"
    static let batchSize = 500

    static func job(batchSize: Int = batchSize, budget: Duration = .seconds(2)) -> ScheduledJob {
        ScheduledJob(name: name, title: "Carry out bulk changes to accounts", interval: 1, lease: 120,
                     work: { try await runDue(now: $0.now, on: $0.db, logger: $0.logger, batchSize: batchSize, budget: budget) })
    }

    /// Runs batches of the unfinished operations, at least one each, then more while `budget`
    /// lasts. Returns the accounts gone through.
    @discardableResult
    static func runDue(now: Date, on db: any Database, logger: Logger, batchSize: Int = batchSize, budget: Duration = .seconds(2)) async throws -> Int {
        let started = ContinuousClock.now
        var processed = 0
        repeat {
            var found = false
            for partnerID in try await partnersWithWork(on: db) {
                let due = try await BulkOperation.query(on: db).filter(\.$partnerID == partnerID).filter(\.$state ~~ [.queued, .running])
                    .sort(\.$createdAt).sort(\.$id).limit(20).all()
                for operation in due {
                    found = true
                    processed += try await step(operation, now: now, batchSize: batchSize, on: db, logger: logger)
                }
            }
            guard found else { break }
        } while ContinuousClock.now - started < budget
        return processed
    }

    /// The partners with a bulk change waiting or running (only their ids: each partner's
    /// operations are then read on their own).
    static func partnersWithWork(on db: any Database) async throws -> [UUID] {
        try await db.sql.select().distinct().column("partner_id").from(BulkOperation.schema)
            .where("state", .in, SQLBind.group([BulkOperation.State.queued.rawValue, BulkOperation.State.running.rawValue]))
            .all().map { try $0.decode(column: "partner_id", as: UUID.self) }
    }

    /// One batch of one operation; returns the accounts it went through.
    static func step(_ operation: BulkOperation, now: Date, batchSize: Int, on db: any Database, logger: Logger) async throws -> Int {
        let id = try operation.requireID()
        guard let actor = try await AccessLoader.actor(operatorID: operation.operatorID, partnerID: operation.partnerID, on: db), actor.isActive else {
            try await finish(id, state: .failed, error: "Stopped: \(operation.operatorName) can no longer change accounts.", now: now, on: db)
            return 0
        }
        if operation.impersonatorID != nil {  // started while logged in as the operator: never outlives that
            try await finish(id, state: .failed, error: "Stopped: it was started while logged in as \(operation.operatorName).", now: now, on: db)
            return 0
        }
        let change = operation.change
        let context = operation.auditContext
        let tally: BulkTally
        let next: String?
        let isLast: Bool
        do {
            switch try operation.decodedSelection() {
            case .accounts(let uids):
                let cursor = operation.cursor
                let batch = Array(uids.drop { uid in cursor.map { uid <= $0 } ?? false }.prefix(batchSize))
                tally = try await BulkActions.apply(change, toAccountsNamed: batch, by: actor, context: context, logger: logger, on: db)
                (next, isLast) = (batch.last, batch.count < batchSize || batch.last == uids.last)
            case .matching(var filter):
                // What the operator may see now, not when they asked.
                filter.namesOnly = !AccessPolicy.readsAccountDetails(actor)
                let after = operation.cursor.flatMap(UUID.init(uuidString:))
                let ids = try await BulkActions.matchingIDs(filter, for: actor, after: after, limit: batchSize, now: now, on: db)
                tally = try await BulkActions.apply(change, toAccountsWithIDs: ids, by: actor, context: context, logger: logger, on: db)
                (next, isLast) = (ids.last?.uuidString.lowercased(), ids.count < batchSize)
            }
        } catch where !(error is CancellationError) && !Task.isCancelled {
            logger.error("a bulk change stopped", metadata: ["operation": "\(id)", "error": "\(String(reflecting: error))"])
            try await finish(id, state: .failed, error: "Stopped by an error after \(BulkText.accounts(operation.done)); those keep the change.",
                             now: now, on: db)
            return 0
        }
        let done = operation.done + tally.done
        let sql = try db.sql
        var update = sql.update(BulkOperation.schema)
            .set("done", to: SQLBind(done))
            .set("changed", to: SQLBind(operation.changed + tally.changed))
            .set("refused", to: SQLBind(operation.refused + tally.refused))
            .set("skipped", to: SQLBind(operation.skipped + tally.skipped))
            .set("updated_at", to: SQLBind(now))
            .set("started_at", to: SQLBind(operation.startedAt ?? now))
            .set("total", to: SQLBind(isLast ? done : max(operation.total, done)))
            .set("state", to: SQLBind((isLast ? BulkOperation.State.done : .running).rawValue))
        if let next { update = update.set("cursor", to: SQLBind(next)) }
        if isLast { update = update.set("finished_at", to: SQLBind(now)) }
        update = update.where("id", .equal, id).where("partner_id", .equal, operation.partnerID)
        // Only from where this run read it: another instance that got further wins.
        if let cursor = operation.cursor {
            update = update.where("cursor", .equal, cursor)
        } else {
            update = update.where(SQLIdentifier("cursor"), .is, SQLLiteral.null)
        }
        let recorded = try await update.returning("id").all()
        if recorded.isEmpty {
            logger.notice("a bulk change moved on elsewhere; this batch is not counted", metadata: ["operation": "\(id)"])
        }
        return tally.done
    }

    private static func finish(_ id: UUID, state: BulkOperation.State, error: String, now: Date, on db: any Database) async throws {
        try await db.sql.update(BulkOperation.schema)
            .set("state", to: SQLBind(state.rawValue)).set("error", to: SQLBind(error))
            .set("finished_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, id).run()
    }
}
