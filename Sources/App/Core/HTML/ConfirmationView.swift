import Vapor

/// The step between pressing a button that ends something for someone (block, remove, lock,
/// reset a password) and doing it: a page that says what will happen, with the same form
/// posted again and `confirmed=yes`. It needs no script, so it works in every browser.
enum ConfirmationView {
    static let fieldName = "confirmed"

    struct Model: Sendable {
        struct Carried: Sendable { let name: String; let value: String }
        var question: String
        var consequence: String
        var confirmLabel: String
        var action: SiteURL
        var cancel: SiteURL
        /// The fields of the original form, posted again unchanged.
        var carried: [Carried] = []

        static let mock = Model(question: "Block Grace Admin?", consequence: "They are signed out everywhere at once.",
                                confirmLabel: "Block Grace Admin", action: .operatorAction(id: "x", action: .block),
                                cancel: .operatorDetail(id: "x"))
    }

    static func page(_ model: Model, csrfToken: String) -> Markup {
        .form(
            .class("card confirmation"), .method(.post), .action(model.action),
            Forms.csrfField(csrfToken),
            .input(.type(.hidden), .name(fieldName), .value("yes")),
            .forEach(model.carried) { .input(.type(.hidden), .name($0.name), .value($0.value)) },
            .h1(.text(model.question)),
            .p(.text(model.consequence)),
            .div(.class("form-actions"),
                 .button(.class("button danger"), .type(.submit), .text(model.confirmLabel)),
                 .a(.class("button secondary"), .href(model.cancel), .text("Cancel")))
        )
    }
}

extension Request {
    /// Whether the form came from the confirmation step.
    var isConfirmed: Bool { (try? content.get(String.self, at: ConfirmationView.fieldName)) == "yes" }

    /// The confirmation page for a disruptive action the operator has just asked for.
    func confirmation(_ model: ConfirmationView.Model) async -> Response {
        await page(model.question, content: ConfirmationView.page(model, csrfToken: csrfToken))
    }
}
