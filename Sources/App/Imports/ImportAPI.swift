import Fluent
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/imports`: the same imports as the pages, through the same service.
extension APIService {
    func createImport(_ input: Operations.CreateImport.Input) async throws -> Operations.CreateImport.Output {
        let request = try APIContext.current()
        guard case .csv(let body) = input.body, request.headers.contentType != nil else {
            throw PortalError.unsupportedMediaType("Send the file as text/csv.")
        }
        let actor = try await request.actor()
        let kind: ImportKind = input.query.kind == .operators ? .operators : .accounts
        try request.enforce(AccessPolicy.decideImport(actor, kind), permission: kind.permission)
        try Self.checkPairs(input.query.map)
        // The page cleans a browser's file name; the API refuses what its schema does not allow.
        if let name = input.query.fileName {
            if name.unicodeScalars.count > 255 { throw PortalError.badRequest("fileName: use at most 255 characters.") }
            if DisplayText.hasControl(name) { throw PortalError.badRequest("fileName: remove the control characters.") }
        }
        // The middleware has already refused bodies over the limit; this only reads what it kept.
        let contents = try await Data(collecting: body, upTo: ImportController.uploadLimit.bytes + 1)
        let record: DataImport
        do {
            record = try await ImportService.upload(kind, fileName: input.query.fileName ?? "import.csv", contents: contents, by: actor,
                                                    context: request.auditContext, baseURL: request.baseURL, on: request.db)
        } catch let refusal as ImportService.Refusal {
            throw PortalError.badRequest(refusal.message)
        }
        let problems = try await Self.applyMapping(input.query.map, hasHeader: input.query.hasHeader, check: input.query.dryRun ?? false,
                                                   to: record, actor: actor, request: request)
        return .accepted(.init(body: .json(try Self.importBody(try await Self.reread(record, request: request), problems: problems))))
    }

    func setImportMapping(_ input: Operations.SetImportMapping.Input) async throws -> Operations.SetImportMapping.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send JSON.") }
        try APIContext.refuseNulls(for: ["map", "hasHeader", "dryRun"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let record = try await Self.visibleImport(input.path.importId, request: request)
        let problems = try await Self.applyMapping(body.map, hasHeader: body.hasHeader, check: body.dryRun ?? false, to: record,
                                                   actor: try await request.actor(), request: request)
        return .accepted(.init(body: .json(try Self.importBody(try await Self.reread(record, request: request), problems: problems))))
    }

    /// Sets the import's columns (`pairs`, or the headings' guess) and starts its check or its
    /// import; problems with the columns, by field, leave it waiting for them (phase `mapping`).
    static func applyMapping(_ pairs: [String]?, hasHeader: Bool?, check: Bool, to record: DataImport, actor: Actor,
                             request: Request) async throws -> [String: String] {
        try checkPairs(pairs)
        var mapping = record.mapping
        var header = hasHeader ?? record.hasHeader
        if let pairs, !pairs.isEmpty {
            header = hasHeader ?? true
            switch Self.mapping(pairs, headings: record.headings, hasHeader: header, kind: record.kind) {
            case .success(let found): mapping = found
            case .failure(let problems): return problems.fields
            }
        }
        switch try await ImportService.map(record, mapping: mapping, hasHeader: header, check: check, by: actor, on: request.db) {
        case .success: return [:]
        case .failure(let errors): return errors.fields
        }
    }

    /// The pairs as the document states them: at most 20, each a field's name, a colon, and
    /// something that is not only spaces. Checked before anything is kept.
    static func checkPairs(_ pairs: [String]?) throws {
        guard (pairs?.count ?? 0) <= 20, pairs?.allSatisfy({ $0.unicodeScalars.count <= 300 }) ?? true else {
            throw PortalError.badRequest("map: give at most 20 pairs of up to 300 characters.")
        }
        // Read by code points, as the document's pattern is: a colon may carry a combining mark.
        func wellFormed(_ pair: String) -> Bool {
            let scalars = Array(pair.unicodeScalars)
            guard let colon = scalars.firstIndex(of: ":"), colon > 0 else { return false }
            return scalars[..<colon].allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
                && scalars[(colon + 1)...].contains { !$0.properties.isWhitespace && $0 != "\u{FEFF}" }
        }
        if let bad = pairs?.first(where: { !wellFormed($0) }) {
            throw PortalError.badRequest("map: \(String(bad.prefix(60))) is not field:Heading.")
        }
    }

    private static func reread(_ record: DataImport, request: Request) async throws -> DataImport {
        let id = try record.requireID()
        return try await DataImport.query(on: request.db).filter(\.$id == id).filter(\.$partnerID == record.partnerID).first() ?? record
    }

    /// `field:Heading` or `field:#N` (the Nth column, from 1), each field once; what cannot be
    /// read comes back by field.
    struct MappingProblems: Error { let fields: [String: String] }

    static func mapping(_ pairs: [String], headings: [String], hasHeader: Bool, kind: ImportKind) -> Result<ImportMapping, MappingProblems> {
        var columns: [ImportField: Int] = [:]
        var problems: [String: String] = [:]
        for pair in pairs {
            let scalars = pair.unicodeScalars
            let parts = scalars.firstIndex(of: ":").map { colon in
                [String(String.UnicodeScalarView(scalars[..<colon])), String(String.UnicodeScalarView(scalars[scalars.index(after: colon)...]))]
            } ?? [pair]
            guard parts.count == 2, let field = ImportField(rawValue: parts[0]), kind.fields.contains(field) else {
                problems["map"] = "\(String(pair.prefix(60))) does not name a field of this import: use one of "
                    + kind.fields.map(\.rawValue).joined(separator: ", ") + "."
                continue
            }
            guard columns[field] == nil else { problems[field.rawValue] = "Given twice."; continue }
            let wanted = parts[1].trimmingCharacters(in: .whitespaces)
            if wanted.hasPrefix("#"), let number = Int(wanted.dropFirst()), number >= 1 {
                columns[field] = number - 1
            } else if hasHeader, let index = headings.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == wanted.lowercased() }) {
                columns[field] = index
            } else {
                problems[field.rawValue] = "No column is headed \(String(wanted.prefix(60)))."
            }
        }
        return problems.isEmpty ? .success(ImportMapping(columns)) : .failure(MappingProblems(fields: problems))
    }

    func getImport(_ input: Operations.GetImport.Input) async throws -> Operations.GetImport.Output {
        let request = try APIContext.current()
        let record = try await Self.visibleImport(input.path.importId, request: request)
        return .ok(.init(body: .json(try Self.importBody(record))))
    }

    func listImportRows(_ input: Operations.ListImportRows.Input) async throws -> Operations.ListImportRows.Output {
        let request = try APIContext.current()
        let record = try await Self.visibleImport(input.path.importId, request: request)
        let limit = input.query.limit ?? 200
        guard (1...1000).contains(limit) else { throw PortalError.badRequest("limit: use a whole number from 1 to 1000.") }
        if let after = input.query.after, !(0...1_000_000).contains(after) { throw PortalError.badRequest("after: use the number of a row, 0 to 1000000.") }
        let results = try await ImportService.results(record, after: input.query.after ?? 0, limit: limit + 1,
                                                      problemsOnly: input.query.problemsOnly ?? false, on: request.db)
        let page = results.prefix(limit)
        return .ok(.init(body: .json(.init(
            items: page.map { result in
                .init(row: result.number, outcome: .init(rawValue: result.outcome.rawValue) ?? .failed, field: result.field?.rawValue,
                      message: result.message, reference: result.reference)
            },
            nextAfter: results.count > limit ? page.last?.number : nil))))
    }

    func startImport(_ input: Operations.StartImport.Input) async throws -> Operations.StartImport.Output {
        let request = try APIContext.current()
        let record = try await Self.visibleImport(input.path.importId, request: request)
        try await ImportService.start(record, by: try await request.actor(), on: request.db)
        return .accepted(.init(body: .json(try Self.importBody(record))))
    }

    /// The import, only for the operator who started it (anyone else: not found).
    static func visibleImport(_ rawID: String, request: Request) async throws -> DataImport {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnyImport(actor), permission: .accountsImport)
        guard let id = UUID(uuidString: rawID) else { throw PortalError.badRequest("importId: use the id of one of your imports.") }
        guard let record = try await ImportService.find(id, for: actor, on: request.db) else { throw PortalError.notFound("No import of yours has this id.") }
        try request.enforce(AccessPolicy.decideImport(actor, record.kind), permission: record.kind.permission)
        return record
    }

    static func importBody(_ record: DataImport, problems: [String: String] = [:]) throws -> Components.Schemas.Import {
        let mapping = record.mapping
        var named: [String: String] = [:]
        for (field, column) in mapping.columns {
            let headings = record.headings
            named[field.rawValue] = record.hasHeader && column < headings.count && !headings[column].trimmingCharacters(in: .whitespaces).isEmpty
                ? headings[column] : "#\(column + 1)"
        }
        return .init(
            id: try record.requireID().uuidString.lowercased(), kind: record.kind == .operators ? .operators : .accounts, fileName: record.fileName,
            phase: .init(rawValue: record.phase.rawValue) ?? .failed, total: record.total, done: record.done, created: record.created,
            updated: record.updated, unchanged: record.unchanged, failed: record.failed, hasHeader: record.hasHeader,
            mapping: .init(additionalProperties: named), error: record.error,
            problems: problems.isEmpty ? nil : .init(additionalProperties: problems), createdAt: record.createdAt, checkedAt: record.checkedAt,
            startedAt: record.startedAt, finishedAt: record.finishedAt)
    }
}
