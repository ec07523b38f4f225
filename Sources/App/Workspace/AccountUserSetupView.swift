/// `/app/setup/:token`: a client account's owner or staff member chooses a password.
enum AccountUserSetupView {
    struct Model: Sendable {
        var purpose: AccountUserToken.Purpose
        var email: String
        /// The link's token, to post the form back to the same link.
        var token: String
        var errors = OperatorInput.Errors()

        var title: String { purpose == .invite ? "Choose your password" : "Choose a new password" }
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .div(.class("auth"), .div(.class("card"),
            .h1(.text(model.title)),
            .p(.class("lead"), .text("Set a password for \(model.email). The link works once.")),
            .form(.method(.post), .action(SiteURL.accountUserSetup(token: model.token)), .novalidate(),
                  Forms.csrfField(csrfToken),
                  Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
                  Forms.field(.init(name: "password", label: "Password", type: .password, error: model.errors["password"],
                                    hint: "At least \(PasswordPolicy.minimumLength) characters. A few unrelated words work well.",
                                    autocomplete: "new-password", autofocus: true)),
                  Forms.field(.init(name: "password_confirmation", label: "Repeat the password", type: .password, autocomplete: "new-password")),
                  .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Save password"))))))
    }

    static func saved(email: String) -> Markup {
        .div(.class("auth"), .div(.class("card"),
            .h1(.text("Password saved")),
            .p(.class("lead"), .text("You can now sign in as \(email) with your new password.")),
            .div(.class("form-actions"), .a(.class("button primary block"), .href(SiteURL.workspaceSignIn), .text("Sign in")))))
    }
}
