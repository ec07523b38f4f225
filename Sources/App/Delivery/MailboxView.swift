import Foundation

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

    static func render(_ model: Model) -> Markup {
        .group(
            .div(.class("page-header"), .div(.h1(.text("Development mailbox")),
                                             .p(.text("Messages this installation would have sent, newest first.")))),
            .div(.class("banner warning"), .attr("role", "note"),
                 .text("A channel without a transport keeps its messages here, where every operator who manages settings can read them, invite links and sign-in codes included. Set SMTP_HOST and SMS_WEBHOOK_URL before real use.")),
            .if(model.messages.isEmpty,
                .div(.class("card empty"), .h2(.text("No messages")), .p(.text("Invites, codes and resets will appear here."))),
                else: .forEach(model.messages) { message in
                    .article(
                        .class("card message"),
                        .h2(.text(message.subject.isEmpty ? "\(message.channel) to \(message.recipient)" : message.subject)),
                        .p(.class("hint"), .text("\(message.channel) to \(message.recipient) · \(DisplayDate.text(message.sentAt, .minute)) UTC")),
                        .pre(linkified(message.body))
                    )
                })
        )
    }

    /// The text with every http(s) address made a link.
    static func linkified(_ text: String) -> [Markup] {
        var nodes: [Markup] = []
        var rest = Substring(text)
        while let range = rest.range(of: #"https?://[^\s<>"]+"#, options: .regularExpression) {
            nodes.append(.text(String(rest[rest.startIndex..<range.lowerBound])))
            let url = String(rest[range])
            nodes.append(ExternalURL(url).map { .a(.href($0), .text(url)) } ?? .text(url))
            rest = rest[range.upperBound...]
        }
        nodes.append(.text(String(rest)))
        return nodes
    }
}
