import Foundation

/// Which tabs of an account's page an operator may open. The page, its navigation and the
/// tests ask this one function.
extension AccessPolicy {
    /// The Messages tab needs `account.messages.read`, Activity and History their own
    /// permissions. The tabs that show the account's own data (business information,
    /// subscription, staff, the account's switches) need `account.view` through a role that
    /// is not for messages only: the Messaging Agent (seed 003, "read and reply to chat and
    /// text messages") holds `account.view` to find the account, and works in Messages alone.
    static func mayOpenAccountTab(_ actor: Actor, _ tab: AccountPageView.Tab, _ facts: AccountFacts) -> Decision {
        switch tab {
        case .messages: return decide(actor, .accountMessagesRead, .account(facts))
        case .activity: return decide(actor, .accountActivityView, .account(facts))
        case .history: return decide(actor, .accountHistoryView, .account(facts))
        case .business, .subscription, .staff, .account:
            let decision = decide(actor, .accountView, .account(facts))
            guard decision.isAllowed else { return decision }
            let viewing = actor.grants.filter { grant in
                decide(Actor(operatorID: actor.operatorID, partnerID: actor.partnerID, isActive: actor.isActive, grants: [grant],
                             hasAssignments: actor.hasAssignments), .accountView, .account(facts)).isAllowed
            }
            return viewing.allSatisfy { isForMessagesOnly($0.role) } ? .deny(.messagesOnly) : .allow
        }
    }

    /// Whether the operator reads accounts' own details (contact, owner, plan) anywhere: not
    /// when every role that lets them find accounts is for messages alone. The accounts list
    /// then names accounts without their details and searches names only, and the API's list
    /// is refused (`.messagesOnly`).
    package static func readsAccountDetails(_ actor: Actor) -> Bool {
        actor.grants.contains { $0.role.allPermissions.contains(.accountView) && !isForMessagesOnly($0.role) }
    }

    /// A role whose account permissions are reading (and perhaps replying to) messages, and
    /// viewing the account so as to find it.
    static func isForMessagesOnly(_ role: RoleDefinition) -> Bool {
        let account = role.allPermissions.filter(\.isAccountLevel)
        return account.contains(.accountMessagesRead) && account.isSubset(of: [.accountView, .accountMessagesRead, .accountMessagesReply])
    }
}
