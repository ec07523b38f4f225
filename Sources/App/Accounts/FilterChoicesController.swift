import Foundation
import Vapor

/// `GET /accounts/groups` and `GET /accounts/assignees`: every choice of the list's group or
/// assignee filter, a page at a time, for choosing without a script; and
/// `GET /accounts/assignees/suggest`, the assignee type-ahead's suggestions.
enum FilterChoicesController {
    /// Choices on a full page.
    static let pageSize = 100

    static func groups(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let db = request.db
        let paths = try await request.application.groupPaths.value(actor.partnerID) {
            try await GroupPaths.load(partnerID: actor.partnerID, on: db)
        }
        return try await page(request, title: "Choose a group", intro: "The groups you may see, in the order of the tree. A group's accounts include those of the groups below it.",
                              noun: "groups", findLabel: "Find a group", anyLabel: "Any group", url: .accountsGroupChoices,
                              chosen: \.groupID) { term in
            try await GroupChoices.matching(term, for: actor, paths: paths, on: try db.sql)
        }
    }

    static func assignees(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let db = request.db
        return try await page(request, title: "Choose an operator", intro: "The operators accounts may be assigned to, by name.",
                              noun: "operators", findLabel: "Find an operator", anyLabel: "Anyone", url: .accountsAssigneeChoices,
                              chosen: \.operatorID) { term in
            try await AssigneeChoices.matching(term, partnerID: actor.partnerID, on: try db.sql)
        }
    }

    /// `GET /accounts/assignees/suggest?q=…`.
    static func suggestAssignees(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        switch FilterChoice.term(try? request.query.get(String.self, at: "q")) {
        case .success(let term): return try FilterChoice.suggestions(try await AssigneeChoices.matching(term, partnerID: actor.partnerID, on: try request.db.sql))
        case .failure(let problem): return problem.response(request)
        }
    }

    private static func page(_ request: Request, title: String, intro: String, noun: String, findLabel: String, anyLabel: String, url: SiteURL,
                             chosen key: WritableKeyPath<AccountDirectory.Filter, UUID?>,
                             choices: (String) async throws -> [FilterChoice]) async throws -> Response {
        // The list's filters as its links carry them (a value that is not valid is left to the list to point out).
        var values: [String: String] = [:]
        for name in AccountListQuery.filterKeys + ["sort"] {
            if let value = try? request.query.get(String.self, at: name) { values[name] = value }
        }
        let filter = AccountListQuery.parse(values, choices: nil).filter
        var without = filter
        without[keyPath: key] = nil
        let rawFind = try? request.query.get(String.self, at: "find")
        var find = "", findError: String?, all: [FilterChoice] = []
        switch FilterChoice.term(rawFind) {
        case .success(let term): find = term; all = try await choices(term)
        case .failure(let problem): find = rawFind ?? ""; findError = String(problem.detail.dropFirst("q: ".count)).capitalizedFirst
        }
        let pages = max(1, (all.count + pageSize - 1) / pageSize)
        let number = min(max((try? request.query.get(Int.self, at: "page")) ?? 1, 1), pages)
        let shown = all.dropFirst((number - 1) * pageSize).prefix(pageSize)
        func pageQuery(_ number: Int) -> String {
            var items = URLComponents(string: AccountsView.query(filter))?.queryItems ?? []
            if !find.isEmpty { items.append(URLQueryItem(name: "find", value: find)) }
            if number > 1 { items.append(URLQueryItem(name: "page", value: String(number))) }
            return items.isEmpty ? "" : "?" + items.map { "\($0.name)=\(($0.value ?? "").urlQueryEscaped)" }.joined(separator: "&")
        }
        let model = FilterChoicesView.Model(
            page: url, title: title, intro: intro, noun: noun, findLabel: findLabel, find: find, findError: findError,
            kept: (URLComponents(string: AccountsView.query(filter))?.queryItems ?? []).map { .init(name: $0.name, value: $0.value ?? "") },
            anyLabel: anyLabel, anyQuery: AccountsView.query(without), anyIsChosen: filter[keyPath: key] == nil,
            choices: shown.map { choice in
                var with = filter
                with[keyPath: key] = choice.id
                return .init(label: choice.label, query: AccountsView.query(with), isChosen: choice.id == filter[keyPath: key])
            },
            total: all.count, first: (number - 1) * pageSize + 1,
            previousQuery: number > 1 ? pageQuery(number - 1) : nil, nextQuery: number < pages ? pageQuery(number + 1) : nil,
            backQuery: AccountsView.query(filter))
        return await request.page(title, status: findError == nil ? .ok : .unprocessableEntity, current: .accounts,
                                  content: FilterChoicesView.render(model))
    }
}

private extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
