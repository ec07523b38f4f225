import Foundation

/// Who may read and answer a business's messages.
extension AccessPolicy {
    /// The workspace's messages and announcements: the owner's and the staff's alike.
    static func mayUseMessages(_ role: AccountUser.Role) -> Decision {
        switch role {
        case .owner, .staff: .allow
        }
    }

    /// An operator's access to an account's messages. An account out of the operator's scope,
    /// or secure without clearance, is answered as one that does not exist: messages are the
    /// customers' words, and the operator could not find the account in any list either.
    static func mayUseAccountMessages(_ actor: Actor, _ permission: Permission, _ facts: AccountFacts) -> Decision {
        switch decide(actor, permission, .account(facts)) {
        case .deny(.outOfScope), .deny(.secureAccount): .deny(.otherPartner)
        case let decision: decision
        }
    }
}
