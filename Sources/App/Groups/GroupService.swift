import Fluent
import Foundation
import SQLKit

/// The partner's tree of groups: create, rename, move, delete when empty. Every change writes
/// an audit entry in the same transaction. `context` is who acts and from where (a request's
/// `auditContext`); without it the actor is named from the database.
enum GroupService {
    static func find(_ id: UUID, partnerID: UUID, on db: any Database) async throws -> AccountGroup? {
        try await AccountGroup.query(on: db).filter(\.$id == id).filter(\.$partnerID == partnerID).first()
    }

    /// The groups the actor's grants reach, ordered as a tree (by path).
    static func visible(to actor: Actor, on db: any Database) async throws -> [AccountGroup] {
        let groups = try await AccountGroup.query(on: db).filter(\.$partnerID == actor.partnerID).all()
        return try await visible(to: actor, among: groups, paths: GroupPaths(groups), on: db)
    }

    /// The groups of `all` the actor's grants reach (`GroupVisibility`, decided by the
    /// database), ordered as a tree by their names. `all` is the partner's whole tree, which
    /// the labels need.
    static func visible(to actor: Actor, among all: [AccountGroup], paths: GroupPaths, on db: any Database) async throws -> [AccountGroup] {
        let reached = try await GroupVisibility.ids(for: actor, on: db.sql)
        return all
            .filter { $0.id.map(reached.contains) ?? false }
            .map { (group: $0, key: paths.sortKey(of: $0.id)) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map(\.group)
    }

    static func create(name raw: String, parentID: UUID?, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws -> AccountGroup {
        let parent = try await parentID.asyncMap { id in
            guard let group = try await find(id, partnerID: actor.partnerID, on: db) else { throw PortalError.unknownReference("The parent group does not exist.") }
            return group
        }
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, try target(parent, partnerID: actor.partnerID)))
        let name = try validateName(raw)
        try await ensureUnique(name: name, parentID: parent?.id, partnerID: actor.partnerID, excluding: nil, on: db)
        let group = AccountGroup(partnerID: actor.partnerID, parent: parent, name: name)
        let context = try await Audit.context(context, for: actor, on: db)
        try await db.writeTransaction { db in
            try await group.create(on: db)
            try await Audit.record("group.created", in: context, partnerID: group.partnerID, target: Audit.target(group),
                                   details: "parent: \(parent?.name ?? Self.topLabel)", on: db)
        }
        return group
    }

