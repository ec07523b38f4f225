import Foundation

/// The workspace's messages: the inbox, one conversation with its reply form, and
/// announcements to every customer. The operators' Messages tab reuses the thread.
enum MessagesView {
    struct ConversationRow: Sendable {
        let id: String
        let customerName: String
        let customerEmail: String
        let lastMessageAt: Date
        let unread: Bool
    }

    struct InboxModel: Sendable {
        var conversations: [ConversationRow]
        /// "Links are screened until …", while the screening lasts.
        var screening: String?
    }

    static func inbox(_ model: InboxModel) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Messages")), .p(.text("What your customers wrote to you, the latest first."))),
                 .a(.class("button secondary"), .href(SiteURL.workspaceAnnouncements), .text("Announcements"))),
            .unwrap(model.screening) { .div(.class("banner warning"), .attr("role", "note"), .text($0)) },
            .div(.class("card"),
                 .if(model.conversations.isEmpty,
                     .p(.class("hint"), .text("No messages yet. Customers write to you from your business page, or through the API."))),
                 conversationList(model.conversations) { SiteURL.workspaceConversation(id: $0.id) })
        )
    }

    /// The conversations as a list of links; an unread one is marked in words, not by colour alone.
    static func conversationList(_ rows: [ConversationRow], link: (ConversationRow) -> SiteURL) -> Markup {
        .ul(.class("notes"), .forEach(rows) { row in
            .li(.a(.href(link(row)), .strong(.text(row.customerName))),
                .if(row.unread, .group(.text(" "), .span(.class("badge warning"), .text("Unread")))),
                .br(),
                .small(.text("\(row.customerEmail) · \(DisplayDate.text(row.lastMessageAt, .minute))")))
        })
    }

    struct Line: Sendable {
        let inbound: Bool
        let author: String
        let body: String
        let at: Date
        /// How it came or went, for the reader: "business page", "API", "workspace" …
        let channel: String
    }

    struct ThreadModel: Sendable {
        var conversationID: String
        var customerName: String
        var customerEmail: String
        var lines: [Line]
        var reply: String
        var errors: OperatorInput.Errors
        var screening: String?
    }

    static func thread(_ model: ThreadModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.customerName)), .p(.text(model.customerEmail))),
                 .a(.class("button secondary"), .href(SiteURL.workspaceMessages), .text("All messages"))),
            .div(.class("card"), lines(model.lines)),
            .form(.class("card"), .method(.post), .action(SiteURL.workspaceConversationReply(id: model.conversationID)), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Reply")),
                  Forms.errorSummary(model.errors.isEmpty ? nil : "The reply was not sent. See below."),
                  Forms.textArea(name: "message", label: "Your reply to \(model.customerName)", value: model.reply, error: model.errors["message"],
                                 hint: model.screening ?? "Sent by email to \(model.customerEmail).", rows: 5),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send reply"))))
        )
    }

    /// The messages of a conversation, oldest first, each saying who wrote it and how.
    static func lines(_ lines: [Line]) -> Markup {
        .ul(.class("notes"), .forEach(lines) { line in
            .li(.p(.text(line.body)),
                .small(.text("\(line.inbound ? "From" : "Reply by") \(line.author) · \(line.channel) · \(DisplayDate.text(line.at, .minute))")))
        })
    }

    struct SentAnnouncement: Sendable {
        let subject: String
        let body: String
        let author: String
        let recipients: Int
        let at: Date
    }

    struct AnnouncementsModel: Sendable {
        var subject: String
        var body: String
        var errors: OperatorInput.Errors
        var customers: Int
        var sent: [SentAnnouncement]
        var screening: String?
    }

    static func announcements(_ model: AnnouncementsModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Announcements")),
                      .p(.text("Write to all \(model.customers) customer\(model.customers == 1 ? "" : "s") who wrote to you, by email."))),
                 .a(.class("button secondary"), .href(SiteURL.workspaceMessages), .text("Messages"))),
            .form(.class("card"), .method(.post), .action(SiteURL.workspaceAnnouncements), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("New announcement")),
                  Forms.errorSummary(model.errors.isEmpty ? nil : "The announcement was not sent. See below."),
                  Forms.field(.init(name: "subject", label: "Subject", value: model.subject, error: model.errors["subject"], autocomplete: "off")),
                  Forms.textArea(name: "message", label: "Message", value: model.body, error: model.errors["message"],
                                 hint: model.screening, rows: 6),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send to all customers")))),
            .div(.class("card"),
                 .h2(.text("Sent")),
                 .if(model.sent.isEmpty, .p(.class("hint"), .text("No announcements yet."))),
                 .ul(.class("notes"), .forEach(model.sent) { sent in
                     .li(.strong(.text(sent.subject)), .p(.text(sent.body)),
                         .small(.text("\(sent.author) · to \(sent.recipients) customer\(sent.recipients == 1 ? "" : "s") · \(DisplayDate.text(sent.at, .minute))")))
                 }))
        )
    }
}
