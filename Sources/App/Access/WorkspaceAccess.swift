import Foundation

/// What the people of a client account may do in their own workspace. An operator's roles
/// play no part here: the account's owner and its staff have rights of their own.
extension AccessPolicy {
    /// The business profile and branding, which the public business page shows: the owner's.
    static func mayEditBusinessProfile(_ role: AccountUser.Role) -> Decision {
        role == .owner ? .allow : .deny(.ownerOnly)
    }
}

extension AccessPolicy {
    /// Inviting and removing the account's staff: the owner's (seed 003: staff see the
    /// account's locations, but do not choose who else does). Never through a login-as: an
    /// invitation is a password of its own that would outlast the visit, its time limit and
    /// the owner's consent; operators manage staff on the account page's Staff tab, under
    /// their own permission.
    static func mayManageStaff(_ role: AccountUser.Role, supported: Bool) -> Decision {
        if supported { return .deny(.notWhileSupporting) }
        return role == .owner ? .allow : .deny(.ownerOnly)
    }
}
