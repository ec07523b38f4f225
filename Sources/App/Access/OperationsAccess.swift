import Foundation

extension AccessPolicy {
    /// The Operations page and its API: how the background jobs ran, and the partner's
    /// outbox backlog. It is for those who run the partner's installation, so it takes what
    /// Settings takes, `settings.manage` over the whole partner; a grant scoped to a group or
    /// to assigned accounts does not reach it. The page, its navigation entry and the API ask
    /// this same function.
    public static func mayViewOperations(_ actor: Actor) -> Decision {
        decide(actor, .settingsManage, .partner(actor.partnerID))
    }
}
