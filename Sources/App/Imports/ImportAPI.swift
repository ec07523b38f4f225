import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/imports`: the same imports as the pages, through the same service.
extension APIService {
    func createImport(_ input: Operations.CreateImport.Input) async throws -> Operations.CreateImport.Output {
        let request = try APIContext.current()
        guard case .csv(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the file as text/csv.") }
        let actor = try await request.actor()
        let kind: ImportKind = input.query.kind == .operators ? .operators : .accounts
        try request.enforce(AccessPolicy.decideImport(actor, kind), permission: kind.permission)
        // The middleware has already refused bodies over the limit; this only reads what it kept.
        let contents = try await Data(collecting: body, upTo: ImportController.uploadLimit.bytes + 1)
        let record: DataImport
        do {
            record = try await ImportService.upload(kind, fileName: input.query.fileName ?? "import.csv", contents: contents, by: actor,
                                                    context: request.auditContext, baseURL: request.baseURL, on: request.db)
        } catch let refusal as ImportService.Refusal {
            throw PortalError.badRequest(refusal.message)
        }
        do {
            var mapping = record.mapping
            var hasHeader = input.query.hasHeader ?? record.hasHeader
            if let pairs = input.query.map, !pairs.isEmpty {
                hasHeader = input.query.hasHeader ?? true
                mapping = try Self.mapping(pairs, headings: record.headings, hasHeader: hasHeader, kind: kind)
            }
            if case .failure(let errors) = try await ImportService.map(record, mapping: mapping, hasHeader: hasHeader, check: input.query.dryRun ?? false,
                                                                      by: actor, on: request.db) {
                throw PortalError.badRequest(errors.fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " "))
            }
        } catch {
            // A file whose columns cannot be read as asked is not kept.
            try await ImportService.discard(record, on: request.db)
            throw error
        }
        return .accepted(.init(body: .json(try Self.importBody(record))))
    }

    /// `field:Heading` or `field:#N` (the Nth column, from 1), each field once.
    static func mapping(_ pairs: [String], headings: [String], hasHeader: Bool, kind: ImportKind) throws -> ImportMapping {
        var columns: [ImportField: Int] = [:]
        for pair in pairs {
            let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let field = ImportField(rawValue: parts[0]), kind.fields.contains(field) else {
                throw PortalError.badRequest("map: \(String(pair.prefix(60))) does not name a field of this import: use one of "
                                             + kind.fields.map(\.rawValue).joined(separator: ", ") + ".")
            }
            guard columns[field] == nil else { throw PortalError.badRequest("map: \(field.rawValue) is given twice.") }
            let wanted = parts[1].trimmingCharacters(in: .whitespaces)
            if wanted.hasPrefix("#"), let number = Int(wanted.dropFirst()), number >= 1 {
                columns[field] = number - 1
            } else if hasHeader, let index = headings.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == wanted.lowercased() }) {
                columns[field] = index
            } else {
                throw PortalError.badRequest("map: no column is headed \(String(wanted.prefix(60))).")
            }
        }
        return ImportMapping(columns)
    }

    func getImport(_ input: Operations.GetImport.Input) async throws -> Operations.GetImport.Output {
        let request = try APIContext.current()
        let record = try await Self.visibleImport(input.path.importId, request: request)
        return .ok(.init(body: .json(try Self.importBody(record))))
    }

    func listImportRows(_ input: Operations.ListImportRows.Input) async throws -> Operations.ListImportRows.Output {
        let request = try APIContext.current()
        let record = try await Self.visibleImport(input.path.importId, request: request)
        let limit = min(max(input.query.limit ?? 200, 1), 1000)
        let results = try await ImportService.results(record, after: max(input.query.after ?? 0, 0), limit: limit + 1,
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

    static func importBody(_ record: DataImport) throws -> Components.Schemas.Import {
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
            mapping: .init(additionalProperties: named), error: record.error, createdAt: record.createdAt, checkedAt: record.checkedAt,
            startedAt: record.startedAt, finishedAt: record.finishedAt)
    }
}
