import Fluent
import Foundation
import SQLKit
import Vapor

/// Starting imports and moving them along: the upload, the mapping (which starts the dry
/// run), the import itself; and reading them back for the operator who started them.
enum ImportService {
    /// The most rows one file may have, and columns one row.
    static let maxRows = 200_000
    static let maxColumns = 60
    static let maxCellLength = 2_000
    /// A file of up to 50 MB.
    static let maxFileBytes = 50 * 1024 * 1024
    /// Imports one operator may have checking or importing at once.
    static let maxRunning = 2
    /// Invitations an import queues are sent at this pace.
    static let invitationsPerMinute = 600

    struct Refusal: Error, Sendable {
        var field: String
        var message: String
    }

    /// Reads the file and keeps its rows; the mapping is guessed from the first row. A file
    /// that cannot be read at all is refused as a whole, with why.
    static func upload(_ kind: ImportKind, fileName: String, contents: Data, by actor: Actor, context: AuditContext, baseURL: String,
                       now: Date = Date(), on db: any Database) async throws -> DataImport {
        try OperatorAdministration.require(AccessPolicy.decideImport(actor, kind))
        if let refusal = AccessPolicy.refusesImport(loggedInAsBy: context.actor.impersonator) { throw Refusal(field: "file", message: refusal) }
        guard contents.count <= maxFileBytes else { throw Refusal(field: "file", message: "A file can be up to 50 MB.") }
        // An empty file, or one of blank lines, is kept with no rows: it waits for columns it will never have,
        // and says so (the page refuses it before: `readable`).
        var reader: CSVReader?
        do { reader = try CSVReader(contents) } catch {
            if error != .empty { throw Refusal(field: "file", message: "The file is UTF-16 text: save it as “CSV UTF-8” and upload it again.") }
        }

        let record = DataImport()
        let id = UUID()
        record.id = id
        record.partnerID = actor.partnerID
        record.operatorID = actor.operatorID
        record.operatorName = context.actor.name
        record.ip = context.ip
        record.baseURL = baseURL
        record.kind = kind
        record.fileName = Self.fileName(fileName)
        record.headingsJSON = "[]"
        record.hasHeader = true
        record.mappingJSON = "{}"
        // Until every row is kept, the import is an upload that did not finish.
        record.phase = .failed
        record.error = "The upload did not finish: upload the file again."
        record.total = 0
        (record.done, record.created, record.updated, record.unchanged, record.failed, record.cursor) = (0, 0, 0, 0, 0, 0)
        record.createdAt = now
        try await record.create(on: db)

        // The rows are kept a chunk at a time: the file is in memory once, its rows never all at once.
        var headings: [String]?
        var chunk: [CSVReader.Record] = []
        var count = 0
        let encoder = JSONEncoder()
        func keep(_ rows: [CSVReader.Record]) async throws {
            guard !rows.isEmpty else { return }
            let cells = try rows.map { String(decoding: try encoder.encode($0.fields.map { String($0.prefix(maxCellLength)) }), as: UTF8.self) }
            try await db.writeTransaction { db in
                try await BulkInsert(sql: try db.sql, table: DataImport.rowsSchema, columns: ["import_id", "partner_id", "number", "cells", "bad_encoding"])
                    .run(count: rows.count) { index in
                        [SQLBind(id), SQLBind(actor.partnerID), SQLBind(rows[index].number), SQLBind(cells[index]), SQLBind(rows[index].badEncoding)]
                    }
            }
        }
        do {
            while let row = reader?.next() {
                if headings == nil { headings = row.fields }
                count += 1
                if count > maxRows + 1 { throw Refusal(field: "file", message: "A file can have up to \(BulkText.number(maxRows)) rows.") }
                if row.fields.count > maxColumns { throw Refusal(field: "file", message: "Row \(row.number) has more than \(maxColumns) columns.") }
                chunk.append(row)
                if chunk.count == 2_000 {
                    try await keep(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try await keep(chunk)
        } catch let refusal as Refusal {
            try await discard(record, on: db)
            throw refusal
        }
        let guess = ImportMapping.guess(headings: headings ?? [], kind: kind)
        record.headingsJSON = String(decoding: try JSONEncoder().encode((headings ?? []).map { String($0.prefix(200)) }), as: UTF8.self)
        record.hasHeader = guess.isHeader
        record.mappingJSON = String(decoding: try JSONEncoder().encode(guess.mapping), as: UTF8.self)
        record.total = count - (guess.isHeader ? 1 : 0)
        record.phase = .mapping
        record.error = nil
        record.updatedAt = now
        try await record.update(on: db)
        return record
    }

    /// Why the upload form refuses a file before keeping anything of it: no rows, UTF-16, or
    /// not text at all.
    static func readable(_ contents: Data) -> Refusal? {
        do { _ = try CSVReader(contents) } catch {
            return Refusal(field: "file", message: error == .empty ? "The file has no rows."
                           : "The file is UTF-16 text: save it as “CSV UTF-8” and upload it again.")
        }
        if contents.prefix(512).contains(0) { return Refusal(field: "file", message: "This is not a CSV file: save the sheet as “CSV UTF-8”.") }
        return nil
    }

    /// The name the file is called by: without any path or control characters.
    static func fileName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let plain = String(String.UnicodeScalarView(last.unicodeScalars.filter { !DisplayText.isControl($0) })).trimmingCharacters(in: .whitespaces)
        return plain.isEmpty ? "import.csv" : String(plain.prefix(200))
    }

    /// Sets the mapping and starts the dry run (or, with `check: false`, the import itself).
    /// Problems with the mapping come back by field.
    static func map(_ record: DataImport, mapping: ImportMapping, hasHeader: Bool, check: Bool = true, by actor: Actor,
                    now: Date = Date(), on db: any Database) async throws -> Result<Void, OperatorInput.Errors> {
        guard [.mapping, .checked].contains(record.phase) else {
            throw PortalError.conflict("This import has \(record.phase == .done ? "ended" : "already started"): its mapping stays as it is.",
                                       title: "Not possible now")
        }
        let problems = mapping.problems(for: record.kind, columnCount: max(record.headings.count, 1))
        guard problems.isEmpty else {
            return .failure(OperatorInput.Errors(fields: Dictionary(uniqueKeysWithValues: problems.map { ($0.key.rawValue, $0.value) })))
        }
        guard try await unfinished(for: actor, on: db) < maxRunning else {
            return .failure(OperatorInput.Errors(fields: ["mapping": "You have \(maxRunning) imports under way: start this one when one has ended."]))
        }
        let id = try record.requireID()
        let first = hasHeader ? 2 : 1
        let total = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(DataImport.rowsSchema)
            .where("import_id", .equal, id).where("partner_id", .equal, record.partnerID).where("number", .greaterThanOrEqual, first)
            .first()?.decode(column: "n", as: Int.self) ?? 0
        let duplicates = try await findDuplicates(record, mapping: mapping, from: first, on: db)
        let json = String(decoding: try JSONEncoder().encode(mapping), as: UTF8.self)
        try await db.writeTransaction { db in
            let sql = try db.sql
            try await sql.delete(from: DataImport.resultsSchema).where("import_id", .equal, id).where("partner_id", .equal, record.partnerID).run()
            try await sql.update(DataImport.rowsSchema).set("duplicate_of", to: SQLLiteral.null)
                .where("import_id", .equal, id).where("partner_id", .equal, record.partnerID).where("duplicate_of", .isNot, SQLLiteral.null).run()
            for (number, earlier) in duplicates {
                try await sql.update(DataImport.rowsSchema).set("duplicate_of", to: SQLBind(earlier))
                    .where("import_id", .equal, id).where("partner_id", .equal, record.partnerID).where("number", .equal, number).run()
            }
            record.mappingJSON = json
            record.hasHeader = hasHeader
            record.total = total
            record.phase = check ? .checking : .importing
            (record.done, record.created, record.updated, record.unchanged, record.failed, record.cursor) = (0, 0, 0, 0, 0, 0)
            record.checkedAt = nil
            record.error = nil
            record.updatedAt = now
            if !check { record.startedAt = now }
            try await record.update(on: db)
            if !check { try await auditStart(record, now: now, on: db) }
        }
        return .success(())
    }

    /// Imports the rows of a checked import.
    static func start(_ record: DataImport, by actor: Actor, now: Date = Date(), on db: any Database) async throws {
        guard record.phase == .checked else {
            throw PortalError.conflict(record.phase == .mapping ? "Check the file before importing it."
                                       : "This import has \(record.phase == .done ? "ended" : "already started").", title: "Not possible now")
        }
        guard try await unfinished(for: actor, on: db) < maxRunning else {
            throw PortalError.conflict("You have \(maxRunning) imports under way: start this one when one has ended.", title: "Not possible now")
        }
        try await db.writeTransaction { db in
            record.phase = .importing
            (record.done, record.created, record.updated, record.unchanged, record.failed, record.cursor) = (0, 0, 0, 0, 0, 0)
            record.startedAt = now
            record.updatedAt = now
            try await record.update(on: db)
            try await auditStart(record, now: now, on: db)
        }
    }

    private static func auditStart(_ record: DataImport, now: Date, on db: any Database) async throws {
        try await Audit.record("import.started", in: record.auditContext, partnerID: record.partnerID,
                               target: (type: "import", id: try record.requireID().uuidString.lowercased(), label: record.fileName),
                               details: "\(record.kind.title) from \(record.fileName): \(BulkText.number(record.total)) rows", now: now, on: db)
    }

    /// Rows that name the same account or operator as an earlier row, with that row's number.
    /// Read a chunk at a time; what is kept is a hash per row.
    static func findDuplicates(_ record: DataImport, mapping: ImportMapping, from first: Int, on db: any Database) async throws -> [(Int, Int)] {
        var seen: [Int: Int] = [:]
        var found: [(Int, Int)] = []
        var after = first - 1
        let decoder = JSONDecoder()
        while true {
            let rows = try await db.sql.select().column("number").column("cells").from(DataImport.rowsSchema)
                .where("import_id", .equal, try record.requireID()).where("partner_id", .equal, record.partnerID)
                .where("number", .greaterThan, after).orderBy("number").limit(5_000).all()
            guard !rows.isEmpty else { break }
            for row in rows {
                let number = try row.decode(column: "number", as: Int.self)
                after = number
                let cells = (try? decoder.decode([String].self, from: Data(try row.decode(column: "cells", as: String.self).utf8))) ?? []
                guard let key = ImportRows.matchKey(cells, mapping: mapping, kind: record.kind) else { continue }
                var hasher = Hasher()
                hasher.combine(key.field)
                hasher.combine(key.value)
                let hash = hasher.finalize()
                if let earlier = seen[hash] { found.append((number, earlier)) } else { seen[hash] = number }
            }
        }
        return found
    }

    /// Forgets an import that never started (an API upload whose mapping was refused).
    static func discard(_ record: DataImport, on db: any Database) async throws {
        let id = try record.requireID()
        try await db.writeTransaction { db in
            try await db.sql.delete(from: DataImport.resultsSchema).where("import_id", .equal, id).where("partner_id", .equal, record.partnerID).run()
            try await db.sql.delete(from: DataImport.rowsSchema).where("import_id", .equal, id).where("partner_id", .equal, record.partnerID).run()
            try await DataImport.query(on: db).filter(\.$id == id).filter(\.$partnerID == record.partnerID).delete()
        }
    }

    /// How many of the operator's imports are being checked or imported.
    static func unfinished(for actor: Actor, on db: any Database) async throws -> Int {
        try await DataImport.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$operatorID == actor.operatorID)
            .filter(\.$phase ~~ [.checking, .importing]).count()
    }

    /// The import, only for the operator who started it: anyone else finds nothing.
    static func find(_ id: UUID, for actor: Actor, on db: any Database) async throws -> DataImport? {
        try await DataImport.query(on: db).filter(\.$id == id).filter(\.$partnerID == actor.partnerID)
            .filter(\.$operatorID == actor.operatorID).first()
    }

    /// The operator's latest imports, newest first: every one but an upload that never
    /// finished (one stopped while checking or importing is listed, with why).
    static func recent(for actor: Actor, limit: Int = 10, on db: any Database) async throws -> [DataImport] {
        try await DataImport.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$operatorID == actor.operatorID)
            .group(.or) { $0.filter(\.$phase != .failed).filter(\.$done > 0).filter(\.$checkedAt != nil).filter(\.$startedAt != nil) }
            .sort(\.$createdAt, .descending).limit(limit).all()
    }

