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

    enum Notice: String, Sendable { case saved }

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

    static let timeZones = TimeZone.knownTimeZoneIdentifiers.sorted()

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"), .div(.h1(.text("Your profile")), .p(.text(model.email)))),
            .p(.a(.href(SiteURL.apiTokens), .text("Your API tokens for the JSON API"))),
            .if(model.notice == .saved, .div(.class("banner success"), .attr("role", "status"), .text("Saved."))),
            .form(.class("card"), .method(.post), .action(SiteURL.profile), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Details")),
                  Forms.field(.init(name: "name", label: "Name", value: model.name, error: model.errors["name"], autocomplete: "name")),
                  Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: model.phone, error: model.errors["phone"],
                                    hint: "Used for SMS sign-in codes.", autocomplete: "tel", required: false)),
                  .div(.class("field"), .label(.for("field-time_zone"), .text("Time zone")),
                       .select(.id("field-time_zone"), .attr("name", "time_zone"),
                               .forEach(timeZones) { Forms.option(value: $0, label: $0, selected: $0 == model.timeZone) }),
                       .div(.class("hint"), .text("Weekly digests arrive on Monday morning in this time zone."))),
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
                  Forms.field(.init(name: "current_password", label: "Current password", type: .password, error: model.errors["current_password"],
                                    autocomplete: "current-password")),
                  Forms.field(.init(name: "password", label: "New password", type: .password, error: model.errors["password"],
                                    hint: "At least \(PasswordPolicy.minimumLength) characters.", autocomplete: "new-password")),
                  Forms.field(.init(name: "password_confirmation", label: "Repeat the new password", type: .password, autocomplete: "new-password")),
                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Change password")))),
            secondFactorCard(model, csrfToken: csrfToken)
        )
    }

    private static func secondFactorCard(_ model: Model, csrfToken: String) -> Markup {
        .form(.class("card"), .method(.post), .action(SiteURL.profileSecondFactor), .novalidate(),
              Forms.csrfField(csrfToken),
              .h2(.text("Two-step sign-in")),
              .p(.text(model.secondFactor.map { "You sign in with: \($0.title). \(model.recoveryCodesLeft) of \(RecoveryCode.count) recovery codes left." }
                       ?? "Not set up: you will be asked to choose a method at your next sign-in.")),
              Forms.field(.init(name: "confirm_password", label: "Current password", type: .password, error: model.errors["confirm_password"],
                                hint: "Needed for either change.", autocomplete: "current-password")),
              .div(.class("form-actions inline"),
                   .button(.class("button secondary"), .type(.submit), .name("action"), .value("change"),
                           .text(model.secondFactor == nil ? "Set up two-step sign-in" : "Choose another method")),
                   .if(model.secondFactor != nil,
                       .button(.class("button secondary"), .type(.submit), .name("action"), .value("codes"), .text("New recovery codes")))))
    }
}
