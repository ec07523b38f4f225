import Fluent
import Plot
import Vapor

/// `GET /dev/mailbox`: the messages kept because no transport is configured for their
/// channel, so that a new installation can still follow an invite or reset link. It exists
/// only while email or SMS has no transport.
enum MailboxController {
    static func index(_ request: Request) async throws -> Response {
        let config = request.application.portalConfig
        guard config.smtp == nil || config.smsWebhook == nil else { throw PortalError.notFound() }
        let partner = try request.partner
        // Held messages, and those of a channel without transport that the worker has not
        // reached yet (it runs every second): a fresh invite shows at once.
        let untransported = OutboundMessage.Channel.allCases.filter { channel in
            channel == .email ? config.smtp == nil : config.smsWebhook == nil
        }
        let messages = try await OutboundMessage.query(on: request.db)
            .filter(\.$partnerID == partner.requireID())
            .group(.or) { either in
                either.filter(\.$status == .held)
                either.group(.and) { $0.filter(\.$status == .pending).filter(\.$channel ~~ untransported) }
            }
            .sort(\.$createdAt, .descending).limit(100).all()
        let model = MailboxView.Model(messages: messages.map { message in
            .init(channel: message.channel == .email ? "Email" : "SMS", recipient: message.recipient, subject: message.subject,
                  body: message.body, sentAt: message.createdAt)
        })
        return await request.page("Development mailbox", content: MailboxView.render(model))
    }
}

enum MailboxView {
    struct Model: Sendable {
        struct Message: Sendable {
            let channel: String
            let recipient: String
            let subject: String
            let body: String
            let sentAt: Date
        }
        var messages: [Message]
    }

    static func render(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .div(.class("page-header"), .div(.h1(.text("Development mailbox")),
                                             .p(.text("Messages this installation would have sent, newest first.")))),
            .div(.class("banner warning"), .attribute(named: "role", value: "note"),
                 .text("No email or SMS transport is configured, so messages are kept here, where anyone who can reach this server can read them. Set SMTP_HOST and SMS_WEBHOOK_URL before real use.")),
            .if(model.messages.isEmpty,
                .div(.class("card empty"), .h2(.text("No messages")), .p(.text("Invites, codes and resets will appear here."))),
                else: .forEach(model.messages) { message in
                    .article(
                        .class("card message"),
                        .h2(.text(message.subject.isEmpty ? "\(message.channel) to \(message.recipient)" : message.subject)),
                        .p(.class("hint"), .text("\(message.channel) to \(message.recipient) · \(message.sentAt.formatted(date: .abbreviated, time: .shortened)) UTC")),
                        .element(named: "pre", nodes: linkified(message.body))
                    )
                })
        )
    }

    /// The text with every http(s) address made a link.
    static func linkified(_ text: String) -> [Node<HTML.BodyContext>] {
        var nodes: [Node<HTML.BodyContext>] = []
        var rest = Substring(text)
        while let range = rest.range(of: #"https?://[^\s<>"]+"#, options: .regularExpression) {
            nodes.append(.text(String(rest[rest.startIndex..<range.lowerBound])))
            let url = String(rest[range])
            nodes.append(.a(.href(url.attributeEscaped), .text(url)))
            rest = rest[range.upperBound...]
        }
        nodes.append(.text(String(rest)))
        return nodes
    }
}
