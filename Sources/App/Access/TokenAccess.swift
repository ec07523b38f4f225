import Foundation

extension AccessPolicy {
    /// Whether the actor may make an API token acting as themselves: it needs
    /// `apiTokens.manage` over the partner, and never while logged in as someone else (a
    /// login-as ends at the partner's time limit; a token made from it would outlive it).
    /// Listing and revoking one's own tokens needs nothing: it can only take access away.
    public static func mayCreateToken(_ actor: Actor, loggedInAsSomeone: Bool) -> Decision {
        let decision = decide(actor, .apiTokensManage, .partner(actor.partnerID))
        guard decision.isAllowed else { return decision }
        return loggedInAsSomeone ? .deny(.escalation) : .allow
    }
}
