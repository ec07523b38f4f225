import Fluent
import Foundation

/// A business's conversation with one of its customers, one per customer email per account.
final class AccountConversation: Model, @unchecked Sendable {
    static let schema = "account_conversations"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    /// The name the customer gave most recently.
    @Field(key: "customer_name") var customerName: String
    /// Normalised, as `OperatorInput.email` leaves it; what the conversation is found by.
    @Field(key: "customer_email") var customerEmail: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_message_at") var lastMessageAt: Date
    /// Set by an inbound message, cleared when someone of the business opens the thread.
    @Field(key: "unread") var unread: Bool

    init() {}

    init(partnerID: UUID, accountID: UUID, customerName: String, customerEmail: String, now: Date) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.createdAt = now
        self.lastMessageAt = now
        self.unread = false
    }
}

enum MessageDirection: String, Codable, Sendable {
    case inbound, outbound
}

/// Where a message came from or went: the inbound API, the business page's contact form,
/// or, for replies, the workspace, the operator portal or the operator API.
enum MessageChannel: String, Codable, Sendable {
    case api, businessPage = "business-page", workspace, portal
}

/// The channels an inbound message can arrive through.
enum InboundChannel: String, Sendable {
    case api, businessPage = "business-page"

    var messageChannel: MessageChannel {
        switch self {
        case .api: .api
        case .businessPage: .businessPage
        }
    }
}

/// One message in a conversation.
final class AccountMessage: Model, @unchecked Sendable {
    static let schema = "account_messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "conversation_id") var conversationID: UUID
    @Field(key: "direction") var direction: MessageDirection
    @Field(key: "channel") var channel: MessageChannel
    @Field(key: "body") var body: String
    /// The customer for an inbound message; the business (or the person of it) for a reply.
    /// Copied in, so the thread still reads right after its author is removed.
    @Field(key: "author_name") var authorName: String
    /// The operator who replied as the business, if one did.
    @OptionalField(key: "operator_id") var operatorID: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(conversation: AccountConversation, direction: MessageDirection, channel: MessageChannel, body: String,
         authorName: String, operatorID: UUID?, now: Date) throws {
        self.partnerID = conversation.partnerID
        self.accountID = conversation.accountID
        self.conversationID = try conversation.requireID()
        self.direction = direction
        self.channel = channel
        self.body = body
        self.authorName = authorName
        self.operatorID = operatorID
        self.createdAt = now
    }
}

/// A message the business sent to all of its customers at once.
final class AccountAnnouncement: Model, @unchecked Sendable {
    static let schema = "account_announcements"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "subject") var subject: String
    @Field(key: "body") var body: String
    @Field(key: "author_name") var authorName: String
    @OptionalField(key: "operator_id") var operatorID: UUID?
    /// How many customers it was sent to.
    @Field(key: "recipients") var recipients: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(partnerID: UUID, accountID: UUID, subject: String, body: String, authorName: String, operatorID: UUID?,
         recipients: Int, now: Date) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.subject = subject
        self.body = body
        self.authorName = authorName
        self.operatorID = operatorID
        self.recipients = recipients
        self.createdAt = now
    }
}
