import Fluent
import FluentSQL
import SQLKit
import Vapor

/// `GET /dev/mailbox`: the messages kept because no transport is configured for their
/// channel, so that a new installation can still follow an invite or reset link. It exists
/// only while email or SMS has no transport, and only operators who manage the partner's
/// settings may read it: it holds invite links and sign-in codes.
enum MailboxController {
    static func index(_ request: Request) async throws -> Response {
        let config = request.application.portalConfig
        let untransported = OutboundMessage.Channel.allCases.filter { channel in
            channel == .email ? config.smtp == nil : config.smsWebhook == nil
        }
        let actor = try await request.actor()
        switch AccessPolicy.mayReadMailbox(actor, channelsWithoutTransport: untransported.count) {
        case .deny(.mailboxClosed): throw PortalError.notFound()
        case let decision: try request.enforce(decision, permission: .settingsManage)
        }
        // Held messages, and those of a channel without transport that the worker has not
        // reached yet (it runs every second): a fresh invite shows at once. A channel that has
        // a transport now shows nothing, whatever it held before.
        let messages = try await OutboundMessage.query(on: request.db)
            .filter(\.$partnerID == actor.partnerID)
            .filter(\.$channel ~~ untransported)
            .filter(\.$status ~~ [.held, .pending])
            // A message about a client account only for those who see the account: a secure
            // account's owner invite needs clearance, as the account does.
            .filter(.sql(SQLQueryString("(account_id IS NULL OR account_id IN (SELECT id FROM accounts WHERE \(AccountVisibility.condition(for: actor))))")))
            .sort(\.$createdAt, .descending).limit(100).all()
        let model = MailboxView.Model(messages: messages.map { message in
            .init(channel: message.channel == .email ? "Email" : "SMS", recipient: message.recipient, subject: message.subject,
                  body: message.body, sentAt: message.createdAt)
        })
        return await request.page("Development mailbox", content: MailboxView.render(model))
    }
}
