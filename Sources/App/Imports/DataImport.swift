import Fluent
import Foundation

/// A CSV import (`imports`): started by one operator and seen only by them. Its rows are
/// kept as read (`import_rows`); the `imports` job checks them (the dry run) and then
/// imports them, a batch at a time, writing each row's result (`import_results`).
final class DataImport: Model, StartedInBackground, @unchecked Sendable {
    static let schema = "imports"
    static let rowsSchema = "import_rows"
    static let resultsSchema = "import_results"

    /// Where an import stands. `mapping`: waiting for the operator to confirm which column
    /// is which; `checking`, then `checked`: the dry run; `importing`, then `done`.
    enum Phase: String, Codable, Sendable { case mapping, checking, checked, importing, done, failed }
    /// The two passes over the rows, each with its own results.
    enum Pass: String, Codable, Sendable { case check, `import` }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    @Field(key: "operator_name") var operatorName: String
    @OptionalField(key: "impersonator_id") var impersonatorID: UUID?
    @OptionalField(key: "impersonator_name") var impersonatorName: String?
    @Field(key: "ip") var ip: String
    /// Where the invitations' links point: the portal's address as the operator used it.
    @Field(key: "base_url") var baseURL: String
    @Field(key: "kind") var kind: ImportKind
    @Field(key: "file_name") var fileName: String
    /// The first row's cells as JSON, whether or not it is a header row.
    @Field(key: "headings") var headingsJSON: String
    @Field(key: "has_header") var hasHeader: Bool
    /// `ImportMapping` as JSON.
    @Field(key: "mapping") var mappingJSON: String
    @Field(key: "phase") var phase: Phase
    /// Data rows in the file (the header row not counted).
    @Field(key: "total") var total: Int
    @Field(key: "done") var done: Int
    @Field(key: "created") var created: Int
    @Field(key: "updated") var updated: Int
    @Field(key: "unchanged") var unchanged: Int
    @Field(key: "failed") var failed: Int
    /// The number of the last row the running pass recorded (0 before its first).
    @Field(key: "cursor") var cursor: Int
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "updated_at") var updatedAt: Date?
    @OptionalField(key: "checked_at") var checkedAt: Date?
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}

    var headings: [String] { (try? JSONDecoder().decode([String].self, from: Data(headingsJSON.utf8))) ?? [] }
    var mapping: ImportMapping { (try? JSONDecoder().decode(ImportMapping.self, from: Data(mappingJSON.utf8))) ?? ImportMapping() }
    var isRunning: Bool { phase == .checking || phase == .importing }
    var tally: ImportTally { ImportTally(created: created, updated: updated, unchanged: unchanged, failed: failed) }


    /// How the column `index` is called on the page: its heading, or its letter as a
    /// spreadsheet names it.
    func columnName(_ index: Int) -> String {
        let headings = headings
        if hasHeader, index < headings.count, !headings[index].trimmingCharacters(in: .whitespaces).isEmpty { return headings[index] }
        return "Column \(Self.letters(index))"
    }

    static func letters(_ index: Int) -> String {
        var index = index, text = ""
        repeat {
            text = String(UnicodeScalar(UInt8(65 + index % 26))) + text
            index = index / 26 - 1
        } while index >= 0
        return text
    }
}

/// What became of the rows a pass went through.
struct ImportTally: Sendable, Equatable {
    var created = 0
    var updated = 0
    var unchanged = 0
    var failed = 0
    var done: Int { created + updated + unchanged + failed }

    mutating func count(_ outcome: ImportOutcome) {
        switch outcome {
        case .created: created += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        case .failed, .refused: failed += 1
        }
    }
}

/// One row's result.
enum ImportOutcome: String, Codable, Sendable {
    /// In the check, what the import would do.
    case created, updated, unchanged
    /// Not imported: a problem with the row's values.
    case failed
    /// Not imported: the operator may not do what the row asks.
    case refused
}

/// A row's result, as the report lists it.
struct ImportResult: Sendable, Equatable {
    var number: Int
    var outcome: ImportOutcome
    /// The field the problem is in, if it is in one.
    var field: ImportField?
    var message: String?
    /// The account's Business UID, or the operator's email.
    var reference: String?
}
