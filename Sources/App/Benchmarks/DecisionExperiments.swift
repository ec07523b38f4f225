import Foundation

/// Something that decides access to an account the way `AccessPolicy.decide` does, so the
/// real policy and the experimental rewrites are timed by the same (specialised) loop.
protocol AccountDecider {
    var label: String { get }
    func decide(_ permission: Permission, _ target: Target) -> Decision
}

/// The portal's policy, as it is.
struct CurrentPolicy: AccountDecider {
    let actor: Actor
    var label: String { "AccessPolicy.decide (current)" }

    @inline(__always)
    func decide(_ permission: Permission, _ target: Target) -> Decision {
        AccessPolicy.decide(actor, permission, target)
    }
}

/// EXPERIMENT (not the portal's code): the current algorithm unchanged except that each
/// grant's `allPermissions` (a `Set` union, allocated on every call for roles with
/// while-in-setup permissions) is computed once. Shows what that one change buys.
struct CachedUnionPolicy: AccountDecider {
    private struct Entry {
        let grant: ActorGrant
        let all: Set<Permission>
    }

    let actor: Actor
    private let entries: [Entry]
    var label: String { "experiment A: allPermissions stored" }

    init(actor: Actor) {
        self.actor = actor
        entries = actor.grants.map { Entry(grant: $0, all: $0.role.allPermissions) }
    }

    func decide(_ permission: Permission, _ target: Target) -> Decision {
        guard case .account(let account) = target else { return AccessPolicy.decide(actor, permission, target) }
        guard actor.isActive else { return .deny(.blocked) }
        guard account.partnerID == actor.partnerID else { return .deny(.otherPartner) }
        let holders = entries.filter { $0.all.contains(permission) }
        guard !holders.isEmpty else { return .deny(.missingPermission(permission)) }
        if permission == .accountImpersonate, account.locked { return .deny(.accountLocked) }
        let inScope = holders.filter { AccessPolicy.covers($0.grant.scope, account: account, actor: actor) }
        guard !inScope.isEmpty else { return .deny(.outOfScope(permission)) }
        let cleared = account.secure ? inScope.filter(\.grant.role.secureClearance) : inScope
        guard !cleared.isEmpty else { return .deny(.secureAccount) }
        let effective = cleared.filter { entry in
            entry.grant.role.permissions.contains(permission)
                || (!account.setupCompleted && entry.grant.role.whileInSetup.contains(permission))
        }
        return effective.isEmpty ? .deny(.setupCompleted(permission)) : .allow
    }
}

/// EXPERIMENT (not the portal's code): the same rules in one pass over the grants, with each
/// role's permission sets as 64-bit masks computed once per actor, and no intermediate
/// arrays. Early exit as soon as one grant allows; otherwise the furthest stage any grant
/// reached gives the same denial the current code gives.
struct SinglePassPolicy: AccountDecider {
    private struct Entry {
        let all: UInt64
        let always: UInt64
        let inSetup: UInt64
        let clearance: Bool
        let scope: Scope
    }

    /// One bit per permission (41 of 64 used).
    private static let bits: [Permission: UInt64] = Dictionary(
        uniqueKeysWithValues: Permission.allCases.enumerated().map { ($0.element, UInt64(1) << UInt64($0.offset)) })

    private static func mask(_ permissions: Set<Permission>) -> UInt64 {
        permissions.reduce(0) { $0 | (bits[$1] ?? 0) }
    }

    let actor: Actor
    private let entries: [Entry]
    var label: String { "experiment B: one pass, bit masks" }

    init(actor: Actor) {
        self.actor = actor
        entries = actor.grants.map { grant in
            Entry(all: Self.mask(grant.role.allPermissions), always: Self.mask(grant.role.permissions),
                  inSetup: Self.mask(grant.role.whileInSetup), clearance: grant.role.secureClearance, scope: grant.scope)
        }
    }

    func decide(_ permission: Permission, _ target: Target) -> Decision {
        guard case .account(let account) = target else { return AccessPolicy.decide(actor, permission, target) }
        guard actor.isActive else { return .deny(.blocked) }
        guard account.partnerID == actor.partnerID else { return .deny(.otherPartner) }
        let bit = Self.bits[permission] ?? 0
        // The furthest rule any holder passed: 1 holds it, 2 in scope, 3 cleared for secure.
        var reached = 0
        for entry in entries where entry.all & bit != 0 {
            reached = max(reached, 1)
            if permission == .accountImpersonate, account.locked { return .deny(.accountLocked) }
            guard AccessPolicy.covers(entry.scope, account: account, actor: actor) else { continue }
            reached = max(reached, 2)
            guard !account.secure || entry.clearance else { continue }
            reached = 3
            if entry.always & bit != 0 || (!account.setupCompleted && entry.inSetup & bit != 0) { return .allow }
        }
        switch reached {
        case 0: return .deny(.missingPermission(permission))
        case 1: return .deny(.outOfScope(permission))
        case 2: return .deny(.secureAccount)
        default: return .deny(.setupCompleted(permission))
        }
    }
}
