import Foundation

extension AccessPolicy {
    /// The partner's settings (brand, security policy, retention, domains) are partner-wide:
    /// changing or even reading them takes `settings.manage` over the whole partner, so a
    /// grant scoped to a group or to assigned accounts does not reach them. The page, its
    /// navigation entry and the API ask this same function.
    public static func mayManageSettings(_ actor: Actor) -> Decision {
        decide(actor, .settingsManage, .partner(actor.partnerID))
    }
}
