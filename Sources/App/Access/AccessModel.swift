import Foundation

/// A role as the policy sees it: built-in (from `BuiltInRole`) or a partner's custom role.
public struct RoleDefinition: Sendable, Hashable {
    /// A built-in role's code, or a custom role's id.
    public let id: String
    public let name: String
    public let description: String
    public let permissions: Set<Permission>
    /// Held on an account only while it is still in setup (Sales' edit and log-in).
    public let whileInSetup: Set<Permission>
    public let secureClearance: Bool
    public let isBuiltIn: Bool

    /// Every permission the role can ever exercise.
    public let allPermissions: Set<Permission>
    /// The same sets as bit masks (`Permission.bit`), so that a decision tests bits instead of
    /// hashing into sets: the decision function runs for every row and button.
    let mask: UInt64
    let setupMask: UInt64
    let allMask: UInt64

    public var isAdmin: Bool { isBuiltIn && (id == "admin" || id == "admin-secure") }

    package init(builtIn role: BuiltInRole) {
        self.init(id: role.code, name: role.name, description: role.description, permissions: role.permissions,
                  whileInSetup: role.whileInSetup, secureClearance: role.secureClearance, isBuiltIn: true)
    }

    init(id: String, name: String, description: String, permissions: Set<Permission>, secureClearance: Bool) {
        self.init(id: id, name: name, description: description, permissions: permissions, whileInSetup: [],
                  secureClearance: secureClearance, isBuiltIn: false)
    }

    private init(id: String, name: String, description: String, permissions: Set<Permission>, whileInSetup: Set<Permission>,
                 secureClearance: Bool, isBuiltIn: Bool) {
        self.id = id
        self.name = name
        self.description = description
        self.permissions = permissions
        self.whileInSetup = whileInSetup
        self.secureClearance = secureClearance
        self.isBuiltIn = isBuiltIn
        self.allPermissions = permissions.union(whileInSetup)
        self.mask = Permission.mask(permissions)
        self.setupMask = Permission.mask(whileInSetup)
        self.allMask = mask | setupMask
    }
}

/// Where a grant applies, with what the policy needs to know about groups already resolved:
/// a group scope carries the group's id; targets carry the ids of their group and its ancestors.
public enum Scope: Hashable, Sendable {
    case all
    case group(UUID)
    case account(UUID)
    /// The operator's assigned accounts, or every account while they have no assignment.
    case assigned
}

public struct ActorGrant: Sendable, Hashable {
    public let role: RoleDefinition
    public let scope: Scope

    package init(role: RoleDefinition, scope: Scope) {
        self.role = role
        self.scope = scope
    }
}

/// The operator asking, with everything the decision needs loaded.
public struct Actor: Sendable {
    public let operatorID: UUID
    public let partnerID: UUID
    public let isActive: Bool
    public let grants: [ActorGrant]
    /// Whether the operator is assigned to at least one account (seed 002's rule).
    public let hasAssignments: Bool

    public init(operatorID: UUID, partnerID: UUID, isActive: Bool, grants: [ActorGrant], hasAssignments: Bool) {
        self.operatorID = operatorID
        self.partnerID = partnerID
        self.isActive = isActive
        self.grants = grants
        self.hasAssignments = hasAssignments
    }
}

/// A client account as the policy sees it.
public struct AccountFacts: Sendable, Hashable {
    public let id: UUID
    public let partnerID: UUID
    /// The account's group and all groups above it.
    public let groupLineage: Set<UUID>
    public let secure: Bool
    public let locked: Bool
    public let setupCompleted: Bool
    /// Whether the asking operator is among the account's assigned operators.
    public let assignedToActor: Bool

    package init(id: UUID, partnerID: UUID, groupLineage: Set<UUID>, secure: Bool, locked: Bool, setupCompleted: Bool,
                 assignedToActor: Bool) {
        self.id = id
        self.partnerID = partnerID
        self.groupLineage = groupLineage
        self.secure = secure
        self.locked = locked
        self.setupCompleted = setupCompleted
        self.assignedToActor = assignedToActor
    }

    /// The same account once marked secure.
    var markedSecure: AccountFacts {
        AccountFacts(id: id, partnerID: partnerID, groupLineage: groupLineage, secure: true, locked: locked,
                     setupCompleted: setupCompleted, assignedToActor: assignedToActor)
    }

    /// The same account once moved into a group with this lineage (empty: no group).
    func moved(toLineage lineage: Set<UUID>) -> AccountFacts {
        AccountFacts(id: id, partnerID: partnerID, groupLineage: lineage, secure: secure, locked: locked,
                     setupCompleted: setupCompleted, assignedToActor: assignedToActor)
    }
}

public struct GroupFacts: Sendable, Hashable {
    public let id: UUID
    public let partnerID: UUID
    /// The group itself and all groups above it.
    public let lineage: Set<UUID>
}

/// Where another operator's grant applies, resolved for scope comparison.
public enum ScopeFacts: Sendable, Hashable {
    case all
    /// A group scope: the group and all groups above it.
    case group(lineage: Set<UUID>)
    /// An account scope: the account's group lineage.
    case account(id: UUID, groupLineage: Set<UUID>)
    case assigned
}

/// Another operator as the policy sees it: the target of edit, block, remove or log-in-as.
public struct OperatorFacts: Sendable, Hashable {
    public struct HeldGrant: Sendable, Hashable {
        public let role: RoleDefinition
        public let scope: ScopeFacts
    }

    public let id: UUID
    public let partnerID: UUID
    public let isBlocked: Bool
    public let grants: [HeldGrant]

    public var holdsAdmin: Bool { grants.contains { $0.role.isAdmin } }
    public var permissions: Set<Permission> { grants.reduce(into: []) { $0.formUnion($1.role.allPermissions) } }
    public var hasSecureClearance: Bool { grants.contains { $0.role.secureClearance } }
}

public enum Target: Sendable {
    /// The partner as a whole (partner-wide actions, "all accounts").
    case partner(UUID)
    case group(GroupFacts)
    case account(AccountFacts)
    case `operator`(OperatorFacts)

    var partnerID: UUID {
        switch self {
        case .partner(let id): id
        case .group(let group): group.partnerID
        case .account(let account): account.partnerID
        case .operator(let op): op.partnerID
        }
    }
}
