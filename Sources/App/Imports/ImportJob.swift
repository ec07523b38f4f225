import Fluent
import Foundation
import SQLKit
import Vapor

/// Checks and imports the rows of `imports`: `imports`. Each run takes the unfinished
/// imports, oldest first, a batch of each in turn until its time budget is spent.
///
/// A batch is one write transaction, and each row in it its own savepoint: a row that fails
/// is rolled back alone and nothing of it stays. The batch's results and the import's cursor
/// and counts are written in the same transaction, so a run that stops (an instance killed,
/// the database gone) leaves either the whole batch or none of it, and the next run starts
/// after the last batch recorded: no row is imported twice.
/// The check (the dry run) is the same batch rolled back at its end, so it says what the
/// import would do, row by row, by doing it; its results are then recorded on their own.
enum ImportJob {
    static let name = "imports"
    static let batchSize = 200

    static func job(batchSize: Int = batchSize, budget: Duration = .seconds(4)) -> ScheduledJob {
        ScheduledJob(name: name, title: "Check and import uploaded CSV files", interval: 1, lease: 120,
                     work: { try await runDue(now: $0.now, on: $0.db, logger: $0.logger, batchSize: batchSize, budget: budget) })
    }

    /// Runs batches of the unfinished imports, at least one each, then more while `budget`
    /// lasts. Returns the rows gone through.
    @discardableResult
    static func runDue(now: Date, on db: any Database, logger: Logger, batchSize: Int = batchSize, budget: Duration = .seconds(4)) async throws -> Int {
        let started = ContinuousClock.now
        var processed = 0
        repeat {
            let due = try await DataImport.query(on: db).filter(\.$phase ~~ [.checking, .importing])
                .sort(\.$createdAt).sort(\.$id).limit(20).all()
            guard !due.isEmpty else { break }
            for record in due {
                processed += try await step(record, now: Date(), batchSize: batchSize, on: db, logger: logger)
            }
        } while ContinuousClock.now - started < budget
        return processed
    }

    /// The check ran to the end of its batch and is undone: this carries what it found out.
    private struct Undo: Error { let results: [ImportResult] }
    /// Another run recorded this batch first.
    private struct Overtaken: Error {}

