
enum SignInView {
    struct Model: Sendable, Equatable {
        enum Notice: Sendable {
            case signedOut, emailChanged, passwordChanged, expired, impersonationEnded

            var text: String {
                switch self {
                case .signedOut: "You have signed out."
                case .emailChanged: "Your email was changed. Sign in with the new one."
                case .passwordChanged: "Your password was changed. Sign in with the new one."
                case .expired: "That sign-in expired or was already completed. Sign in again."
                case .impersonationEnded: "The time allowed for logging in as another operator ran out. Sign in again."
                }
            }
        }
        var email: String
        var next: String?
        var error: String?
        var notice: Notice?
    }

    static let invalidCredentials = "That email and password do not match an account here."
    static let notificationsOnly = "Your role receives notification emails only and cannot sign in to the portal. Your password is kept; an admin can give you a role that signs in."
    /// After a correct password only: the person learns that they are blocked, and whom to ask.
    static func blocked(partner: String, admins: [String]) -> String {
        let named = Array(admins.prefix(3))
        var whom = "an admin of \(partner)"
        if let last = named.last {
            whom += ": " + (named.count == 1 ? last : named.dropLast().joined(separator: ", ") + " or " + last)
            if admins.count > named.count { whom += " (or another admin)" }
        }
        return "Your access to the \(Emails.portal(partner)) is blocked, so you cannot sign in. To have it restored, ask \(whom)."
    }

    static let lockedOut = "Too many wrong codes. For your security this sign-in was stopped: sign in again to get a new code."

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .div(
            .class("auth"),
            .div(
                .class("card"),
                .h1(.text("Sign in")),
                .p(.class("lead"), .text("Use the email address and password of your operator account.")),
                .unwrap(model.notice) { notice in
                    .div(.class("banner success"), .attr("role", "status"), .text(notice.text))
                },
                .form(
                    .method(.post), .action(SiteURL.signIn), .novalidate(),
                    Forms.csrfField(csrfToken),
                    .unwrap(model.next) { .input(.type(.hidden), .name("next"), .value($0)) },
                    Forms.errorSummary(model.error),
                    Forms.field(.init(name: "email", label: "Email", type: .email, value: model.email,
                                      autocomplete: "username", autofocus: model.email.isEmpty)),
                    Forms.field(.init(name: "password", label: "Password", type: .password,
                                      autocomplete: "current-password", autofocus: !model.email.isEmpty)),
                    .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Sign in")))
                ),
                .p(.a(.href(SiteURL.forgotPassword), .text("Forgot password?")))
            )
        )
    }
}
