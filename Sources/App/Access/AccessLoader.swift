import Fluent
import Foundation

/// Loads what `AccessPolicy` decides on from the database, always scoped to one partner.
package enum AccessLoader {
    /// Built-in roles and the partner's custom roles, by id.
    static func roles(partnerID: UUID, on db: any Database) async throws -> [String: RoleDefinition] {
        var roles = Dictionary(uniqueKeysWithValues: BuiltInRole.all.map { ($0.code, RoleDefinition(builtIn: $0)) })
        for custom in try await CustomRole.query(on: db).filter(\.$partnerID == partnerID).all() {
            let definition = custom.definition
            roles[definition.id] = definition
        }
        return roles
    }

    package static func actor(operatorID: UUID, partnerID: UUID, on db: any Database) async throws -> Actor? {
        guard let op = try await Operator.query(on: db)
            .filter(\.$id == operatorID).filter(\.$partner.$id == partnerID).with(\.$grants).first()
        else { return nil }
        return try await actor(for: op, on: db)
    }

    static func actor(for op: Operator, on db: any Database) async throws -> Actor {
        let partnerID = op.$partner.id
        let roles = try await roles(partnerID: partnerID, on: db)
        let grants = op.grants.compactMap { grant -> ActorGrant? in
            guard let role = roles[grant.role], let scope = scope(of: grant) else { return nil }
            return ActorGrant(role: role, scope: scope)
        }
        let assignments = try await AccountAssignment.query(on: db)
            .filter(\.$partnerID == partnerID).filter(\.$operatorID == op.requireID()).count()
        return Actor(operatorID: try op.requireID(), partnerID: partnerID, isActive: op.status == .active,
                     grants: grants, hasAssignments: assignments > 0)
    }

    static func scope(of grant: Grant) -> Scope? {
        scope(kind: grant.scope, id: grant.scopeID)
    }

    static func scope(kind: Grant.ScopeKind, id: UUID?) -> Scope? {
        switch kind {
        case .all: .all
        case .assigned: .assigned
        case .group: id.map(Scope.group)
        case .account: id.map(Scope.account)
        }
    }

    static func facts(for account: Account, actor: Actor, on db: any Database) async throws -> AccountFacts {
        let lineage: Set<UUID>
        if let groupID = account.groupID, let group = try await AccountGroup.query(on: db)
            .filter(\.$id == groupID).filter(\.$partnerID == account.partnerID).first() {
            lineage = group.lineage
        } else {
            lineage = []
        }
        let assigned = try await AccountAssignment.query(on: db)
            .filter(\.$accountID == account.requireID()).filter(\.$operatorID == actor.operatorID).count() > 0
        return AccountFacts(id: try account.requireID(), partnerID: account.partnerID, groupLineage: lineage,
                            secure: account.secure, locked: account.locked, setupCompleted: account.setupCompleted,
                            assignedToActor: assigned)
    }

    /// The facts of several accounts of one partner at once, by account id: two queries
    /// whatever their number, for the bulk paths.
    static func facts(for accounts: [Account], actor: Actor, on db: any Database) async throws -> [UUID: AccountFacts] {
        guard !accounts.isEmpty else { return [:] }
        let groupIDs = Array(Set(accounts.compactMap(\.groupID)))
        var lineages: [UUID: Set<UUID>] = [:]
        if !groupIDs.isEmpty {
            for group in try await AccountGroup.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$id ~~ groupIDs).all() {
                lineages[try group.requireID()] = group.lineage
            }
        }
        let ids = try accounts.map { try $0.requireID() }
        let assigned = Set(try await AccountAssignment.query(on: db).filter(\.$partnerID == actor.partnerID)
            .filter(\.$accountID ~~ ids).filter(\.$operatorID == actor.operatorID).all().map(\.accountID))
        var facts: [UUID: AccountFacts] = [:]
        for account in accounts where account.partnerID == actor.partnerID {
            let id = try account.requireID()
            facts[id] = AccountFacts(id: id, partnerID: account.partnerID, groupLineage: account.groupID.flatMap { lineages[$0] } ?? [],
                                     secure: account.secure, locked: account.locked, setupCompleted: account.setupCompleted,
                                     assignedToActor: assigned.contains(id))
        }
        return facts
    }

    /// The accounts `actor` may use `permission` on, and the ids of the others, each decided by
    /// `AccessPolicy` on facts read for all of them at once (a bulk change's batch).
    static func decideEach(_ permission: Permission, _ accounts: [Account], by actor: Actor,
                           on db: any Database) async throws -> (allowed: [Account], refused: [UUID]) {
        let facts = try await facts(for: accounts, actor: actor, on: db)
        var allowed: [Account] = []
        var refused: [UUID] = []
        for account in accounts {
            let id = try account.requireID()
            if let facts = facts[id], AccessPolicy.decide(actor, permission, .account(facts)).isAllowed {
                allowed.append(account)
            } else {
                refused.append(id)
            }
        }
        return (allowed, refused)
    }

    static func facts(for group: AccountGroup) throws -> GroupFacts {
        GroupFacts(id: try group.requireID(), partnerID: group.partnerID, lineage: group.lineage)
    }

    /// Resolves a grant's scope for comparison with an actor's scopes.
    static func scopeFacts(kind: Grant.ScopeKind, id: UUID?, partnerID: UUID, on db: any Database) async throws -> ScopeFacts? {
        switch kind {
        case .all: return .all
        case .assigned: return .assigned
        case .group:
            guard let id, let group = try await AccountGroup.query(on: db).filter(\.$id == id).filter(\.$partnerID == partnerID).first()
            else { return nil }
            return .group(lineage: group.lineage)
        case .account:
            guard let id, let account = try await Account.query(on: db).filter(\.$id == id).filter(\.$partnerID == partnerID).first()
            else { return nil }
            var lineage: Set<UUID> = []
            if let groupID = account.groupID,
               let group = try await AccountGroup.query(on: db).filter(\.$id == groupID).filter(\.$partnerID == partnerID).first() {
                lineage = group.lineage
            }
            return .account(id: id, groupLineage: lineage)
        }
    }

    static func facts(for other: Operator, on db: any Database) async throws -> OperatorFacts {
        let partnerID = other.$partner.id
        let roles = try await roles(partnerID: partnerID, on: db)
        var held: [OperatorFacts.HeldGrant] = []
        for grant in other.grants {
            guard let role = roles[grant.role],
                  let scope = try await scopeFacts(kind: grant.scope, id: grant.scopeID, partnerID: partnerID, on: db)
            else { continue }
            held.append(.init(role: role, scope: scope))
        }
        return OperatorFacts(id: try other.requireID(), partnerID: partnerID, isBlocked: other.status == .blocked, grants: held)
    }
}
