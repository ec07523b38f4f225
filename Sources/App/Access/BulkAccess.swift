import Foundation

extension AccessPolicy {
    /// Why a bulk change may not run in the background, or nil when it may. A background change
    /// outlives the request that starts it: started while someone is logged in as this operator,
    /// it would go on after their login-as has ended, so only the operator themselves starts one
    /// (a short list still changes within the request, while the login-as lasts).
    static func refusesBackgroundChange(loggedInAsBy impersonator: AuditActor.Impersonator?) -> String? {
        guard impersonator != nil else { return nil }
        return "While logged in as another operator, change at most \(BulkActions.inRequestLimit) ticked accounts at once: "
            + "a change that runs in the background is started by the operator themselves."
    }
}