    /// One batch of one import; returns the rows it went through.
    static func step(_ record: DataImport, now: Date, batchSize: Int, on db: any Database, logger: Logger) async throws -> Int {
        let id = try record.requireID()
        guard let actor = try await AccessLoader.actor(operatorID: record.operatorID, partnerID: record.partnerID, on: db), actor.isActive,
              AccessPolicy.decideImport(actor, record.kind).isAllowed
        else {
            try await finish(record, error: "Stopped: \(record.operatorName) may no longer import \(record.kind.noun.many).", now: now, on: db)
            return 0
        }
        if record.impersonatorID != nil {
            try await finish(record, error: "Stopped: it was started while logged in as \(record.operatorName).", now: now, on: db)
            return 0
        }
        guard let context = try await ImportRows.Context.load(for: record, actor: actor, logger: logger, on: db) else { return 0 }
        let after = max(record.cursor, record.hasHeader ? 1 : 0)
        let rows = try await ImportService.rows(record, after: after, limit: batchSize, on: db)
        guard !rows.isEmpty else {
            try await complete(record, now: now, on: db)
            return 0
        }
        let pass: DataImport.Pass = record.phase == .checking ? .check : .import
        // Invitations wait their turn: this batch's go out once the batches before it have.
        let sent = record.done
        let release = (record.startedAt ?? now).addingTimeInterval(Double(sent) * 60 / Double(ImportService.invitationsPerMinute))
        let results: [ImportResult]
        do {
            results = try await db.writeTransaction { db in
                // Bound inside the transaction: a task-local does not cross the driver's hop to its connection.
                try await Outbox.$notBefore.withValue(pass == .import ? release : nil) {
                    let sql = try db.sql
                    let lookup = try await ImportRows.Lookup.load(rows, context, on: db)
                    var results: [ImportResult] = []
                    var creates: [(number: Int, prepared: AccountService.Prepared)] = []
                    for row in rows {
                        // An account row writes nothing until it updates an account: only then,
                        // and for an invitation, does it take a savepoint of its own.
                        let writes = context.kind == .operators
                        if writes { try await sql.raw("SAVEPOINT import_row").run() }
                        do {
                            switch try await ImportRows.apply(row, context, lookup: lookup, on: db) {
                            case .done(let result): results.append(result)
                            case .create(let prepared): creates.append((row.number, prepared))
                            case .update(let account, let groupID):
                                try await sql.raw("SAVEPOINT import_row").run()
                                do {
                                    results.append(try await ImportRows.update(account, groupID: groupID, row: row, context, lookup: lookup, on: db))
                                    try await sql.raw("RELEASE SAVEPOINT import_row").run()
                                } catch {
                                    try await sql.raw("ROLLBACK TO SAVEPOINT import_row").run()
                                    try await sql.raw("RELEASE SAVEPOINT import_row").run()
                                    throw error
                                }
                            }
                            if writes { try await sql.raw("RELEASE SAVEPOINT import_row").run() }
                        } catch let stop as ImportRows.Stop {
                            if writes {
                                try await sql.raw("ROLLBACK TO SAVEPOINT import_row").run()
                                try await sql.raw("RELEASE SAVEPOINT import_row").run()
                            }
                            results.append(ImportResult(number: row.number, outcome: stop.outcome, field: stop.field, message: stop.message))
                        } catch where !(error is CancellationError) {
                            if writes {
                                try await sql.raw("ROLLBACK TO SAVEPOINT import_row").run()
                                try await sql.raw("RELEASE SAVEPOINT import_row").run()
                            }
                            logger.error("an import row failed", metadata: ["import": "\(id)", "row": "\(row.number)", "error": "\(String(reflecting: error))"])
                            results.append(ImportResult(number: row.number, outcome: .failed, message: "This row could not be saved: import it again later."))
                        }
                    }
                    results += try await insert(creates, context: context, now: now, on: db, logger: logger)
                    results.sort { $0.number < $1.number }
                    if pass == .check { throw Undo(results: results) }
                    try await save(results, of: record, pass: pass, now: now, on: db)
                    return results
                }
            }
        } catch let undo as Undo {
            do {
                try await db.writeTransaction { db in try await save(undo.results, of: record, pass: pass, now: now, on: db) }
            } catch is Overtaken { return 0 }
            return undo.results.count
        } catch is Overtaken {
            logger.notice("an import moved on elsewhere; this batch is not counted", metadata: ["import": "\(id)"])
            return 0
        }
        return results.count
    }

    /// Writes the batch's new accounts together; should that fail (another writer took a
    /// nickname meanwhile), each on its own, so that only the rows in the way are lost.
    private static func insert(_ creates: [(number: Int, prepared: AccountService.Prepared)], context: ImportRows.Context, now: Date,
                               on db: any Database, logger: Logger) async throws -> [ImportResult] {
        guard !creates.isEmpty else { return [] }
        let sql = try db.sql
        func created(_ item: (number: Int, prepared: AccountService.Prepared)) -> ImportResult {
            ImportResult(number: item.number, outcome: .created, reference: item.prepared.account.businessUID)
        }
        try await sql.raw("SAVEPOINT import_creates").run()
        do {
            try await AccountService.insert(creates.map(\.prepared), context: context.audit, partner: context.partner, baseURL: context.baseURL,
                                            now: now, on: db)
            try await sql.raw("RELEASE SAVEPOINT import_creates").run()
            return creates.map(created)
        } catch where !(error is CancellationError) {
            try await sql.raw("ROLLBACK TO SAVEPOINT import_creates").run()
            try await sql.raw("RELEASE SAVEPOINT import_creates").run()
        }
        var results: [ImportResult] = []
        for item in creates {
            try await sql.raw("SAVEPOINT import_row").run()
            do {
                try await AccountService.insert([item.prepared], context: context.audit, partner: context.partner, baseURL: context.baseURL,
                                                now: now, on: db)
                try await sql.raw("RELEASE SAVEPOINT import_row").run()
                results.append(created(item))
            } catch where !(error is CancellationError) {
                try await sql.raw("ROLLBACK TO SAVEPOINT import_row").run()
                try await sql.raw("RELEASE SAVEPOINT import_row").run()
                logger.notice("an imported account could not be written", metadata: ["row": "\(item.number)", "error": "\(String(reflecting: error))"])
                results.append(ImportResult(number: item.number, outcome: .failed,
                                            message: "This account could not be created: its nickname or email was taken meanwhile. Import the row again."))
            }
        }
        return results
    }

