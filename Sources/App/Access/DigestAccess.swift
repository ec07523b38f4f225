import Foundation

/// Who receives the digest of outstanding tasks, and as whom its tasks are read.
extension AccessPolicy {
    /// An active operator whose roles grant `notifications.receive`. Blocked operators and
    /// pending invites receive nothing; a removed operator no longer exists. Signing in is not
    /// needed: the Notifications role receives digests and cannot sign in.
    static func mayReceiveDigest(_ actor: Actor) -> Decision {
        guard actor.isActive else { return .deny(.notActive) }
        return decideAnywhere(actor, [.notificationsReceive])
    }

    /// The actor whose Tasks page the digest copies. A role that receives notifications but
    /// cannot sign in (the Notifications role) has no Tasks page of its own; over its grant's
    /// scope it reads the tasks as a viewer of accounts and operators would, and a secure
    /// account only with its role's secure clearance. Every other grant reads as itself.
    static func digestReader(_ actor: Actor) -> Actor {
        let grants = actor.grants.map { grant -> ActorGrant in
            guard receivesWithoutSigningIn(grant.role) else { return grant }
            let reader = RoleDefinition(id: grant.role.id, name: grant.role.name, description: grant.role.description,
                                        permissions: grant.role.permissions.union(digestReading),
                                        secureClearance: grant.role.secureClearance)
            return ActorGrant(role: reader, scope: grant.scope)
        }
        return Actor(operatorID: actor.operatorID, partnerID: actor.partnerID, isActive: actor.isActive, grants: grants,
                     hasAssignments: actor.hasAssignments)
    }

    /// What a notifications-only grant reads for its digest: the rows of each task category.
    static let digestReading: Set<Permission> = [.accountView, .accountActivityView, .operatorsView]

    static func receivesWithoutSigningIn(_ role: RoleDefinition) -> Bool {
        role.allPermissions.contains(.notificationsReceive) && !role.allPermissions.contains(.portalLogin)
    }
}
