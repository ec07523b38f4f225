
/// The second step of signing in: entering a code, choosing a method, the recovery codes.
enum SecondFactorView {
    struct CodeModel: Sendable, Equatable {
        var method: SecondFactorMethod
        var enrolling: Bool
        /// Where the code went, partly hidden ("a•••@example.com", "••• 0958").
        var destination: String
        /// While enrolling an authenticator app: the key to type in, and the link that adds it.
        var totpSecret: String?
        var provisioningURI: String?
        var canResend: Bool
        var error: String?
        var notice: String?
        /// Whose key it is (the partner's name), for the QR code's label.
        var issuer: String = ""

        var title: String { enrolling ? "Confirm two-step sign-in" : "Enter your code" }

        var instruction: String {
            switch method {
            case .totp: "Enter the 6-digit code your authenticator app shows."
            case .email: "We sent a 6-digit code to \(destination). It expires in 10 minutes."
            case .sms: "We sent a 6-digit code by text message to \(destination). It expires in 10 minutes."
            }
        }
    }

    static func code(_ model: CodeModel, csrfToken: String) -> Markup {
        .div(
            .class("auth"),
            .div(
                .class("card"),
                .h1(.text(model.title)),
                .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
                .unwrap(model.totpSecret) { authenticatorKey(secret: $0, provisioningURI: model.provisioningURI, issuer: model.issuer) },
                .p(.class("lead"), .text(model.instruction)),
                .form(
                    .method(.post), .action(SiteURL.signInCode), .novalidate(),
                    Forms.csrfField(csrfToken),
                    Forms.errorSummary(model.error),
                    Forms.field(.init(name: "code", label: model.enrolling ? "Code" : "Code (or a recovery code)", error: model.error,
                                      autocomplete: "one-time-code", autofocus: true)),
                    .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text(model.enrolling ? "Confirm" : "Sign in")))
                ),
                .if(model.canResend,
                    .form(
                        .method(.post), .action(SiteURL.signInCodeResend),
                        Forms.csrfField(csrfToken),
                        .button(.class("button link"), .type(.submit), .text("Send a new code"))
                    )
                ),
                .p(.class("hint"),
                   .if(model.enrolling, .group(.a(.href(SiteURL.signInEnrol), .text("Choose another method")), .text(" · "))),
                   .a(.href(SiteURL.signIn), .text("Start again")))
            )
        )
    }

    struct EnrolModel: Sendable, Equatable {
        var method: SecondFactorMethod?
        var phone: String
        var errors: [String: String]
    }

    static func enrol(_ model: EnrolModel, methods: [SecondFactorMethod], email: String, csrfToken: String) -> Markup {
        .div(
            .class("auth"),
            .div(
                .class("card"),
                .h1(.text("Set up two-step sign-in")),
                .p(.class("lead"), .text("Besides your password, you will enter a code each time you sign in. Choose how to get it.")),
                .form(
                    .method(.post), .action(SiteURL.signInEnrol), .novalidate(),
                    Forms.csrfField(csrfToken),
                    Forms.errorSummary(model.errors.isEmpty ? nil : "Check the choice below."),
                    .fieldset(
                        .class("permissions"),
                        .attr("aria-describedby", model.errors["method"] == nil ? nil : "field-method-error"),
                        .legend(text: "Method"),
                        .forEach(methods) { method in
                            choice(method, checked: model.method == method || (model.method == nil && method == methods.first), email: email)
                        },
                        .unwrap(model.errors["method"]) { .div(.class("error"), .id("field-method-error"), .text($0)) }
                    ),
                    .if(methods.contains(.sms),
                        Forms.field(.init(name: "phone", label: "Mobile number (for text messages)", type: .tel, value: model.phone,
                                          error: model.errors["phone"], hint: "Only used when you choose text messages.",
                                          autocomplete: "tel", required: false))),
                    .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Continue")))
                )
            )
        )
    }

    /// A new authenticator key: the QR code to scan, and the key to type for those who cannot.
    static func authenticatorKey(secret: String, provisioningURI: String?, issuer: String) -> Markup {
        let link = provisioningURI.flatMap(LinkTarget.authenticatorApp)
        let code: QRCode? = link.flatMap { try? QRCode.encode($0.value) }
        return .group(
            .unwrap(code, { code in
                .group(
                    .p(.text("Scan this code with your authenticator app (for example 1Password, Google Authenticator or Microsoft Authenticator):")),
                    .div(.class("qr-frame"), QRCodeView.svg(code, label: issuer.isEmpty ? "QR code of your sign-in key for an authenticator app"
                                                                : "QR code of your \(issuer) sign-in key for an authenticator app")),
                    .p(.text("Cannot scan it? In the app, choose to enter a setup key, and type:"))
                )
            }, else: .p(.text((link == nil ? "" : "This key is too long to show as a QR code. ")
                              + "In your authenticator app (for example 1Password, Google Authenticator or Microsoft Authenticator), choose to enter a setup key, and type:"))),
            .p(.class("secret-key"), .id("totp-secret"), .text(grouped(secret))),
            .unwrap(link) { .p(.a(.href($0), .text("Or open it in an authenticator app on this device"))) }
        )
    }

    /// How the recovery-codes page offers its codes as a file: the form's address, the sealed
    /// codes it posts (`RecoveryCodeSheet`) and the session's CSRF token.
    struct Download: Sendable, Equatable {
        var action: SiteURL
        var sheet: String
        var csrfToken: String
    }

    static func recoveryCodes(_ codes: [String], continueTo next: String, download: Download? = nil, notice: String? = nil) -> Markup {
        .div(
            .class("auth"),
            .div(
                .class("card"),
                .h1(.text("Save your recovery codes")),
                .unwrap(notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
                .p(.text("If you lose your phone or authenticator app, each of these codes signs you in once. They are shown only now: download them, copy them into a password manager, or print them.")),
                .ul(.class("recovery-codes"), .id("recovery-codes"), .forEach(codes) { .li(.code(text: $0)) }),
                .div(.class("recovery-actions"),
                     .unwrap(download) { download in
                         .form(.method(.post), .action(download.action),
                               Forms.csrfField(download.csrfToken),
                               .input(.type(.hidden), .name(RecoveryCodeSheet.field), .value(download.sheet)),
                               .button(.class("button secondary"), .type(.submit), .text("Download as text file")))
                     },
                     .button(.class("button secondary"), .type(.button), .flag("hidden", true), .attr("data-copy", "recovery-codes"),
                             .attr("data-copy-status", "recovery-codes-status"),
                             .attr("data-copied", "Copied \(codes.count) recovery codes to the clipboard."), .text("Copy"))),
                .p(.class("hint"), .id("recovery-codes-status"), .attr("role", "status")),
                .a(.class("button primary block"), .href(LinkTarget.localPath(next) ?? .site(.home)), .text("I have saved them — continue")),
                CopyScript.element
            )
        )
    }

    private static func choice(_ method: SecondFactorMethod, checked: Bool, email: String) -> Markup {
        let id = "method-\(method.rawValue)"
        let text: String = " — " + explanation(method, email: email)
        return .div(
            .class("checkbox"),
            .input(.type(.radio), .name("method"), .id(id), .value(method.rawValue), .checked(checked)),
            .label(.for(id), .strong(.text(method.title)), .small(.text(text)))
        )
    }

    private static func explanation(_ method: SecondFactorMethod, email: String) -> String {
        switch method {
        case .totp: "an app on your phone shows a new code every 30 seconds (works offline)"
        case .email: "we email a code to \(email)"
        case .sms: "we text a code to your mobile"
        }
    }

    /// "ABCD EFGH IJKL …": easier to type.
    static func grouped(_ secret: String) -> String {
        stride(from: 0, to: secret.count, by: 4).map { offset -> String in
            let start = secret.index(secret.startIndex, offsetBy: offset)
            return String(secret[start..<(secret.index(start, offsetBy: 4, limitedBy: secret.endIndex) ?? secret.endIndex)])
        }.joined(separator: " ")
    }

    static func masked(email: String) -> String {
        guard let at = email.firstIndex(of: "@"), let first = email.first else { return email }
        return "\(first)•••\(email[at...])"
    }

    static func masked(phone: String) -> String {
        let digits = phone.filter(\.isNumber)
        return "••• " + String(digits.suffix(4))
    }
}
