import Fluent
import Foundation

/// Reading the business's messages. Every query names the partner as well as the account.
extension AccountMessages {
    static let listLimit = 200

    /// The account's conversations, the latest message first.
    static func conversations(of account: Account, limit: Int = listLimit, on db: any Database) async throws -> [AccountConversation] {
        try await AccountConversation.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .sort(\.$lastMessageAt, .descending).sort(\.$id).limit(limit).all()
    }

    /// One of the account's conversations; any other id, another account's or partner's
    /// included, is not found.
    static func conversation(_ id: UUID, of account: Account, on db: any Database) async throws -> AccountConversation {
        guard let conversation = try await AccountConversation.query(on: db).filter(\.$partnerID == account.partnerID)
            .filter(\.$accountID == account.requireID()).filter(\.$id == id).first()
        else { throw PortalError.notFound("This account has no conversation with this id.") }
        return conversation
    }

    /// `conversation(_:of:on:)` from a path parameter, which may be no id at all.
    static func conversation(_ raw: String?, of account: Account, on db: any Database) async throws -> AccountConversation {
        guard let id = raw.flatMap(UUID.init(uuidString:)) else { throw PortalError.notFound("This account has no conversation with this id.") }
        return try await conversation(id, of: account, on: db)
    }

    /// The conversation's messages, oldest first (the latest 500).
    static func messages(in conversation: AccountConversation, on db: any Database) async throws -> [AccountMessage] {
        let latest = try await AccountMessage.query(on: db).filter(\.$partnerID == conversation.partnerID)
            .filter(\.$accountID == conversation.accountID).filter(\.$conversationID == conversation.requireID())
            .sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(500).all()
        return latest.reversed()
    }

    /// The latest announcements, newest first.
    static func announcements(of account: Account, on db: any Database) async throws -> [AccountAnnouncement] {
        try await AccountAnnouncement.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .sort(\.$createdAt, .descending).limit(listLimit).all()
    }

    /// Opened by someone of the business: no longer unread.
    static func markRead(_ conversation: AccountConversation, on db: any Database) async throws {
        guard conversation.unread else { return }
        conversation.unread = false
        try await conversation.update(on: db)
    }
}
