/// The operators' "Forgot password?" page: the address to send a link to and, once sent, the
/// same words whoever the address belongs to.
enum PasswordResetView {
    struct Model: Sendable, Equatable {
        var email: String
        var sent: Bool
        var error: String?
        var minutes: Int = Int(PasswordResets.linkLifetime / 60)
    }

    static let title = "Forgot your password?"

    static func sentText(minutes: Int) -> String {
        "If an operator account here uses that address, we emailed it a link to choose a new password. "
            + "The link works once, for \(minutes) minutes. Nothing after a few minutes? Check the address and your spam folder, or ask an admin."
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .div(
            .class("auth"),
            .div(
                .class("card"),
                .h1(.text(title)),
                .if(model.sent,
                    .div(.class("banner success"), .attr("role", "status"), .text(sentText(minutes: model.minutes))),
                    else: .p(.class("lead"), .text("Enter the email address you sign in with. We email it a link to choose a new password."))),
                .form(
                    .method(.post), .action(SiteURL.forgotPassword), .novalidate(),
                    Forms.csrfField(csrfToken),
                    Forms.field(.init(name: "email", label: "Email", type: .email, value: model.email, error: model.error,
                                      autocomplete: "username", autofocus: !model.sent)),
                    .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit),
                                                         .text(model.sent ? "Send another link" : "Send the link")))
                ),
                .p(.a(.href(SiteURL.signIn), .text("Back to sign-in")))
            )
        )
    }
}