    /// The first rows of the file, as read, for the mapping step.
    static func sample(_ record: DataImport, limit: Int = 5, on db: any Database) async throws -> [ImportRows.Row] {
        try await rows(record, after: 0, limit: limit + 1, on: db).filter { !record.hasHeader || $0.number > 1 }.prefix(limit).map { $0 }
    }

    /// Rows after `after`, in order.
    static func rows(_ record: DataImport, after: Int, limit: Int, on db: any Database) async throws -> [ImportRows.Row] {
        let decoder = JSONDecoder()
        return try await db.sql.select().column("number").column("cells").column("bad_encoding").column("duplicate_of").from(DataImport.rowsSchema)
            .where("import_id", .equal, try record.requireID()).where("partner_id", .equal, record.partnerID)
            .where("number", .greaterThan, after).orderBy("number").limit(limit).all()
            .map { row in
                ImportRows.Row(number: try row.decode(column: "number", as: Int.self),
                               cells: (try? decoder.decode([String].self, from: Data(try row.decode(column: "cells", as: String.self).utf8))) ?? [],
                               badEncoding: try row.decode(column: "bad_encoding", as: Int?.self),
                               duplicateOf: try row.decode(column: "duplicate_of", as: Int?.self))
            }
    }

    /// The results of the import's latest pass after row `after`, in row order; `problemsOnly`
    /// leaves out the rows that went through.
    static func results(_ record: DataImport, after: Int = 0, limit: Int, problemsOnly: Bool = false, on db: any Database) async throws -> [ImportResult] {
        guard let pass = record.resultPass else { return [] }
        var query = try db.sql.select().column("number").column("outcome").column("field").column("message").column("reference")
            .from(DataImport.resultsSchema)
            .where("import_id", .equal, try record.requireID()).where("partner_id", .equal, record.partnerID).where("pass", .equal, pass.rawValue)
            .where("number", .greaterThan, after)
        if problemsOnly {
            query = query.where("outcome", .in, SQLBind.group([ImportOutcome.failed.rawValue, ImportOutcome.refused.rawValue]))
        }
        return try await query.orderBy("number").limit(limit).all().map { row in
            ImportResult(number: try row.decode(column: "number", as: Int.self),
                         outcome: ImportOutcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .failed,
                         field: try row.decode(column: "field", as: String?.self).flatMap(ImportField.init(rawValue:)),
                         message: try row.decode(column: "message", as: String?.self),
                         reference: try row.decode(column: "reference", as: String?.self))
        }
    }
}

extension DataImport {
    /// The pass whose results the import shows: the import's once it has started, else the check's.
    var resultPass: Pass? {
        if startedAt != nil { return .import }
        return checkedAt != nil || phase == .checking ? .check : nil
    }
}
