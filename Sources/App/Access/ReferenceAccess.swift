import Foundation

/// Who may read the partner's reference data (the group tree), for the page and the API alike.
extension AccessPolicy {
    /// The group tree is for operators whose grants reach groups (scope all or a group)
    /// through a role that sees accounts or manages groups. A role without customer data
    /// (Marketing, Notifications) has no use for it, and is told which permission it lacks.
    public static func mayOpenGroups(_ actor: Actor) -> Decision {
        guard actor.isActive else { return .deny(.blocked) }
        let useful = actor.grants.filter { grant in
            grant.role.allPermissions.contains(.accountView) || grant.role.permissions.contains(.groupsManage)
        }
        guard !useful.isEmpty else { return .deny(.missingPermission(.groupsManage)) }
        let reachesGroups = useful.contains { grant in
            switch grant.scope {
            case .all, .group: true
            case .account, .assigned: false
            }
        }
        return reachesGroups ? .allow : .deny(.outOfScope(.groupsManage))
    }
}
