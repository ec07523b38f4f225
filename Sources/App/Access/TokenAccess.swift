import Foundation

/// API tokens (PRODUCT.md §4, Settings): your own for everyone who may sign in, everyone's with
/// `apiTokens.manage`. A token acts with its operator's permissions and nothing more (the API
/// loads the operator's own grants for every request), so making one grants nothing new.
extension AccessPolicy {
    /// Listing and making one's own tokens come with signing in: `portal.login` through any
    /// grant, as at the sign-in page.
    public static func mayUseOwnTokens(_ actor: Actor) -> Decision {
        decideAnywhere(actor, [.portalLogin])
    }

    /// Whether the actor may make an API token acting as themselves: anyone who may sign in,
    /// but never while logged in as someone else (a login-as ends at the partner's time limit;
    /// a token made from it would outlive it).
    public static func mayCreateToken(_ actor: Actor, loggedInAsSomeone: Bool) -> Decision {
        let decision = mayUseOwnTokens(actor)
        guard decision.isAllowed else { return decision }
        return loggedInAsSomeone ? .deny(.notWhileSupporting) : .allow
    }

    /// Seeing every operator's tokens of the partner, and revoking any of them: `apiTokens.manage`
    /// over the whole partner (a group-scoped grant does not reach operators outside the group).
    public static func mayManagePartnerTokens(_ actor: Actor) -> Decision {
        decide(actor, .apiTokensManage, .partner(actor.partnerID))
    }

    /// Revoking the token of `ownerID` on `partnerID`. One's own needs no permission: revoking
    /// can only take access away. Another operator's needs `mayManagePartnerTokens`; another
    /// partner's is answered as absent.
    public static func mayRevokeToken(_ actor: Actor, ownerID: UUID, partnerID: UUID) -> Decision {
        guard actor.isActive else { return .deny(.blocked) }
        guard partnerID == actor.partnerID else { return .deny(.otherPartner) }
        return ownerID == actor.operatorID ? .allow : mayManagePartnerTokens(actor)
    }
}
