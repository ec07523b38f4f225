import Foundation

enum ProfileView {
    /// How often and which categories: on the profile, and on an operator's page for admins.
    static func notificationFields(_ preferences: NotificationPreferences) -> Markup {
        .group(
            .fieldset(.class("permissions"),
                      .legend(text: "How often"),
                      .forEach(NotificationPreferences.Frequency.allCases) { frequency in
                          .div(.class("checkbox"),
                               .input(.type(.radio), .id("frequency-\(frequency.rawValue)"), .name("frequency"), .value(frequency.rawValue),
                                      .checked(preferences.frequency == frequency)),
                               .label(.for("frequency-\(frequency.rawValue)"),
                                      .text(frequency == .daily ? "Daily" : "Weekly, on Monday morning")))
                      }),
            .fieldset(.class("permissions"),
                      .legend(text: "Categories"),
                      .forEach(NotificationPreferences.Category.allCases) { category in
                          .div(.class("checkbox"),
                               .input(.type(.checkbox), .id("category-\(category.rawValue)"), .name("categories[]"), .value(category.rawValue),
                                      .checked(preferences.categories.contains(category))),
                               .label(.for("category-\(category.rawValue)"), .text(category.title)))
                      })
        )
    }

    /// What the last form did, said on the page it returns to.
    enum Notice: String, Sendable {
        case details, notifications

        func message(_ preferences: NotificationPreferences) -> String {
            switch self {
            case .details: return "Your name, phone and time zone are saved."
            case .notifications:
                guard !preferences.categories.isEmpty else { return "Notifications saved: you will receive no summary email." }
                let how = preferences.frequency == .daily ? "daily" : "weekly"
                let count = preferences.categories.count
                return "Notifications saved: a \(how) summary of \(count) \(count == 1 ? "category" : "categories")."
            }
        }
    }

    /// At or below this many recovery codes the profile warns, and offers new ones.
    static let fewRecoveryCodes = 2

    /// Whether to warn that recovery codes are running out, and the warning.
    static func recoveryCodesWarning(_ model: Model) -> String? {
        guard model.secondFactor != nil, model.recoveryCodesLeft <= fewRecoveryCodes else { return nil }
        switch model.recoveryCodesLeft {
        case 0: return "You have no recovery codes left: if you lose your second step, you cannot sign in."
        case 1: return "Only 1 recovery code left."
        default: return "Only \(model.recoveryCodesLeft) recovery codes left."
        }
    }

    struct Model: Sendable {
        var name: String
        var email: String
        var phone: String
        var timeZone: String
        var notifications: NotificationPreferences
        var secondFactor: SecondFactorMethod?
        var recoveryCodesLeft: Int
        var notice: Notice?
        var errors: OperatorInput.Errors
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"), .div(.h1(.text("Your profile")), .p(.text(model.email)))),
            .p(.a(.href(SiteURL.apiTokens), .text("Your API tokens for the JSON API"))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0.message(model.notifications))) },
            .unwrap(recoveryCodesWarning(model)) { warning in
                .div(.class("banner warning"), .id("recovery-codes-warning"), .attr("role", "note"),
                     .text(warning + " "), .a(.href(LinkTarget.fragment("two-step-sign-in")), .text("Make new recovery codes")))
            },
            .form(.class("card"), .method(.post), .action(SiteURL.profile), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Details")),
                  Forms.field(.init(name: "name", label: "Name", value: model.name, error: model.errors["name"], autocomplete: "name")),
                  Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: model.phone, error: model.errors["phone"],
                                    hint: "Used for SMS sign-in codes.", autocomplete: "tel", required: false)),
                  TimeZoneField.field(.init(value: model.timeZone, error: model.errors["time_zone"], fromBrowser: false)),
                  Forms.field(.init(name: "phone_password", label: "Current password", type: .password, error: model.errors["phone_password"],
                                    hint: "Needed only to change your phone.", autocomplete: "current-password", required: false)),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save details")))),
            .form(.class("card"), .method(.post), .action(SiteURL.profileNotifications),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Notifications")),
                  .p(.class("hint"), .text("A summary email of outstanding tasks. Untick every category to receive none.")),
                  notificationFields(model.notifications),
                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Save notifications")))),
            .form(.class("card"), .method(.post), .action(SiteURL.profileEmail), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Email")),
                  .p(.class("hint"), .text("After changing your email you sign in again, everywhere, with the new one.")),
                  Forms.field(.init(name: "email", label: "New email", type: .email, value: "", error: model.errors["email"], autocomplete: "email")),
                  Forms.field(.init(name: "current_password", label: "Current password", type: .password, error: model.errors["current_password"],
                                    autocomplete: "current-password")),
                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Change email")))),
            .form(.class("card"), .method(.post), .action(SiteURL.profilePassword), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Password")),
                  .p(.class("hint"), .text("Changing your password signs you out everywhere.")),
                  // Its own id: the email form above has a field of the same name.
                  Forms.field(.init(name: "current_password", label: "Current password", type: .password, error: model.errors["current_password"],
                                    autocomplete: "current-password", id: "field-password-current_password")),
                  Forms.field(.init(name: "password", label: "New password", type: .password, error: model.errors["password"],
                                    hint: "At least \(PasswordPolicy.minimumLength) characters.", autocomplete: "new-password")),
                  Forms.field(.init(name: "password_confirmation", label: "Repeat the new password", type: .password, autocomplete: "new-password")),
                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Change password")))),
            secondFactorCard(model, csrfToken: csrfToken)
        )
    }

    private static func secondFactorCard(_ model: Model, csrfToken: String) -> Markup {
        .form(.class("card"), .id("two-step-sign-in"), .method(.post), .action(SiteURL.profileSecondFactor), .novalidate(),
              Forms.csrfField(csrfToken),
              .h2(.text("Two-step sign-in")),
              .unwrap(model.secondFactor, { method in
                  .group(.p(.text("You sign in with: \(method.title).")),
                         .p(.id("recovery-codes-left"), .if(recoveryCodesWarning(model) != nil, .class("warning-text")),
                            .text("\(model.recoveryCodesLeft) of \(RecoveryCode.count) recovery codes left."),
                            .text(" New codes replace all the old ones.")))
              }, else: .p(.text("Not set up: you will be asked to choose a method at your next sign-in."))),
              Forms.field(.init(name: "confirm_password", label: "Current password", type: .password, error: model.errors["confirm_password"],
                                hint: "Needed for either change.", autocomplete: "current-password")),
              .div(.class("form-actions inline"),
                   .button(.class("button secondary"), .type(.submit), .name("action"), .value("change"),
                           .text(model.secondFactor == nil ? "Set up two-step sign-in" : "Choose another method")),
                   .if(model.secondFactor != nil,
                       .button(.class("button secondary"), .type(.submit), .name("action"), .value("codes"), .text("New recovery codes")))))
    }
}
