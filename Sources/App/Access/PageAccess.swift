import Foundation

/// Who may open the pages that show reference data or the installation's own state, rather
/// than one subject. Navigation, the pages and the API ask these same functions.
extension AccessPolicy {
    /// The roles list and matrix (page, CSV, `GET /api/v1/roles`): whoever manages roles or
    /// operators needs to read them.
    public static func mayReadRoles(_ actor: Actor) -> Decision {
        decideAnywhere(actor, [.rolesManage, .operatorsView, .operatorsInvite])
    }

    /// The development mailbox shows invite links and sign-in codes, so it is for operators
    /// who manage the partner's settings, and only while some channel has no transport (with
    /// every channel configured there is nothing to show, and the page does not exist).
    public static func mayReadMailbox(_ actor: Actor, channelsWithoutTransport: Int) -> Decision {
        guard channelsWithoutTransport > 0 else { return .deny(.mailboxClosed) }
        return decide(actor, .settingsManage, .partner(actor.partnerID))
    }
}
