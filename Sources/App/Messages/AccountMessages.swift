import Fluent
import Foundation
import SQLKit

/// The business's messages with its customers: what arrives, and what the business sends.
enum AccountMessages {
    static let maxBodyLength = 4000
    static let maxSubjectLength = 200

    /// A message body: trimmed, 1 to `maxBodyLength` code points, line breaks and tabs
    /// allowed and no other control characters. Fields are named by `field`.
    static func body(_ raw: String, field: String, errors: inout OperatorInput.Errors) -> String? {
        if raw.unicodeScalars.contains(where: { DisplayText.isControl($0) && !["\n", "\r", "\t"].contains($0) }) {
            errors.fields[field] = "Remove the control characters."
            return nil
        }
        guard let text = DisplayText.trimmed(raw) else {
            errors.fields[field] = "Write a message."
            return nil
        }
        guard raw.unicodeScalars.count <= maxBodyLength else {
            errors.fields[field] = "Use at most \(maxBodyLength) characters."
            return nil
        }
        return text
    }

    /// A message from one of the business's customers, through the inbound API or the
    /// business page's contact form. Opens the customer's conversation the first time (found
    /// again by the email), marks it unread and counts as the account's activity. Bad input
    /// throws `OperatorInput.Errors` with the fields `name`, `email` and `message`; an
    /// account not of the partner is not found.
    static func receiveInbound(accountID: UUID, partnerID: UUID, customerName: String, customerEmail: String, body: String,
                               channel: InboundChannel, now: Date, on db: any Database) async throws {
        _ = try await storeInbound(accountID: accountID, partnerID: partnerID, customerName: customerName,
                                   customerEmail: customerEmail, body: body, channel: channel, now: now, on: db)
    }

    /// `receiveInbound`, returning what was stored.
    static func storeInbound(accountID: UUID, partnerID: UUID, customerName: String, customerEmail: String, body rawBody: String,
                             channel: InboundChannel, now: Date, on db: any Database) async throws -> (AccountConversation, AccountMessage) {
        var errors = OperatorInput.Errors()
        var name: String?
        switch OperatorInput.name(customerName) {
        case .success(let value): name = value
        case .failure(let message): errors.fields["name"] = message
        }
        var email: String?
        switch OperatorInput.email(customerEmail) {
        case .success(let value): email = value
        case .failure(let message): errors.fields["email"] = message
        }
        let text = body(rawBody, field: "message", errors: &errors)
        guard errors.isEmpty, let name, let email, let text else { throw errors }

        return try await db.writeTransaction { db in
            guard let account = try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$id == accountID).first() else {
                throw PortalError.notFound()
            }
            let conversation = try await openConversation(account: account, customerName: name, customerEmail: email, now: now, on: db)
            conversation.customerName = name
            conversation.lastMessageAt = max(conversation.lastMessageAt, now)
            conversation.unread = true
            try await conversation.update(on: db)
            let message = try AccountMessage(conversation: conversation, direction: .inbound, channel: channel.messageChannel,
                                             body: text, authorName: name, operatorID: nil, now: now)
            try await message.create(on: db)
            try await touchActivity(account: account, now: now, on: db)
            return (conversation, message)
        }
    }

    /// The customer's conversation, opened if there is none; two messages at once from a new
    /// customer still make one conversation (the unique key decides).
    private static func openConversation(account: Account, customerName: String, customerEmail: String, now: Date,
                                         on db: any Database) async throws -> AccountConversation {
        let accountID = try account.requireID()
        func existing() async throws -> AccountConversation? {
            try await AccountConversation.query(on: db).filter(\.$partnerID == account.partnerID)
                .filter(\.$accountID == accountID).filter(\.$customerEmail == customerEmail).first()
        }
        if let found = try await existing() { return found }
        try await db.sql.insert(into: AccountConversation.schema)
            .columns("id", "partner_id", "account_id", "customer_name", "customer_email", "created_at", "last_message_at", "unread")
            .values(SQLBind(UUID()), SQLBind(account.partnerID), SQLBind(accountID), SQLBind(customerName), SQLBind(customerEmail),
                    SQLBind(now), SQLBind(now), SQLBind(false))
            .ignoringConflicts(with: ["account_id", "customer_email"])
            .run()
        guard let opened = try await existing() else { throw PortalError.notFound() }
        return opened
    }

    /// A message counts as activity; last activity never runs backwards or ahead of the clock.
    static func touchActivity(account: Account, now: Date, on db: any Database) async throws {
        guard now > (account.lastActivityAt ?? .distantPast) else { return }
        try await AccountActivityClock.touch(accountID: try account.requireID(), partnerID: account.partnerID, at: now, on: db)
        account.lastActivityAt = now
    }
}