    /// Writes a batch's results and moves the cursor past it, only from where this run read
    /// it: another run that got further wins, and this batch is rolled back.
    private static func save(_ results: [ImportResult], of record: DataImport, pass: DataImport.Pass, now: Date, on db: any Database) async throws {
        let sql = try db.sql
        var tally = record.tally
        for result in results { tally.count(result.outcome) }
        let moved = try await sql.update(DataImport.schema)
            .set("done", to: SQLBind(record.done + results.count))
            .set("created", to: SQLBind(tally.created)).set("updated", to: SQLBind(tally.updated))
            .set("unchanged", to: SQLBind(tally.unchanged)).set("failed", to: SQLBind(tally.failed))
            .set("cursor", to: SQLBind(results.last?.number ?? record.cursor))
            .set("updated_at", to: SQLBind(now))
            .where("id", .equal, try record.requireID()).where("partner_id", .equal, record.partnerID)
            .where("cursor", .equal, record.cursor).where("phase", .equal, record.phase.rawValue)
            .returning("id").all()
        guard !moved.isEmpty else { throw Overtaken() }
        let id = try record.requireID()
        try await BulkInsert(sql: sql, table: DataImport.resultsSchema,
                             columns: ["import_id", "partner_id", "pass", "number", "outcome", "field", "message", "reference"])
            .run(count: results.count) { index in
                let result = results[index]
                return [SQLBind(id), SQLBind(record.partnerID), SQLBind(pass.rawValue), SQLBind(result.number), SQLBind(result.outcome.rawValue),
                        SQLBind(result.field?.rawValue), SQLBind(result.message), SQLBind(result.reference)]
            }
    }

    /// Every row is done: the check is ready to be read, or the import has ended.
    private static func complete(_ record: DataImport, now: Date, on db: any Database) async throws {
        try await db.writeTransaction { db in
            let sql = try db.sql
            let phase: DataImport.Phase = record.phase == .checking ? .checked : .done
            var update = sql.update(DataImport.schema).set("phase", to: SQLBind(phase.rawValue)).set("updated_at", to: SQLBind(now))
                .set("total", to: SQLBind(record.done))
            update = phase == .checked ? update.set("checked_at", to: SQLBind(now)) : update.set("finished_at", to: SQLBind(now))
            let moved = try await update.where("id", .equal, try record.requireID()).where("partner_id", .equal, record.partnerID)
                .where("phase", .equal, record.phase.rawValue).returning("id").all()
            guard !moved.isEmpty, phase == .done else { return }
            let tally = record.tally
            try await Audit.record("import.finished", in: record.auditContext, partnerID: record.partnerID,
                                   target: (type: "import", id: try record.requireID().uuidString.lowercased(), label: record.fileName),
                                   details: ImportText.summary(record.kind, tally, checking: false), now: now, on: db)
        }
    }

    private static func finish(_ record: DataImport, error: String, now: Date, on db: any Database) async throws {
        try await db.sql.update(DataImport.schema)
            .set("phase", to: SQLBind(DataImport.Phase.failed.rawValue)).set("error", to: SQLBind(error))
            .set("finished_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, try record.requireID()).where("partner_id", .equal, record.partnerID).run()
    }
}

/// How an import's figures read.
enum ImportText {
    static func rows(_ count: Int) -> String { "\(BulkText.number(count)) \(count == 1 ? "row" : "rows")" }

    /// "3 accounts created, 1 updated, 2 unchanged, 1 row not imported." For the check,
    /// "would be created".
    static func summary(_ kind: ImportKind, _ tally: ImportTally, checking: Bool) -> String {
        var parts: [String] = []
        let would = checking ? "would be " : ""
        let noun = tally.created == 1 ? kind.noun.one : kind.noun.many
        parts.append("\(BulkText.number(tally.created)) \(noun) \(would)\(kind == .operators ? "sent" : "created")")
        if tally.updated > 0 { parts.append("\(BulkText.number(tally.updated)) \(would)updated") }
        if tally.unchanged > 0 { parts.append("\(BulkText.number(tally.unchanged)) \(checking ? "would be " : "")unchanged") }
        let sentence = parts.joined(separator: ", ")
        guard tally.failed > 0 else { return sentence + "." }
        return sentence + "; \(rows(tally.failed)) \(checking ? "cannot be" : "not") imported."
    }
}
