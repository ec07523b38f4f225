import Foundation
import SQLKit
import Vapor

/// One choice of the accounts list's group or assignee filter, and what the two share: how a
/// typed term is read and matched, and the suggestions answered to the type-ahead.
struct FilterChoice: Sendable, Equatable {
    let id: UUID
    let label: String

    /// At most this many suggestions per answer: enough to choose from while typing.
    static let suggestionLimit = 20
    static let maxTermLength = 100

    /// A refused term, answered as problem+json (the type-ahead reads JSON).
    struct TermProblem: Error {
        let detail: String

        func response(_ request: Request) -> Response {
            Problem(status: .badRequest, title: "Bad Request", detail: detail, instance: request.url.path).response()
        }
    }

    /// The term as typed, trimmed; refused when it is too long or holds control characters.
    static func term(_ raw: String?) -> Result<String, TermProblem> {
        let term = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if term.unicodeScalars.count > maxTermLength { return .failure(TermProblem(detail: "q: use at most \(maxTermLength) characters.")) }
        if DisplayText.hasControl(term) { return .failure(TermProblem(detail: "q: remove the control characters.")) }
        return .success(term)
    }

    static func words(_ term: String) -> [String] {
        term.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// Whether `label` holds every word, in any case and with or without accents.
    static func label(_ label: String, holds words: [String]) -> Bool {
        words.allSatisfy { label.range(of: $0, options: [.caseInsensitive, .diacriticInsensitive]) != nil }
    }

    /// The first `suggestionLimit` choices as `{"options": [{"id", "label"}], "more": Bool}`,
    /// after `leading` (a choice that is not a row, such as "No group (top level)").
    static func suggestions(_ choices: [FilterChoice], leading: [FilterPicker.Chosen] = []) throws -> Response {
        struct Option: Encodable { let id: String; let label: String }
        struct Answer: Encodable { let options: [Option]; let more: Bool }
        let all = leading + choices.map(FilterPicker.Chosen.init)
        let answer = Answer(options: all.prefix(suggestionLimit).map { Option(id: $0.value, label: $0.label) },
                            more: all.count > suggestionLimit)
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return Response(status: .ok, headers: headers, body: .init(data: try JSONEncoder().encode(answer)))
    }
}

/// The operators the "Assigned to" filter offers: the partner's operators who are not blocked,
/// by name, as the Account tab and the bulk bar offer them for assigning.
enum AssigneeChoices {
    static func matching(_ term: String, partnerID: UUID, on db: any SQLDatabase) async throws -> [FilterChoice] {
        let words = FilterChoice.words(term)
        return try await db.select().column("id").column("name").from(Operator.schema)
            .where("partner_id", .equal, partnerID).where("status", .notEqual, Operator.Status.blocked.rawValue)
            .orderBy("name").orderBy("id").all()
            .map { FilterChoice(id: try $0.decode(column: "id", as: UUID.self), label: try $0.decode(column: "name", as: String.self)) }
            .filter { FilterChoice.label($0.label, holds: words) }
    }

    /// The operator, when the filter offers them.
    static func find(_ id: UUID, partnerID: UUID, on db: any SQLDatabase) async throws -> FilterChoice? {
        try await db.select().column("id").column("name").from(Operator.schema)
            .where("partner_id", .equal, partnerID).where("id", .equal, id)
            .where("status", .notEqual, Operator.Status.blocked.rawValue).first()
            .map { FilterChoice(id: try $0.decode(column: "id", as: UUID.self), label: try $0.decode(column: "name", as: String.self)) }
    }
}
