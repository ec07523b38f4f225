import Foundation

/// The Messages tab of an account's page: the business's conversations, the one chosen, and
/// a reply sent as the business (or why the operator may not reply).
enum AccountMessagesView {
    struct Thread: Sendable {
        var id: String
        var customerName: String
        var customerEmail: String
        var lines: [MessagesView.Line]
    }

    struct Model: Sendable {
        var conversations: [MessagesView.ConversationRow]
        var selected: Thread?
        var replyState: AccountPageView.State
        var screening: String?
    }

    static func tab(_ row: AccountDirectory.Row, _ model: Model, form: AccountPageView.Form, csrfToken: String) -> Markup {
        let uid = row.businessUID
        return .group(
            .unwrap(model.screening) { .div(.class("banner warning"), .attr("role", "note"), .text($0)) },
            .div(.class("card"),
                 .h2(.text("Conversations")),
                 .if(model.conversations.isEmpty, .p(.class("hint"), .text("No customer has written to this business yet."))),
                 MessagesView.conversationList(model.conversations) { SiteURL.accountConversation(uid: uid, id: $0.id) }),
            .unwrap(model.selected) { thread in
                .div(.class("card"),
                     .h2(.text("\(thread.customerName) · \(thread.customerEmail)")),
                     MessagesView.lines(thread.lines),
                     reply(uid, thread, model.replyState, form: form, csrfToken: csrfToken))
            }
        )
    }

    private static func reply(_ uid: String, _ thread: Thread, _ state: AccountPageView.State, form: AccountPageView.Form, csrfToken: String) -> Markup {
        switch state {
        case .enabled:
            .form(.method(.post), .action(SiteURL.accountConversationReply(uid: uid, id: thread.id)), .novalidate(), Forms.csrfField(csrfToken),
                  Forms.textArea(name: "message", label: "Reply as the business", value: form["message"], error: form.errors["message"],
                                 hint: "Sent by email to \(thread.customerEmail), signed by the business; History records your name.", rows: 5),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send reply"))))
        case .disabled(let why):
            AccountPageView.disabledButton("Reply", reason: why, id: "why-reply")
        }
    }
}
