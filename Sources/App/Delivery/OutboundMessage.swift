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
    /// Extra email headers, "Name: value" one per line (`MailHeader`); nil for none.
    @OptionalField(key: "headers") var storedHeaders: String?

    var headers: [MailHeader] {
        get { (storedHeaders ?? "").split(separator: "\n").compactMap { MailHeader(line: String($0)) } }
        set { storedHeaders = newValue.isEmpty ? nil : newValue.map(\.line).joined(separator: "\n") }
    }

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

/// An extra header of an email. Built by the portal, and still checked: the name is an RFC
/// 5322 field name of letters, digits and hyphens, the value printable ASCII without CR or
/// LF, so that no header can start another line.
struct MailHeader: Sendable, Equatable {
    let name: String
    let value: String

    init?(name: String, value: String) {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }),
              !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f })
        else { return nil }
        self.name = name
        self.value = value
    }

    init?(line: String) {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        self.init(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    var line: String { "\(name): \(value)" }
}
