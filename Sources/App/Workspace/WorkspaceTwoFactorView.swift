import Foundation

/// The workspace's authenticator pages: the code asked for after the password, and the
/// security page that sets one up or removes it. Recovery codes are shown by
/// `SecondFactorView.recoveryCodes`, as for operators.
enum WorkspaceTwoFactorView {
    struct CodeModel: Sendable {
        var partnerName: String
        var error: String?
    }

    static func code(_ model: CodeModel, csrfToken: String) -> Markup {
        .div(.class("auth"), .div(
            .class("card"),
            .h1(.text("Enter your code")),
            .p(.class("lead"), .text("Open the authenticator app you set up for \(model.partnerName) and enter the 6-digit code it shows.")),
            .form(
                .method(.post), .action(SiteURL.workspaceSignInCode), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.error),
                Forms.field(.init(name: "code", label: "Code (or a recovery code)", error: model.error, autocomplete: "one-time-code", autofocus: true)),
                .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Sign in")))
            ),
            .p(.class("hint"), .a(.href(SiteURL.workspaceSignIn), .text("Start again")))
        ))
    }

    struct SecurityModel: Sendable {
        /// When the authenticator was set up ("3 Mar 2026"), or nil when there is none.
        var enrolledAt: String?
        var recoveryCodesLeft: Int
        /// The partner requires one: said on the page, and the reason the person was sent here.
        var required: Bool
        /// While one is being set up: the key, grouped for typing, and the link that adds it.
        var pendingSecret: String?
        var provisioningURI: String?
        var codeError: String?
        var passwordError: String?
        var notice: String?
        /// Why this session may only look (an operator logged in as the person).
        var readOnlyReason: String?
        /// Whose key it is (the partner's name), for the QR code's label.
        var issuer: String = ""
    }

    static func security(_ model: SecurityModel, csrfToken: String) -> Markup {
        let mayChange = model.readOnlyReason == nil
        return .group(
            .div(.class("page-header"), .div(.h1(.text("Security")),
                                             .p(.text("Sign in with a code from an authenticator app as well as your password.")))),
            .unwrap(model.readOnlyReason) { .div(.class("banner warning"), .attr("role", "note"), .text($0)) },
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .if(model.required && model.enrolledAt == nil,
                .div(.class("banner warning"), .attr("role", "alert"),
                     .text("An authenticator app is required to use this workspace. Set one up below to go on."))),
            .section(.class("card"),
                     .h2(.text("Authenticator app")),
                     .unwrap(model.enrolledAt, { enrolled in
                         .group(
                             .p(.text("In use since \(enrolled). \(model.recoveryCodesLeft) of \(RecoveryCode.count) recovery codes left.")),
                             .if(model.recoveryCodesLeft <= ProfileView.fewRecoveryCodes,
                                 .div(.class("banner warning"), .attr("role", "note"),
                                      .text(model.recoveryCodesLeft == 0 ? "You have no recovery codes left. Make new ones below."
                                                : "Only \(model.recoveryCodesLeft) recovery \(model.recoveryCodesLeft == 1 ? "code" : "codes") left. Make new ones below."))),
                             .if(mayChange, .group(passwordForm(action: .workspaceRecoveryCodes, title: "New recovery codes",
                                                                hint: "The old codes stop working.", button: "Make new recovery codes",
                                                                fieldID: "renew-password", error: nil, csrfToken: csrfToken),
                                                   passwordForm(action: .workspaceAuthenticatorRemove, title: "Remove the authenticator app",
                                                                hint: model.required ? "You will be asked to set up another one at once." : "You will sign in with your password only.",
                                                                button: "Remove it", fieldID: "remove-password", error: model.passwordError,
                                                                csrfToken: csrfToken)))
                         )
                     }, else: .unwrap(mayChange ? model.pendingSecret : nil, { secret in pending(secret, model: model, csrfToken: csrfToken) },
                                      else: .group(
                                          .p(.text("Not set up. Any app that shows 6-digit codes works, such as 1Password, Google Authenticator or Microsoft Authenticator.")),
                                          .if(mayChange, .form(.method(.post), .action(SiteURL.workspaceAuthenticator), Forms.csrfField(csrfToken),
                                                               .button(.class("button primary"), .type(.submit), .text("Set up an authenticator app"))))))))
        )
    }

    private static func pending(_ secret: String, model: SecurityModel, csrfToken: String) -> Markup {
        .group(
            SecondFactorView.authenticatorKey(secret: secret, provisioningURI: model.provisioningURI, issuer: model.issuer),
            .form(.method(.post), .action(SiteURL.workspaceAuthenticatorConfirm), .novalidate(),
                  Forms.csrfField(csrfToken),
                  Forms.field(.init(name: "code", label: "The 6-digit code the app shows", error: model.codeError, autocomplete: "one-time-code",
                                    autofocus: true)),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Confirm"))))
        )
    }

    private static func passwordForm(action: SiteURL, title: String, hint: String, button: String, fieldID: String, error: String?,
                                     csrfToken: String) -> Markup {
        .form(.method(.post), .action(action), .novalidate(),
              Forms.csrfField(csrfToken),
              .h3(.text(title)),
              .div(.class("field"),
                   .label(.for(fieldID), .text("Your password")),
                   .input(.id(fieldID), .name("password"), .type(.password), .required(true), .attr("autocomplete", "current-password"),
                          .attr("aria-invalid", error == nil ? nil : "true"),
                          .attr("aria-describedby", error == nil ? "\(fieldID)-hint" : "\(fieldID)-hint \(fieldID)-error")),
                   .div(.class("hint"), .id("\(fieldID)-hint"), .text(hint)),
                   .unwrap(error) { .div(.class("error"), .id("\(fieldID)-error"), .text($0)) }),
              .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text(button))))
    }
}
