import Fluent
import Foundation

/// The pages' models, built from the stored rows; shared by the workspace and the
/// operators' Messages tab.
extension AccountMessages {
    static func row(_ conversation: AccountConversation) -> MessagesView.ConversationRow {
        .init(id: conversation.id?.uuidString.lowercased() ?? "", customerName: conversation.customerName,
              customerEmail: conversation.customerEmail, lastMessageAt: conversation.lastMessageAt, unread: conversation.unread)
    }

    static func line(_ message: AccountMessage) -> MessagesView.Line {
        let channel = switch message.channel {
        case .api: "API"
        case .businessPage: "business page"
        case .workspace: message.operatorID == nil ? "workspace" : "workspace, by an operator"
        case .portal: "operator portal"
        }
        return .init(inbound: message.direction == .inbound, author: message.authorName, body: message.body, at: message.createdAt, channel: channel)
    }

    /// What to tell the writer while the account's links are screened, or nil.
    static func screeningNote(_ account: Account, now: Date = Date()) -> String? {
        guard MessageScreening.isScreened(createdAt: account.createdAt, sendLinksEnabled: account.sendLinksEnabled, now: now) else { return nil }
        let until = MessageScreening.screenedUntil(createdAt: account.createdAt)
        return "Until \(until.formatted(date: .long, time: .omitted)), messages from a new account cannot hold external links."
    }
}