    static func rename(_ group: AccountGroup, to raw: String, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))))
        let name = try validateName(raw)
        try await ensureUnique(name: name, parentID: group.parentID, partnerID: group.partnerID, excluding: group.id, on: db)
        let before = group.name
        guard before != name else { return }
        let context = try await Audit.context(context, for: actor, on: db)
        group.name = name
        try await db.writeTransaction { db in
            try await group.update(on: db)
            try await Audit.record("group.renamed", in: context, partnerID: group.partnerID, target: Audit.target(group),
                                   details: Audit.change("name", before, name) ?? "", on: db)
        }
    }

    /// Moves a group (and its subtree) under `newParentID`, or to the top when nil.
    static func move(_ group: AccountGroup, under newParentID: UUID?, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))))
        let newParent = try await newParentID.asyncMap { id in
            guard let parent = try await find(id, partnerID: group.partnerID, on: db) else { throw PortalError.unknownReference("The new parent group does not exist.") }
            return parent
        }
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, try target(newParent, partnerID: group.partnerID)))
        if let newParent, newParent.path.hasPrefix(group.path) {
            throw PortalError(status: .conflict, title: "Cannot move", detail: "A group cannot be moved into itself or one of its subgroups.")
        }
        try await ensureUnique(name: group.name, parentID: newParent?.id, partnerID: group.partnerID, excluding: group.id, on: db)
        let oldPath = group.path
        let newPath = (newParent?.path ?? "/") + (try group.requireID()).uuidString.lowercased() + "/"
        let oldParentName = try await group.parentID.asyncMap { try await find($0, partnerID: group.partnerID, on: db)?.name } ?? nil
        let context = try await Audit.context(context, for: actor, on: db)
        try await db.writeTransaction { db in
            // Rewrite the prefix of every path in the subtree, in one statement.
            try await db.sql.raw("""
                UPDATE groups SET path = CAST(\(bind: newPath) AS TEXT) || substr(path, CAST(\(bind: oldPath.count + 1) AS INTEGER)) \
                WHERE partner_id = \(bind: group.partnerID) AND path LIKE \(bind: oldPath + "%")
                """).run()
            try await AccountGroup.query(on: db).filter(\.$id == group.requireID())
                .set(\.$parentID, to: newParent?.id).update()
            try await Audit.record("group.moved", in: context, partnerID: group.partnerID, target: Audit.target(group),
                                   details: "parent: \(oldParentName ?? Self.topLabel) → \(newParent?.name ?? Self.topLabel)", on: db)
        }
        group.path = newPath
        group.parentID = newParent?.id
    }

    static func delete(_ group: AccountGroup, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))))
        if let reason = try await whyNotDeletable(group, on: db) {
            throw PortalError(status: .conflict, title: "Group not empty", detail: reason)
        }
        let context = try await Audit.context(context, for: actor, on: db)
        try await db.writeTransaction { db in
            try await group.delete(on: db)
            try await Audit.record("group.deleted", in: context, partnerID: group.partnerID, target: Audit.target(group), on: db)
        }
    }

    /// Nil when the group can be deleted; otherwise what keeps it. (The Groups page asks this
    /// of every group at once with `blockers`.)
    static func whyNotDeletable(_ group: AccountGroup, on db: any Database) async throws -> String? {
        let id = try group.requireID()
        let children = try await AccountGroup.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$parentID == id).count()
        if children > 0 { return Blocker.subgroups(children).reason(groupName: group.name) }
        let accounts = try await Account.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$groupID == id).count()
        if accounts > 0 { return Blocker.accounts(accounts).reason(groupName: group.name) }
        let grants = try await Grant.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$scope == .group).filter(\.$scopeID == id).count()
        if grants > 0 { return Blocker.grants(grants).reason(groupName: group.name) }
        return nil
    }

    /// What keeps a group from being deleted, for every group of the partner that has something.
    enum Blocker: Sendable, Equatable {
        case subgroups(Int), accounts(Int), grants(Int)

        func reason(groupName name: String) -> String {
            switch self {
            case .subgroups(let n): "“\(name)” has \(n) subgroup\(n == 1 ? "" : "s"). Move or delete them first."
            case .accounts(let n): "“\(name)” holds \(n) account\(n == 1 ? "" : "s"). Move them first."
            case .grants(let n): "\(n) operator grant\(n == 1 ? "" : "s") apply to “\(name)”. Change them first."
            }
        }
    }

    /// `whyNotDeletable` for all the partner's groups in three grouped queries.
    /// `accountCounts`: accounts directly in each group, as the caller already has them.
    static func blockers(partnerID: UUID, accountCounts: [UUID: Int], on db: any Database) async throws -> [UUID: Blocker] {
        func grouped(_ sql: SQLQueryString) async throws -> [UUID: Int] {
            var counts: [UUID: Int] = [:]
            for row in try await db.sql.raw(sql).all() {
                counts[try row.decode(column: "key", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
        let children = try await grouped("""
            SELECT parent_id AS key, COUNT(*) AS n FROM groups WHERE partner_id = \(bind: partnerID) AND parent_id IS NOT NULL GROUP BY parent_id
            """)
        let grants = try await grouped("""
            SELECT scope_id AS key, COUNT(*) AS n FROM grants WHERE partner_id = \(bind: partnerID) AND scope = \(bind: Grant.ScopeKind.group.rawValue) \
            AND scope_id IS NOT NULL GROUP BY scope_id
            """)
        var blockers: [UUID: Blocker] = [:]
        for (id, n) in grants where n > 0 { blockers[id] = .grants(n) }
        for (id, n) in accountCounts where n > 0 { blockers[id] = .accounts(n) }
        for (id, n) in children where n > 0 { blockers[id] = .subgroups(n) }
        return blockers
    }

    /// How audit entries name the top of the tree.
    static let topLabel = "(top level)"

    private static func target(_ group: AccountGroup?, partnerID: UUID) throws -> Target {
        try group.map { .group(try AccessLoader.facts(for: $0)) } ?? .partner(partnerID)
    }

    static func validateName(_ raw: String) throws -> String {
        guard let name = DisplayText.trimmed(raw), raw.unicodeScalars.count <= 100, !DisplayText.hasControl(raw)
        else { throw PortalError.badRequest("name: use 1 to 100 characters, without control characters.") }
        return name
    }

    private static func ensureUnique(name: String, parentID: UUID?, partnerID: UUID, excluding: UUID?, on db: any Database) async throws {
        var query = AccountGroup.query(on: db).filter(\.$partnerID == partnerID).filter(\.$name == name).filter(\.$parentID == parentID)
        if let excluding { query = query.filter(\.$id != excluding) }
        if try await query.count() > 0 {
            throw PortalError(status: .conflict, title: "Name taken", detail: "A group named “\(name)” already exists there.")
        }
    }
}

extension Audit {
    static func target(_ group: AccountGroup) -> (type: String, id: String?, label: String) {
        ("group", group.id?.uuidString.lowercased(), group.name)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// The names of a partner's groups from the root down ("Main › Sub"), worked out once for a
/// list of groups: a page that labels many groups builds one of these, never a path per label.
struct GroupPaths: Sendable {
    struct Option: Sendable, Equatable {
        /// The group's id as text (lower case), as forms and links carry it.
        let id: String
        let label: String
    }

    private let components: [UUID: [String]]
    private let labels: [UUID: String]
    /// Every group as (id, label), ordered by label.
    let options: [Option]

    init(_ groups: [AccountGroup]) {
        self.init(rows: groups.compactMap { group in group.id.map { (id: $0, name: group.name, path: group.path) } })
    }

    /// `path` is "/root/…/self/" with lower-case ids, so a group's own id as text is the last
    /// part of its path: no id is parsed or formatted here.
    init(rows: [(id: UUID, name: String, path: String)]) {
        var names: [Substring: String] = [:]
        for row in rows {
            if let own = row.path.split(separator: "/").last { names[own] = row.name }
        }
        var components: [UUID: [String]] = [:]
        var labels: [UUID: String] = [:]
        var options: [Option] = []
        options.reserveCapacity(rows.count)
        for row in rows {
            let parts = row.path.split(separator: "/")
            let path = parts.compactMap { names[$0] }
            let label = path.joined(separator: " › ")
            components[row.id] = path
            labels[row.id] = label
            options.append(Option(id: parts.last.map(String.init) ?? row.id.uuidString.lowercased(), label: label))
        }
        self.components = components
        self.labels = labels
        self.options = options.sorted { $0.label != $1.label ? $0.label < $1.label : $0.id < $1.id }
    }

    /// The partner's groups read as three columns, without building models.
    static func load(partnerID: UUID, on db: any Database) async throws -> GroupPaths {
        let rows = try await db.sql.select().column("id").column("name").column("path").from(AccountGroup.schema)
            .where("partner_id", .equal, partnerID).all()
        return GroupPaths(rows: try rows.map { row in
            (id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
             path: try row.decode(column: "path", as: String.self))
        })
    }

    /// "Main › Sub", or nil for no group or one not in the list.
    func label(of id: UUID?) -> String? { id.flatMap { labels[$0] } }

    /// Orders groups as a tree: by each level's name, case-insensitively.
    func sortKey(of id: UUID?) -> [String] { id.flatMap { components[$0] }?.map { $0.lowercased() } ?? [] }
}
