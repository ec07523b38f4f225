import Fluent
import Foundation
import SQLKit

/// The partner's tree of groups: create, rename, move, delete (moving out what it holds). Every change writes
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
        // Staying where it is changes nothing, so it needs no right over the place it is in.
        guard newParentID != group.parentID else { return }
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

    /// Where a deleted group's accounts and subgroups go.
    enum Destination: Sendable, Equatable {
        case top
        case group(UUID)

        /// "top" or a group's id, as the delete form and the API send it.
        init?(_ raw: String) {
            if raw == "top" { self = .top } else if let id = UUID(uuidString: raw) { self = .group(id) } else { return nil }
        }
    }

    /// What deleting a group did: how many accounts and subgroups it moved, and where.
    struct Deletion: Sendable, Equatable {
        var accountsMoved = 0
        var subgroupsMoved = 0
        var destination: Destination?
    }

    /// Deletes a group. A group that holds accounts or subgroups is deleted only with a
    /// `destination`: in the same transaction its subgroups (with everything below them) move
    /// there and its accounts too, each account decided by the access policy as a move (edit
    /// where it is and where it goes). One account that may not move refuses the whole step.
    @discardableResult
    static func delete(_ group: AccountGroup, movingTo destination: Destination? = nil, by actor: Actor, in context: AuditContext? = nil,
                       on db: any Database) async throws -> Deletion {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))))
        let id = try group.requireID()
        let grants = try await Grant.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$scope == .group).filter(\.$scopeID == id).count()
        if grants > 0 { throw PortalError(status: .conflict, title: "Group in use", detail: Blocker.grants(grants).reason(groupName: group.name)) }
        let children = try await AccountGroup.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$parentID == id).all()
        let accounts = try await Account.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$groupID == id).all()
        var deletion = Deletion()
        let context = try await Audit.context(context, for: actor, on: db)
        guard !children.isEmpty || !accounts.isEmpty else {
            try await db.writeTransaction { db in
                try await group.delete(on: db)
                try await Audit.record("group.deleted", in: context, partnerID: group.partnerID, target: Audit.target(group), on: db)
            }
            return deletion
        }
        guard let destination else {
            let blocker: Blocker = children.isEmpty ? .accounts(accounts.count) : .subgroups(children.count)
            throw PortalError(status: .conflict, title: "Group not empty", detail: blocker.reason(groupName: group.name))
        }
        let all = try await AccountGroup.query(on: db).filter(\.$partnerID == group.partnerID).all()
        let paths = GroupPaths(all)
        var target: AccountGroup?
        if case .group(let targetID) = destination {
            guard let found = all.first(where: { $0.id == targetID }) else { throw PortalError.unknownReference("The group to move into does not exist.") }
            if found.path.hasPrefix(group.path) {
                throw PortalError(status: .conflict, title: "Cannot move", detail: "Choose a group outside “\(group.name)”: it is being deleted with its subgroups' place.")
            }
            target = found
        }
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, try Self.target(target, partnerID: group.partnerID)))
        let targetLabel = target.flatMap { paths.label(of: $0.id) } ?? Self.topLabel
        let siblings = Set(all.filter { $0.parentID == target?.id && $0.id != id }.map { $0.name.lowercased() })
        if let clash = children.first(where: { siblings.contains($0.name.lowercased()) }) {
            throw PortalError(status: .conflict, title: "Name taken",
                              detail: "A group named “\(clash.name)” already exists in \(targetLabel). Rename one of them first.")
        }
        try await authorizeMoves(accounts, from: group.lineage, to: target?.lineage ?? [], groupName: group.name, by: actor, on: db)

        let oldPrefix = group.path
        let newPrefix = target?.path ?? "/"
        let (into, intoName) = (target?.id, target?.name ?? Self.topLabel)
        let groupLabel = paths.label(of: id) ?? group.name
        deletion = Deletion(accountsMoved: accounts.count, subgroupsMoved: children.count, destination: destination)
        try await db.writeTransaction { db in
            // Every group below keeps its place under the subgroups, which now hang from the destination.
            try await db.sql.raw("""
                UPDATE groups SET path = CAST(\(bind: newPrefix) AS TEXT) || substr(path, CAST(\(bind: oldPrefix.count + 1) AS INTEGER)) \
                WHERE partner_id = \(bind: group.partnerID) AND path LIKE \(bind: oldPrefix + "%") AND id <> \(bind: id)
                """).run()
            try await AccountGroup.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$parentID == id)
                .set(\.$parentID, to: into).update()
            try await Account.query(on: db).filter(\.$partnerID == group.partnerID).filter(\.$groupID == id)
                .set(\.$groupID, to: into).update()
            for child in children {
                try await Audit.record("group.moved", in: context, partnerID: group.partnerID, target: Audit.target(child),
                                       details: "parent: \(group.name) → \(intoName)", on: db)
            }
            for account in accounts {
                try await Audit.record("account.moved", in: context, partnerID: group.partnerID, target: Audit.target(account),
                                       details: "group: \(groupLabel) → \(into == nil ? "no group" : targetLabel)", on: db)
            }
            try await group.delete(on: db)
            try await Audit.record("group.deleted", in: context, partnerID: group.partnerID, target: Audit.target(group),
                                   details: "moved \(Self.count(accounts.count, "account")) and \(Self.count(children.count, "subgroup")) to \(targetLabel)",
                                   on: db)
        }
        return deletion
    }

    /// Each account may leave the group for the destination only as an account move allows
    /// (`AccountEditing.move`: edit where it is and where it goes). Refuses them all at the first
    /// one that may not, saying how many.
    private static func authorizeMoves(_ accounts: [Account], from lineage: Set<UUID>, to newLineage: Set<UUID>, groupName: String,
                                       by actor: Actor, on db: any Database) async throws {
        guard !accounts.isEmpty else { return }
        let ids = try accounts.map { try $0.requireID() }
        var assigned = Set<UUID>()
        for chunk in stride(from: 0, to: ids.count, by: 1000).map({ Array(ids[$0..<min($0 + 1000, ids.count)]) }) {
            assigned.formUnion(try await AccountAssignment.query(on: db).filter(\.$partnerID == actor.partnerID)
                .filter(\.$operatorID == actor.operatorID).filter(\.$accountID ~~ chunk).all().map(\.accountID))
        }
        // Refusals are told only of the accounts the operator may see: of the others, not even how many.
        var refused: [DenyReason] = []
        var refusesHidden = false
        for account in accounts {
            let facts = AccountFacts(id: try account.requireID(), partnerID: account.partnerID, groupLineage: lineage, secure: account.secure,
                                     locked: account.locked, setupCompleted: account.setupCompleted, assignedToActor: assigned.contains(try account.requireID()))
            for decision in [AccessPolicy.decide(actor, .accountEdit, .account(facts)),
                             AccessPolicy.decide(actor, .accountEdit, .account(facts.moved(toLineage: newLineage)))] {
                guard case .deny(let reason) = decision else { continue }
                if AccessPolicy.decide(actor, .accountView, .account(facts)).isAllowed { refused.append(reason) } else { refusesHidden = true }
                break
            }
        }
        guard !refused.isEmpty || refusesHidden else { return }
        let detail = refused.first.map { "\(Self.count(refused.count, "account")) in “\(groupName)” cannot be moved by you: \($0.message)" }
            ?? "Some accounts in “\(groupName)” cannot be moved by you."
        throw PortalError(status: .forbidden, title: "Accounts you may not move", detail: detail + " Nothing was changed.")
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// What keeps a group from being deleted: with no destination, its subgroups or accounts;
    /// always, the operator grants over it (moving them would change what someone may see).
    enum Blocker: Sendable, Equatable {
        case subgroups(Int), accounts(Int), grants(Int)

        func reason(groupName name: String) -> String {
            switch self {
            case .subgroups(let n): "“\(name)” has \(n) subgroup\(n == 1 ? "" : "s"). Choose where they go, or move or delete them first."
            case .accounts(let n): "“\(name)” holds \(n) account\(n == 1 ? "" : "s"). Choose where they go, or move them first."
            case .grants(let n): "\(n) operator grant\(n == 1 ? "" : "s") apply to “\(name)”. Change them first."
            }
        }
    }

    /// The operator grants over each of the partner's groups, in one grouped query: what keeps
    /// a group from being deleted even when its contents move.
    static func grantBlockers(partnerID: UUID, on db: any Database) async throws -> [UUID: Blocker] {
        var blockers: [UUID: Blocker] = [:]
        for row in try await db.sql.raw("""
            SELECT scope_id AS key, COUNT(*) AS n FROM grants WHERE partner_id = \(bind: partnerID) AND scope = \(bind: Grant.ScopeKind.group.rawValue) \
            AND scope_id IS NOT NULL GROUP BY scope_id
            """).all() {
            blockers[try row.decode(column: "key", as: UUID.self)] = .grants(try row.decode(column: "n", as: Int.self))
        }
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

    /// Finds groups by what a person wrote (an import's Group column).
    var index: GroupIndex { GroupIndex(components) }

    /// Orders groups as a tree: by each level's name, case-insensitively.
    func sortKey(of id: UUID?) -> [String] { id.flatMap { components[$0] }?.map { $0.lowercased() } ?? [] }
}

/// The group a person wrote: its path ("West › Seattle", with ›, / or > between the levels,
/// in any case), or a name only one group has.
struct GroupIndex: Sendable {
    enum Found: Equatable, Sendable { case group(UUID), none, several(Int) }

    private var byPath: [String: [UUID]] = [:]
    private var byName: [String: [UUID]] = [:]

    init(_ components: [UUID: [String]]) {
        for (id, parts) in components {
            byPath[Self.key(parts), default: []].append(id)
            if let last = parts.last { byName[Self.key([last]), default: []].append(id) }
        }
    }

    private static func key<S: StringProtocol>(_ parts: [S]) -> String {
        parts.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.joined(separator: "\u{1F}")
    }

    func find(_ text: String) -> Found {
        let written = text.split(whereSeparator: { "›/>".contains($0) })
        guard !written.isEmpty else { return .none }
        let wanted = Self.key(written)
        for found in [byPath[wanted] ?? [], written.count == 1 ? byName[wanted] ?? [] : []] where !found.isEmpty {
            return found.count == 1 ? .group(found[0]) : .several(found.count)
        }
        return .none
    }
}
