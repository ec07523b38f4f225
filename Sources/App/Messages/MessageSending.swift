import Fluent
import Foundation

/// Replies and announcements: what the business sends to its customers. Each goes to the
/// outbox as an email per customer, is screened for links during the account's first 30
/// days, and is recorded in the account's History; a refusal is recorded too.
extension AccountMessages {
    /// Who is sending, as the business: a person of the account in the workspace (perhaps an
    /// operator logged in as them), or an operator from the portal or the API.
    struct Sender: Sendable {
        /// The name the thread shows beside the reply.
        let name: String
        /// The operator writing, if one is: recorded on the message.
        let operatorID: UUID?
        let audit: AuditActor
        let ip: String
        let channel: MessageChannel

        static func workspace(_ user: WorkspaceUser, ip: String) -> Sender {
            Sender(name: user.name, operatorID: user.impersonator?.operatorID, audit: user.auditActor, ip: ip, channel: .workspace)
        }

        static func `operator`(_ context: AuditContext, id: UUID, channel: MessageChannel) -> Sender {
            Sender(name: context.actor.name, operatorID: id, audit: context.actor, ip: context.ip, channel: channel)
        }
    }

    /// The text typed, returned with the reasons when it is refused.
    static func reply(_ raw: String, to conversationID: UUID, of account: Account, by sender: Sender, now: Date = Date(),
                      on db: any Database) async throws -> AccountMessage {
        let conversation = try await conversation(conversationID, of: account, on: db)
        var errors = OperatorInput.Errors()
        guard let text = body(raw, field: "message", errors: &errors) else { throw errors }
        try await screen(text, field: "message", account: account, what: "reply to \(conversation.customerEmail)", by: sender, now: now, on: db)
        return try await db.writeTransaction { db in
            let message = try AccountMessage(conversation: conversation, direction: .outbound, channel: sender.channel, body: text,
                                             authorName: sender.name, operatorID: sender.operatorID, now: now)
            try await message.create(on: db)
            conversation.lastMessageAt = max(conversation.lastMessageAt, now)
            try await conversation.update(on: db)
            let email = Emails.businessReply(business: account.name, body: text)
            try await Outbox.enqueue(partnerID: account.partnerID, channel: .email, to: conversation.customerEmail, subject: email.subject,
                                     body: email.body, about: try account.requireID(), now: now, on: db)
            try await Audit.record("account.message-sent", by: sender.audit, partnerID: account.partnerID, target: Audit.target(account),
                                   details: "reply to \(conversation.customerEmail): \(text.prefix(200))", ip: sender.ip, now: now, on: db)
            return message
        }
    }

    /// Writes to every customer the account has a conversation with.
    static func announce(subject rawSubject: String, body rawBody: String, of account: Account, by sender: Sender, now: Date = Date(),
                         on db: any Database) async throws -> AccountAnnouncement {
        var errors = OperatorInput.Errors()
        var subject: String?
        switch DisplayText.read(rawSubject, maxLength: maxSubjectLength, empty: "Write a subject.") {
        case .success(let value): subject = value
        case .failure(let message): errors.fields["subject"] = message
        }
        let text = body(rawBody, field: "message", errors: &errors)
        guard errors.isEmpty, let subject, let text else { throw errors }
        let recipients = try await AccountConversation.query(on: db).filter(\.$partnerID == account.partnerID)
            .filter(\.$accountID == account.requireID()).sort(\.$customerEmail).all()
        guard !recipients.isEmpty else {
            throw OperatorInput.Errors(fields: ["message": "No customer has written to this business yet, so there is nobody to announce to."])
        }
        try await screen(subject + "\n" + text, field: "message", account: account, what: "announcement “\(subject)”", by: sender, now: now, on: db)
        return try await db.writeTransaction { db in
            let announcement = AccountAnnouncement(partnerID: account.partnerID, accountID: try account.requireID(), subject: subject, body: text,
                                                   authorName: sender.name, operatorID: sender.operatorID, recipients: recipients.count, now: now)
            try await announcement.create(on: db)
            let email = Emails.businessAnnouncement(business: account.name, subject: subject, body: text)
            for customer in recipients {
                try await Outbox.enqueue(partnerID: account.partnerID, channel: .email, to: customer.customerEmail, subject: email.subject,
                                         body: email.body, about: try account.requireID(), now: now, on: db)
            }
            try await Audit.record("account.announcement-sent", by: sender.audit, partnerID: account.partnerID, target: Audit.target(account),
                                   details: "“\(subject)” to \(recipients.count) customer\(recipients.count == 1 ? "" : "s")", ip: sender.ip,
                                   now: now, on: db)
            return announcement
        }
    }

    /// Refuses, and records the refusal, when the screening rule says no.
    private static func screen(_ text: String, field: String, account: Account, what: String, by sender: Sender, now: Date,
                               on db: any Database) async throws {
        guard case .deny(let reason) = AccessPolicy.maySend(text, createdAt: account.createdAt, sendLinksEnabled: account.sendLinksEnabled, now: now)
        else { return }
        try await Audit.record("account.message-refused", by: sender.audit, partnerID: account.partnerID, target: Audit.target(account),
                               details: "\(what): \(reason.message)", ip: sender.ip, now: now, on: db)
        throw OperatorInput.Errors(fields: [field: reason.message])
    }
}

extension Emails {
    /// A reply, from the business to one customer; the customer answers through the business.
    static func businessReply(business: String, body: String) -> Email {
        Email(subject: "A reply from \(business)", body: """
            \(body)

            — \(business)
            """)
    }

    static func businessAnnouncement(business: String, subject: String, body: String) -> Email {
        Email(subject: "\(business): \(subject)", body: """
            \(body)

            — \(business)
            """)
    }
}
