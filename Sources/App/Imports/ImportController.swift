import Fluent
import Foundation
import Vapor

/// `GET /accounts/import` and `/operators/import` (the upload form), `POST /imports` (the
/// upload), `GET /imports/{id}` (the import's page), `POST /imports/{id}/mapping` (the
/// columns, which start the check), `POST /imports/{id}/start` and
/// `GET /imports/{id}/report.csv`. An import is seen only by the operator who started it.
enum ImportController {
    static func new(_ kind: ImportKind) -> @Sendable (Request) async throws -> Response {
        { request in try await newForm(request, kind: kind) }
    }

    private static func newForm(_ request: Request, kind: ImportKind, error: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideImport(actor, kind), permission: kind.permission)
        let recent = try await ImportService.recent(for: actor, on: request.db).filter { $0.kind == kind }.map(ImportView.line)
        return await request.page(kind.title, status: status, current: kind == .accounts ? .accounts : .operators,
                                  content: Forms.focusingFirstError(ImportView.new(.init(kind: kind, error: error, recent: recent), csrfToken: request.csrfToken)))
    }

    static let uploadLimit = BodyLimit(bytes: ImportService.maxFileBytes + 64 * 1024, refusal: "A file to import can be up to 50 MB.")

    static func upload(_ request: Request) async throws -> Response {
        struct Form: Content { var kind: String?; var file: File? }
        let actor = try await request.actor()
        let form = (try? request.content.decode(Form.self)) ?? Form()
        let kind = form.kind.flatMap(ImportKind.init(rawValue:)) ?? .accounts
        try request.enforce(AccessPolicy.decideImport(actor, kind), permission: kind.permission)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await newForm(request, kind: kind, error: "Choose a CSV file to upload.", status: .unprocessableEntity)
        }
        let contents = Data(buffer: file.data)
        if let refusal = ImportService.readable(contents) {
            return try await newForm(request, kind: kind, error: refusal.message, status: .unprocessableEntity)
        }
        do {
            let record = try await ImportService.upload(kind, fileName: file.filename, contents: contents, by: actor,
                                                        context: request.auditContext, baseURL: request.baseURL, on: request.db)
            return request.redirect(to: SiteURL.importDetail(id: try record.requireID().uuidString.lowercased()).path, redirectType: .normal)
        } catch let refusal as ImportService.Refusal {
            return try await newForm(request, kind: kind, error: refusal.message, status: .unprocessableEntity)
        }
    }

    private static func found(_ request: Request) async throws -> (DataImport, Actor) {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnyImport(actor), permission: .accountsImport)
        guard let id = request.parameters.get("importId").flatMap(UUID.init(uuidString:)),
              let record = try await ImportService.find(id, for: actor, on: request.db)
        else { throw PortalError.notFound("No import of yours has this id.") }
        try request.enforce(AccessPolicy.decideImport(actor, record.kind), permission: record.kind.permission)
        return (record, actor)
    }

    static func show(_ request: Request) async throws -> Response {
        let (record, _) = try await found(request)
        return try await page(request, record)
    }

    private static func page(_ request: Request, _ record: DataImport, mapping: ImportMapping? = nil, hasHeader: Bool? = nil,
                             errors: OperatorInput.Errors = .init(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = try await model(record, mapping: mapping, hasHeader: hasHeader, errors: errors,
                                    refreshes: (try? request.query.get(String.self, at: "refresh")) != "off", on: request.db)
        return await request.page(record.kind.title, status: status, current: record.kind == .accounts ? .accounts : .operators,
                                  content: Forms.focusingFirstError(ImportView.show(model, csrfToken: request.csrfToken)))
    }

    static func model(_ record: DataImport, mapping: ImportMapping? = nil, hasHeader: Bool? = nil, errors: OperatorInput.Errors = .init(),
                      refreshes: Bool = true, on db: any Database) async throws -> ImportView.Page {
        let mapping = mapping ?? record.mapping
        let hasHeader = hasHeader ?? record.hasHeader
        let headings = record.headings
        let columns = headings.indices.map { index in
            hasHeader && !headings[index].trimmingCharacters(in: .whitespaces).isEmpty ? headings[index] : "Column \(DataImport.letters(index))"
        }
        var sample: [[String]] = []
        if [.mapping, .checked].contains(record.phase) {
            let rows = try await ImportService.rows(record, after: hasHeader ? 1 : 0, limit: 5, on: db)
            sample = rows.map { row in columns.indices.map { $0 < row.cells.count ? String(row.cells[$0].prefix(80)) : "" } }
        }
        let fields = record.kind.fields.map { field in
            ImportView.FieldChoice(field: field, label: field.label, hint: field.hint(for: record.kind), column: mapping[field],
                                   required: field.isRequired(for: record.kind), error: errors["column_\(field.rawValue)"] ?? errors[field.rawValue])
        }
        let problems = [.checked, .done, .failed].contains(record.phase)
            ? try await ImportService.results(record, limit: ImportView.problemLimit, problemsOnly: true, on: db) : []
        return ImportView.Page(
            id: try record.requireID().uuidString.lowercased(), kind: record.kind, fileName: record.fileName, phase: record.phase,
            total: record.total, done: record.done, tally: record.tally, error: record.error, createdAt: record.createdAt,
            hasHeader: hasHeader, columns: columns, sample: sample, fields: fields, mappingError: errors["mapping"],
            problems: problems, problemCount: record.tally.failed, refreshes: refreshes)
    }

    /// The mapping form: one list per field, each naming a column by its position.
    static func mapping(from request: Request, kind: ImportKind) -> (ImportMapping, hasHeader: Bool, errors: OperatorInput.Errors) {
        var columns: [ImportField: Int] = [:]
        var errors = OperatorInput.Errors()
        for field in kind.fields {
            let raw = (try? request.content.get(String.self, at: "column_\(field.rawValue)")) ?? ""
            guard !raw.isEmpty else { continue }
            guard let column = Int(raw), column >= 0 else { errors.fields["column_\(field.rawValue)"] = "Choose one of the file's columns."; continue }
            columns[field] = column
        }
        return (ImportMapping(columns), (try? request.content.get(String.self, at: "has_header")) == "1", errors)
    }

    static func setMapping(_ request: Request) async throws -> Response {
        let (record, actor) = try await found(request)
        var (mapping, hasHeader, errors) = mapping(from: request, kind: record.kind)
        if errors.isEmpty {
            switch try await ImportService.map(record, mapping: mapping, hasHeader: hasHeader, by: actor, on: request.db) {
            case .success: return request.redirect(to: SiteURL.importDetail(id: try record.requireID().uuidString.lowercased()).path, redirectType: .normal)
            case .failure(let found): errors = found
            }
        }
        // The problems are keyed by field; the form's lists are "column_" + field.
        var keyed = OperatorInput.Errors()
        for (key, message) in errors.fields { keyed.fields[key == "mapping" || key.hasPrefix("column_") ? key : "column_\(key)"] = message }
        return try await page(request, record, mapping: mapping, hasHeader: hasHeader, errors: keyed, status: .unprocessableEntity)
    }

    static func start(_ request: Request) async throws -> Response {
        let (record, actor) = try await found(request)
        try await ImportService.start(record, by: actor, on: request.db)
        return request.redirect(to: SiteURL.importDetail(id: try record.requireID().uuidString.lowercased()).path, redirectType: .normal)
    }

    /// Every row's result in the latest pass, with the row's own cells, as CSV.
    static func report(_ request: Request) async throws -> Response {
        let (record, _) = try await found(request)
        let text = try await ImportReport.csv(record, on: request.db)
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let name = "import-" + (record.resultPass == .import ? "report" : "check") + "-" + String(try record.requireID().uuidString.lowercased().prefix(8)) + ".csv"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        return response
    }
}

/// The per-row report: the row's number, what became of it, the field and the reason, the
/// account's Business UID or the operator's email, then the row's own cells.
enum ImportReport {
    static func csv(_ record: DataImport, on db: any Database) async throws -> String {
        let headings = record.headings.indices.map { record.columnName($0) }
        var text = "\u{FEFF}" + CSV.line(["Row", "Result", "Column", "Why", record.kind == .accounts ? "Business UID" : "Email"] + headings)
        var after = 0
        while true {
            let results = try await ImportService.results(record, after: after, limit: 2_000, on: db)
            guard let last = results.last else { break }
            let rows = Dictionary(uniqueKeysWithValues: try await ImportService.rows(record, after: after, limit: last.number - after, on: db)
                .map { ($0.number, $0.cells) })
            for result in results {
                let column = result.field.flatMap { record.mapping[$0] }.map(record.columnName) ?? ""
                text += CSV.line([String(result.number), result.outcome.rawValue, column, result.message ?? "", result.reference ?? ""]
                                 + (rows[result.number] ?? []))
            }
            after = last.number
        }
        return text
    }
}
