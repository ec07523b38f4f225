import Foundation

/// Who may see a business's public face (its page under `/b/` and its widget): anyone, on the
/// partner's own domain, while the account is a live business. The answer for everything
/// else is the same not-found, so that the page never tells whether such an account exists.
extension AccessPolicy {
    static func mayShowBusinessPage(partnerID: UUID, of account: Account) -> Decision {
        if account.partnerID != partnerID { return .deny(.otherPartner) }
        if account.isTemplate { return .deny(.templateAccount) }
        if account.locked { return .deny(.accountLocked) }
        return .allow
    }
}
