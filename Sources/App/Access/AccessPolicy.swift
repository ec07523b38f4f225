import Foundation

/// The one place that decides access (PRODUCT.md §3). Pure: everything it needs arrives in
/// its arguments, so every rule is tested as a table. Deny by default.
public enum AccessPolicy {
    public static func decide(_ actor: Actor, _ permission: Permission, _ target: Target) -> Decision {
        guard actor.isActive else { return .deny(.blocked) }
        guard target.partnerID == actor.partnerID else { return .deny(.otherPartner) }
        if case .account(let account) = target { return decide(actor, permission, account: account) }
        let bit = permission.bit
        let holders = actor.grants.filter { $0.role.allMask & bit != 0 }
        guard !holders.isEmpty else { return .deny(.missingPermission(permission)) }

        switch target {
        case .partner:
            return holders.contains { $0.scope == .all } ? .allow : .deny(.outOfScope(permission))
        case .group(let group):
            return holders.contains { covers($0.scope, groupLineage: group.lineage) } ? .allow : .deny(.outOfScope(permission))
        case .operator(let other):
            return decide(actor, permission, operator: other, holders: holders)
        case .account:
            return .deny(.missingPermission(permission)) // decided above
        }
    }

    /// Whether the actor holds `permission` through any grant, whatever its scope: for
    /// reference data (the role list) that any holder needs to see.
    public static func decideAnywhere(_ actor: Actor, _ permissions: [Permission]) -> Decision {
        guard actor.isActive else { return .deny(.blocked) }
        let wanted = permissions.reduce(UInt64(0)) { $0 | $1.bit }
        let held = actor.grants.contains { $0.role.allMask & wanted != 0 }
        return held ? .allow : .deny(.missingPermission(permissions[0]))
    }

    // MARK: - Accounts

    /// One pass over the grants, testing bits. The first grant that allows wins; otherwise the
    /// furthest rule any grant passed names the denial, in the order: holds the permission →
    /// the account is not locked (for log-in) → in scope → cleared for secure → setup state.
    private static func decide(_ actor: Actor, _ permission: Permission, account: AccountFacts) -> Decision {
        let bit = permission.bit
        var reached = 0
        for grant in actor.grants where grant.role.allMask & bit != 0 {
            reached = max(reached, 1)
            if permission == .accountImpersonate, account.locked { return .deny(.accountLocked) }
            guard covers(grant.scope, account: account, actor: actor) else { continue }
            reached = max(reached, 2)
            guard !account.secure || grant.role.secureClearance else { continue }
            reached = 3
            if grant.role.mask & bit != 0 || (!account.setupCompleted && grant.role.setupMask & bit != 0) { return .allow }
        }
        switch reached {
        case 0: return .deny(.missingPermission(permission))
        case 1: return .deny(.outOfScope(permission))
        case 2: return .deny(.secureAccount)
        default: return .deny(.setupCompleted(permission))
        }
    }

    static func covers(_ scope: Scope, account: AccountFacts, actor: Actor) -> Bool {
        switch scope {
        case .all: true
        case .group(let id): account.groupLineage.contains(id)
        case .account(let id): account.id == id
        case .assigned: !actor.hasAssignments || account.assignedToActor
        }
    }

    static func covers(_ scope: Scope, groupLineage: Set<UUID>) -> Bool {
        switch scope {
        case .all: true
        case .group(let id): groupLineage.contains(id)
        case .account, .assigned: false
        }
    }

    // MARK: - Operators

    private static func decide(_ actor: Actor, _ permission: Permission, operator other: OperatorFacts, holders: [ActorGrant]) -> Decision {
        if permission == .operatorsImpersonate {
            if other.id == actor.operatorID { return .deny(.selfTarget) }
            if other.isBlocked { return .deny(.targetBlocked) }
        }
        if other.holdsAdmin, permission != .operatorsView, !holdsManageAdmins(actor) { return .deny(.adminProtected) }
        // Every grant of the other operator must lie inside the scope of one of ours.
        let inScope = holders.filter { grant in other.grants.allSatisfy { covers(grant.scope, other: $0.scope) } }
        guard !inScope.isEmpty else { return .deny(.outOfScope(permission)) }
        if permission != .operatorsView, !exceedsNothing(actor, other.permissions, clearance: other.hasSecureClearance, within: other.grants.map(\.scope)) {
            return .deny(.escalation)
        }
        return .allow
    }

    /// Whether `actor` may give `role` over `scope` to an operator of partner `partnerID`.
    public static func decideGrant(_ actor: Actor, role: RoleDefinition, scope: ScopeFacts, partnerID: UUID) -> Decision {
        guard actor.isActive else { return .deny(.blocked) }
        guard partnerID == actor.partnerID else { return .deny(.otherPartner) }
        let granting = actor.grants.filter { $0.role.permissions.contains(.operatorsEdit) || $0.role.permissions.contains(.operatorsInvite) }
        guard !granting.isEmpty else { return .deny(.missingPermission(.operatorsEdit)) }
        if role.isAdmin, !holdsManageAdmins(actor) { return .deny(.adminProtected) }
        guard granting.contains(where: { covers($0.scope, other: scope) }) else { return .deny(.outOfScope(.operatorsEdit)) }
        guard exceedsNothing(actor, role.allPermissions, clearance: role.secureClearance, within: [scope]) else { return .deny(.escalation) }
        return .allow
    }

    /// Whether `actor` may define a role carrying `permissions` (and clearance): only what
    /// they hold themselves over all accounts, and Admin's own right only with it.
    public static func decideRoleContent(_ actor: Actor, permissions: Set<Permission>, clearance: Bool) -> Decision {
        guard actor.isActive else { return .deny(.blocked) }
        if permissions.contains(.operatorsManageAdmins), !holdsManageAdmins(actor) { return .deny(.adminProtected) }
        return exceedsNothing(actor, permissions, clearance: clearance, within: [.all]) ? .allow : .deny(.escalation)
    }

    /// Whether a grant scope of ours contains another grant's scope.
    static func covers(_ mine: Scope, other: ScopeFacts) -> Bool {
        switch (mine, other) {
        case (.all, _): true
        case (.group(let id), .group(let lineage)): lineage.contains(id)
        case (.group(let id), .account(_, let lineage)): lineage.contains(id)
        case (.account(let id), .account(let otherID, _)): id == otherID
        default: false
        }
    }

    /// Whether the actor holds, over all of `scopes`, every permission in `permissions`
    /// (and secure clearance when `clearance`): the "no escalation" rule.
    private static func exceedsNothing(_ actor: Actor, _ permissions: Set<Permission>, clearance: Bool, within scopes: [ScopeFacts]) -> Bool {
        let covering = actor.grants.filter { grant in scopes.allSatisfy { covers(grant.scope, other: $0) } }
        let held = covering.reduce(into: Set<Permission>()) { $0.formUnion($1.role.allPermissions) }
        guard permissions.isSubset(of: held) else { return false }
        return !clearance || covering.contains { $0.role.secureClearance }
    }

    private static func holdsManageAdmins(_ actor: Actor) -> Bool {
        actor.grants.contains { $0.scope == .all && $0.role.permissions.contains(.operatorsManageAdmins) }
    }
}
