import Foundation

/// Authenticator apps of owners and staff.
extension AccessPolicy {
    /// Setting one up, removing it and renewing its recovery codes: the person's own, never
    /// an operator's logged in as them (who must not learn or drop the client's key).
    static func mayManageWorkspaceAuthenticator(supported: Bool) -> Decision {
        supported ? .deny(.notWhileSupporting) : .allow
    }

    /// Using the workspace at all when the partner requires an authenticator: only with one.
    /// An operator logged in as the person is not held to it: they never sign in as them,
    /// and may not set one up in their name.
    static func mayUseWorkspaceWithoutAuthenticator(required: Bool, enrolled: Bool, supported: Bool) -> Decision {
        !required || enrolled || supported ? .allow : .deny(.authenticatorRequired)
    }
}
