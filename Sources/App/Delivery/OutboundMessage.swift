import Fluent
import Foundation

/// An email or SMS waiting to be sent, or sent. Written in the same transaction as the
/// change that causes it (the transactional outbox), so a message is never lost and never
/// sent for a change that did not happen.
final class OutboundMessage: Model, @unchecked Sendable {
    static let schema = "outbound_messages"

    enum Channel: String, Codable, Sendable, CaseIterable { case email, sms }

    enum Status: String, Codable, Sendable {
        /// Waiting for its first or next attempt.
        case pending
        /// Accepted by the mail server or SMS provider.
        case sent
        /// Kept in the development mailbox: no transport is configured for its channel.
        case held
        /// Gave up after the last attempt.
        case failed
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "channel") var channel: Channel
    @Field(key: "recipient") var recipient: String
    @Field(key: "subject") var subject: String
    @Field(key: "body") var body: String
    @Field(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "claimed_by") var claimedBy: String?
    @OptionalField(key: "claimed_until") var claimedUntil: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// The client account the message is about, if any (who may read it in the mailbox).
    @OptionalField(key: "account_id") var accountID: UUID?

    init() {}

    init(partnerID: UUID, channel: Channel, recipient: String, subject: String, body: String, now: Date) {
        self.partnerID = partnerID
        self.channel = channel
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.status = .pending
        self.attempts = 0
        self.nextAttemptAt = now
        self.createdAt = now
    }
}
