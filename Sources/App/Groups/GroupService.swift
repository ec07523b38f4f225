import Fluent
import Foundation
import SQLKit

/// The partner's tree of groups: create, rename, move, delete when empty.
enum GroupService {
    static func find(_ id: UUID, partnerID: UUID, on db: any Database) async throws -> AccountGroup? {
        try await AccountGroup.query(on: db).filter(\.$id == id).filter(\.$partnerID == partnerID).first()
    }

    /// The groups the actor's grants reach, ordered as a tree (by path).
    static func visible(to actor: Actor, on db: any Database) async throws -> [AccountGroup] {
        let groups = try await AccountGroup.query(on: db).filter(\.$partnerID == actor.partnerID).all()
        return try groups
            .filter { AccessPolicy.decide(actor, .portalLogin, .group(try AccessLoader.facts(for: $0))).isAllowed }
            .sorted { displayPath($0, in: groups).map { $0.lowercased() }.lexicographicallyPrecedes(displayPath($1, in: groups).map { $0.lowercased() }) }
    }

    /// Names from the root down ("Main › Sub").
    static func displayPath(_ group: AccountGroup, in all: [AccountGroup]) -> [String] {
        let byID = Dictionary(uniqueKeysWithValues: all.compactMap { group in group.id.map { ($0, group) } })
        return group.path.split(separator: "/").compactMap { UUID(uuidString: String($0)).flatMap { byID[$0]?.name } }
    }

    static func create(name raw: String, parentID: UUID?, by actor: Actor, on db: any Database) async throws -> AccountGroup {
        let parent = try await parentID.asyncMap { id in
            guard let group = try await find(id, partnerID: actor.partnerID, on: db) else { throw PortalError.unknownReference("The parent group does not exist.") }
            return group
        }
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, try target(parent, partnerID: actor.partnerID)))
        let name = try validateName(raw)
        try await ensureUnique(name: name, parentID: parent?.id, partnerID: actor.partnerID, excluding: nil, on: db)
        let group = AccountGroup(partnerID: actor.partnerID, parent: parent, name: name)
        try await group.create(on: db)
        return group
    }

    static func rename(_ group: AccountGroup, to raw: String, by actor: Actor, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))))
        let name = try validateName(raw)
        try await ensureUnique(name: name, parentID: group.parentID, partnerID: group.partnerID, excluding: group.id, on: db)
        group.name = name
        try await group.update(on: db)
    }

    /// Moves a group (and its subtree) under `newParentID`, or to the top when nil.
    static func move(_ group: AccountGroup, under newParentID: UUID?, by actor: Actor, on db: any Database) async throws {
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
        try await db.transaction { db in
            // Rewrite the prefix of every path in the subtree, in one statement.
            try await db.sql.raw("""
                UPDATE groups SET path = CAST(\(bind: newPath) AS TEXT) || substr(path, CAST(\(bind: oldPath.count + 1) AS INTEGER)) \
                WHERE partner_id = \(bind: group.partnerID) AND path LIKE \(bind: oldPath + "%")
                """).run()
            try await AccountGroup.query(on: db).filter(\.$id == group.requireID())
                .set(\.$parentID, to: newParent?.id).update()
        }
        group.path = newPath
        group.parentID = newParent?.id
    }

    static func delete(_ group: AccountGroup, by actor: Actor, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))))
        if let reason = try await whyNotDeletable(group, on: db) {
            throw PortalError(status: .conflict, title: "Group not empty", detail: reason)
        }
        try await group.delete(on: db)
    }

    /// Nil when the group can be deleted; otherwise what keeps it.
    static func whyNotDeletable(_ group: AccountGroup, on db: any Database) async throws -> String? {
        let id = try group.requireID()
        let children = try await AccountGroup.query(on: db).filter(\.$parentID == id).count()
        if children > 0 { return "“\(group.name)” has \(children) subgroup\(children == 1 ? "" : "s"). Move or delete them first." }
        let accounts = try await Account.query(on: db).filter(\.$groupID == id).count()
        if accounts > 0 { return "“\(group.name)” holds \(accounts) account\(accounts == 1 ? "" : "s"). Move them first." }
        let grants = try await Grant.query(on: db).filter(\.$scope == .group).filter(\.$scopeID == id).count()
        if grants > 0 { return "\(grants) operator grant\(grants == 1 ? "" : "s") apply to “\(group.name)”. Change them first." }
        return nil
    }

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

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
