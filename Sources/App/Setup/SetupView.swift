
enum SetupView {
    struct Model: Sendable, Equatable {
        var purpose: OneTimeToken.Purpose
        var name: String
        var email: String
        var errors = OperatorInput.Errors()

        var title: String {
            switch purpose {
            case .firstAdmin: "Create the first admin"
            case .passwordReset: "Choose a new password"
            case .operatorSetup, .invite: "Choose your password"
            }
        }
    }

    static func render(_ model: Model, action: SiteURL, csrfToken: String) -> Markup {
        .div(
            .class("auth"),
            .div(
                .class("card"),
                .h1(.text(model.title)),
                .p(.class("lead"), .text(model.purpose == .firstAdmin
                    ? "This account will hold the Admin role over every client account. The link works once."
                    : "Set a password for \(model.email). The link works once.")),
                .form(
                    .method(.post), .action(action), .novalidate(),
                    Forms.csrfField(csrfToken),
                    Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
                    .if(model.purpose == .firstAdmin, .group(
                        Forms.field(.init(name: "name", label: "Your name", value: model.name, error: model.errors["name"],
                                          autocomplete: "name", autofocus: true)),
                        Forms.field(.init(name: "email", label: "Email", type: .email, value: model.email, error: model.errors["email"],
                                          autocomplete: "username"))
                    )),
                    Forms.field(.init(name: "password", label: "Password", type: .password, error: model.errors["password"],
                                      hint: "At least \(PasswordPolicy.minimumLength) characters. A few unrelated words work well.",
                                      autocomplete: "new-password", autofocus: model.purpose != .firstAdmin)),
                    Forms.field(.init(name: "password_confirmation", label: "Repeat the password", type: .password,
                                      autocomplete: "new-password")),
                    .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text(model.purpose == .firstAdmin ? "Create admin and sign in" : "Save password and sign in")))
                )
            )
        )
    }
}
