import Fluent
import Foundation
import SQLKit
import Vapor

/// The groups an operator may pick for the accounts list's filter: those their grants reach
/// (`GroupVisibility`, decided by the database), each named by its place in the tree
/// ("North › Leeds") and listed in tree order.
enum GroupChoices {
    /// The groups the actor may see whose label holds every word of `term` (any case, any
    /// accents; every group when it is empty), in tree order.
    static func matching(_ term: String, for actor: Actor, paths: GroupPaths, on db: any SQLDatabase) async throws -> [FilterChoice] {
        let ids = try await db.select().column("id").from(AccountGroup.schema)
            .where("partner_id", .equal, actor.partnerID).where(GroupVisibility.condition(for: actor)).all()
            .map { try $0.decode(column: "id", as: UUID.self) }
        let words = FilterChoice.words(term)
        return ids.compactMap { id -> (choice: FilterChoice, key: [String])? in
            guard let label = paths.label(of: id), FilterChoice.label(label, holds: words) else { return nil }
            return (FilterChoice(id: id, label: label), paths.sortKey(of: id))
        }
        .sorted { $0.key != $1.key ? $0.key.lexicographicallyPrecedes($1.key) : $0.choice.id.uuidString < $1.choice.id.uuidString }
        .map(\.choice)
    }

    /// Whether the actor may see the group, and so filter the list by it.
    static func isVisible(_ id: UUID, to actor: Actor, on db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("id").from(AccountGroup.schema)
            .where("partner_id", .equal, actor.partnerID).where("id", .equal, id)
            .where(GroupVisibility.condition(for: actor)).first() != nil
    }

    /// Whether the actor may see any group at all (without one there is no group filter).
    static func hasAny(for actor: Actor, on db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("id").from(AccountGroup.schema)
            .where("partner_id", .equal, actor.partnerID).where(GroupVisibility.condition(for: actor)).limit(1).first() != nil
    }
}

/// `GET /groups/suggest?q=…`: the type-ahead of the accounts list's group filter; with
/// `top=1`, of the bulk bar's "Move to group", which offers "No group (top level)" first.
enum GroupSuggestionsController {
    static let topLevel = FilterPicker.Chosen(value: BulkChange.noGroup, label: "No group (top level)")

    static func suggest(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let term: String
        switch FilterChoice.term(try? request.query.get(String.self, at: "q")) {
        case .success(let value): term = value
        case .failure(let problem): return problem.response(request)
        }
        let db = request.db
        let paths = try await request.application.groupPaths.value(actor.partnerID) {
            try await GroupPaths.load(partnerID: actor.partnerID, on: db)
        }
        let choices = try await GroupChoices.matching(term, for: actor, paths: paths, on: try db.sql)
        let offersTop = (try? request.query.get(String.self, at: "top")) == "1"
            && FilterChoice.label(topLevel.label, holds: FilterChoice.words(term))
        return try FilterChoice.suggestions(choices, leading: offersTop ? [topLevel] : [])
    }
}
