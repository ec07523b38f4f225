import Foundation

/// The client workspace's own pages: sign-in, the forgotten-password form, the dashboard
/// and choosing a new password. They carry the partner's brand only.
enum WorkspaceView {
    struct SignInModel: Sendable {
        var partnerName: String
        var email: String
        var error: String?
    }

    static func signIn(_ model: SignInModel, csrfToken: String) -> Markup {
        .div(.class("auth"), .div(
            .class("card"),
            .h1(.text("Sign in to your business account")),
            .p(.class("lead"), .text("Use the email and password you chose for your account with \(model.partnerName).")),
            .form(
                .method(.post), .action(SiteURL.workspaceSignIn), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.error),
                Forms.field(.init(name: "email", label: "Email", type: .email, value: model.email, autocomplete: "username",
                                  autofocus: model.email.isEmpty)),
                Forms.field(.init(name: "password", label: "Password", type: .password, autocomplete: "current-password",
                                  autofocus: !model.email.isEmpty)),
                .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Sign in")))
            ),
            .p(.a(.href(SiteURL.workspaceForgot), .text("Forgot password?")))
        ))
    }

    struct ForgotModel: Sendable {
        var email: String
        var sent: Bool
        var error: String?
    }

    static func forgot(_ model: ForgotModel, csrfToken: String) -> Markup {
        .div(.class("auth"), .div(
            .class("card"),
            .h1(.text("Forgot your password?")),
            .if(model.sent,
                .div(.class("banner success"), .attr("role", "status"),
                     .text("If an account uses that address, we emailed it a link to choose a new password. The link works once, for 24 hours.")),
                else: .p(.class("lead"), .text("Enter your email: we send a link to choose a new password."))),
            .form(
                .method(.post), .action(SiteURL.workspaceForgot), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.field(.init(name: "email", label: "Email", type: .email, value: model.email, error: model.error, autocomplete: "username",
                                  autofocus: true)),
                .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Send the link")))
            ),
            .p(.a(.href(SiteURL.workspaceSignIn), .text("Back to sign-in")))
        ))
    }

    struct DashboardModel: Sendable {
        struct Week: Sendable { let label: String; let bookings: Int; let payments: Int }
        struct Step: Sendable { let code: String; let title: String; let doneAt: String? }
        var accountName: String
        var userName: String
        var role: AccountUser.Role
        var inSetup: Bool
        var steps: [Step]
        var weeks: [Week]
        var bookings: Int
        var payments: Int
        var paymentTotals: [String]
        /// The business page's key, and the widget's embed snippet (shown as text).
        var pageKey: String
        var embedSnippet: String
    }

    static func dashboard(_ model: DashboardModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.accountName)),
                      .p(.text("Signed in as \(model.userName), \(model.role == .owner ? "owner" : "staff")."),
                         .if(model.inSetup, .group(.text(" "), .span(.class("badge warning"), .text("In setup"))))))),
            .if(!model.steps.isEmpty, onboarding(model, csrfToken: csrfToken)),
            .div(.class("grid"),
                 .div(.class("stat"), .div(.class("label"), .text("Bookings, last 3 months")), .div(.class("value"), .text(String(model.bookings)))),
                 .div(.class("stat"), .div(.class("label"), .text("Payments, last 3 months")), .div(.class("value"), .text(String(model.payments)))),
                 .div(.class("stat"), .div(.class("label"), .text("Taken")),
                      .div(.class("value"), .text(model.paymentTotals.isEmpty ? "—" : model.paymentTotals.joined(separator: ", "))))),
            .div(.class("card"),
                 .h2(.text("Week by week")),
                 .div(.class("table-wrap"), .table(
                     .thead(.tr(.th(.attr("scope", "col"), .text("Week of")), .th(.attr("scope", "col"), .text("Bookings")),
                                .th(.attr("scope", "col"), .text("Payments")))),
                     .tbody(.forEach(model.weeks) { week in
                         .tr(.td(.text(week.label)), .td(.text(String(week.bookings))), .td(.text(String(week.payments))))
                     })))),
            .div(.class("card"),
                 .h2(.text("Booking widget")),
                 .p(.text("Paste this into your web site where the “Book now” button should appear. The button opens "),
                    .a(.href(.businessPage(key: model.pageKey)), .text("your business page")), .text(".")),
                 .pre(.code(.text(model.embedSnippet))))
        )
    }

    /// The wizard: every step with its time once done, the next one to do first in line.
    private static func onboarding(_ model: DashboardModel, csrfToken: String) -> Markup {
        let done = model.steps.filter { $0.doneAt != nil }.count
        let next = model.steps.first { $0.doneAt == nil }
        return .div(.class("card"),
                    .h2(.text("Getting started")),
                    .p(.class("hint"), .text(done == model.steps.count
                        ? "Every step is done: your account is set up."
                        : "\(done) of \(model.steps.count) steps done. Finishing the last one completes your setup.")),
                    .ol(.class("checklist"), .forEach(model.steps) { step in
                        .li(.class(step.doneAt == nil ? "todo" : "done"),
                            .strong(.text(step.title)),
                            .unwrap(step.doneAt, { .span(.class("hint"), .text(" · done \($0)")) },
                                    else: .form(.class("inline"), .method(.post), .action(SiteURL.workspaceOnboarding), Forms.csrfField(csrfToken),
                                                .input(.type(.hidden), .name("step"), .value(step.code)),
                                                .button(.class(step.code == next?.code ? "button primary" : "button secondary"), .type(.submit),
                                                        .ariaLabel("Mark “\(step.title)” as done"), .text("Mark as done")))))
                    }))
    }

    struct ProfileModel: Sendable {
        var input: WorkspaceProfile.Input
        var errors: OperatorInput.Errors
        /// Why this person may only read the profile (staff), or nil for the owner.
        var readOnlyReason: String?
    }

    static func profile(_ model: ProfileModel, csrfToken: String) -> Markup {
        let input = model.input
        return .group(
            .div(.class("page-header"), .div(.h1(.text("Business profile")),
                                             .p(.text("What your business page shows: who you are, where, when you are open and what clients can book.")))),
            .unwrap(model.readOnlyReason) { .div(.class("banner warning"), .attr("role", "note"), .text($0)) },
            .form(
                .class("card"), .method(.post), .action(SiteURL.workspaceProfile), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
                Forms.field(.init(name: "name", label: "Business name", value: input.name, error: model.errors["name"], autocomplete: "organization")),
                Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: input.phone, error: model.errors["phone"],
                                  autocomplete: "tel", required: false)),
                Forms.field(.init(name: "address", label: "Address (optional)", value: input.address, error: model.errors["address"],
                                  autocomplete: "street-address", required: false)),
                Forms.textArea(name: "description", label: "Description (optional)", value: input.description, error: model.errors["description"],
                               hint: "A few sentences for your business page."),
                Forms.textArea(name: "opening_hours", label: "Opening hours (optional)", value: input.openingHours, error: model.errors["opening_hours"],
                               hint: "One line a day or a range, for example “Mon–Fri 9:00–17:30”."),
                Forms.textArea(name: "services", label: "Services offered for booking (optional)", value: input.services, error: model.errors["services"],
                               hint: "One service a line, for example “Haircut, 30 min”. Your business page's booking form offers these; "
                                   + "with none listed, clients describe what they want.", rows: 4),
                Forms.field(.init(name: "brand_color", label: "Brand colour (optional)", value: input.brandColor, error: model.errors["brand_color"],
                                  hint: "As #RRGGBB.", autocomplete: "off", required: false)),
                Forms.field(.init(name: "logo_url", label: "Logo address (optional)", type: .url, value: input.logoURL, error: model.errors["logo_url"],
                                  hint: "An https:// address of an image.", autocomplete: "url", required: false)),
                .if(model.readOnlyReason == nil,
                    .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save profile"))))
            )
        )
    }

    struct StaffModel: Sendable {
        struct Person: Sendable { let id: String; let name: String; let email: String; let isOwner: Bool; let isInvited: Bool }
        struct Form: Sendable { var name = ""; var email = "" }
        var people: [Person]
        var slots: Int
        var form: Form
        var errors: OperatorInput.Errors
        var message: String?
        var readOnlyReason: String?
        var notice: String? = nil

        var staffCount: Int { people.filter { !$0.isOwner }.count }
    }

    static func staff(_ model: StaffModel, csrfToken: String) -> Markup {
        let mayManage = model.readOnlyReason == nil
        return .group(
            .div(.class("page-header"), .div(.h1(.text("Staff")),
                                             .p(.text("\(model.staffCount) of \(model.slots) staff slots in use. Staff see all of the account's locations.")))),
            .unwrap(model.readOnlyReason) { .div(.class("banner warning"), .attr("role", "note"), .text($0)) },
            .unwrap(model.message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .div(.class("card"), .div(.class("table-wrap"), .table(
                .thead(.tr(.th(.attr("scope", "col"), .text("Person")), .th(.attr("scope", "col"), .text("Role")),
                           .th(.attr("scope", "col"), .text("Status")),
                           .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                .tbody(.forEach(model.people) { person in
                    .tr(.td(.strong(.text(person.name)), .div(.class("hint"), .text(person.email))),
                        .td(.text(person.isOwner ? "Owner" : "Staff")),
                        .td(.text(person.isInvited ? "Invited" : "Active")),
                        .td(.if(mayManage && person.isInvited && !person.isOwner,
                                .form(.class("inline"), .method(.post), .action(SiteURL.workspaceStaffResend), Forms.csrfField(csrfToken),
                                      .input(.type(.hidden), .name("user"), .value(person.id)),
                                      .button(.class("button secondary"), .type(.submit), .ariaLabel("Send the invitation to \(person.name) again"),
                                              .text("Resend invite")))),
                            .if(mayManage && !person.isOwner,
                                .form(.class("inline"), .method(.post), .action(SiteURL.workspaceStaffRemove), Forms.csrfField(csrfToken),
                                      .input(.type(.hidden), .name("user"), .value(person.id)),
                                      .button(.class("button secondary"), .type(.submit), .ariaLabel("Remove \(person.name)"), .text("Remove"))))))
                })))),
            .if(mayManage,
                .form(.class("card"), .method(.post), .action(SiteURL.workspaceStaff), .novalidate(),
                      Forms.csrfField(csrfToken),
                      .h2(.text("Invite a staff member")),
                      Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
                      Forms.field(.init(name: "name", label: "Name", value: model.form.name, error: model.errors["name"], autocomplete: "off")),
                      Forms.field(.init(name: "email", label: "Email", type: .email, value: model.form.email, error: model.errors["email"],
                                        autocomplete: "off")),
                      .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send invitation")))))
        )
    }

    struct PasswordModel: Sendable {
        var mustChange: Bool
        var errors: OperatorInput.Errors
    }

    static func password(_ model: PasswordModel, csrfToken: String) -> Markup {
        .div(.class("auth"), .div(
            .class("card"),
            .h1(.text(model.mustChange ? "Choose your own password" : "Change your password")),
            .if(model.mustChange,
                .p(.class("lead"), .text("You signed in with a temporary password. Choose your own before you go on."))),
            .form(
                .method(.post), .action(SiteURL.workspacePassword), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
                Forms.field(.init(name: "current_password", label: model.mustChange ? "Temporary password" : "Current password", type: .password,
                                  error: model.errors["current_password"], autocomplete: "current-password", autofocus: true)),
                Forms.field(.init(name: "password", label: "New password", type: .password, error: model.errors["password"],
                                  hint: "At least \(PasswordPolicy.minimumLength) characters; not a common password, your name or your email.",
                                  autocomplete: "new-password")),
                Forms.field(.init(name: "password_confirmation", label: "New password again", type: .password, autocomplete: "new-password")),
                .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Save the new password")))
            )
        ))
    }
}
