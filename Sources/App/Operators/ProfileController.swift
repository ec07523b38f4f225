import Fluent
import Plot
import Vapor

/// `/profile`: the signed-in operator's own name, phone and time zone, email and password.
/// Changing the email or the password needs the current password and signs out everywhere.
enum ProfileController {
    static func show(_ request: Request) async throws -> Response {
        try await render(request, notice: (try? request.query.get(String.self, at: "done")).flatMap(ProfileView.Notice.init(rawValue:)))
    }

    static func updateDetails(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var phone: String?; var timeZone: String?
            enum CodingKeys: String, CodingKey { case name, phone; case timeZone = "time_zone" } }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        var errors = OperatorInput.Errors()
        if let zone = form.timeZone, TimeZone(identifier: zone) == nil { errors.fields["time_zone"] = "Choose a time zone from the list." }
        do {
            try await OperatorAdministration.edit(op, .init(name: form.name, email: nil, phone: .some(form.phone.flatMap { $0.isEmpty ? nil : $0 })),
                                                  by: try await request.actor(), context: request.auditContext, on: request.db)
        } catch let fieldErrors as OperatorInput.Errors {
            errors.fields.merge(fieldErrors.fields) { first, _ in first }
        }
        guard errors.isEmpty else { return try await render(request, errors: errors, status: .unprocessableEntity) }
        if let zone = form.timeZone, zone != op.timeZone {
            op.timeZone = zone
            try await op.update(on: request.db)
        }
        return request.redirect(to: SiteURL.profile.path + "?done=saved", redirectType: .normal)
    }

    static func updateNotifications(_ request: Request) async throws -> Response {
        struct Form: Content { var frequency: String?; var categories: [String]? }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        try await OperatorAdministration.setNotifications(of: op, to: NotificationPreferences(form: form.frequency, categories: form.categories),
                                                         by: try await request.actor(), context: request.auditContext, on: request.db)
        return request.redirect(to: SiteURL.profile.path + "?done=saved", redirectType: .normal)
    }

    static func changeEmail(_ request: Request) async throws -> Response {
        struct Form: Content { var email: String?; var currentPassword: String?
            enum CodingKeys: String, CodingKey { case email; case currentPassword = "current_password" } }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        guard try await passwordMatches(form.currentPassword, of: op, request) else {
            return try await render(request, errors: .init(fields: ["current_password": "That is not your current password."]), status: .unprocessableEntity)
        }
        do {
            // Your own email: the edit ends every session, this one included.
            try await OperatorAdministration.edit(op, .init(name: nil, email: form.email ?? "", phone: nil),
                                                  by: try await request.actor(), context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await render(request, errors: errors, status: .unprocessableEntity)
        } catch let error as PortalError where error.status == .conflict {
            return try await render(request, errors: .init(fields: ["email": error.detail]), status: .conflict)
        }
        return signedOut(request, reason: "email-changed")
    }

    static func changePassword(_ request: Request) async throws -> Response {
        struct Form: Content { var currentPassword: String?; var password: String?; var passwordConfirmation: String?
            enum CodingKeys: String, CodingKey { case currentPassword = "current_password"; case password; case passwordConfirmation = "password_confirmation" } }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        guard try await passwordMatches(form.currentPassword, of: op, request) else {
            return try await render(request, errors: .init(fields: ["current_password": "That is not your current password."]), status: .unprocessableEntity)
        }
        if let problem = PasswordPolicy.check(form.password ?? "", confirmation: form.passwordConfirmation ?? "") {
            return try await render(request, errors: .init(fields: ["password": problem]), status: .unprocessableEntity)
        }
        op.passwordHash = try await request.password.async.hash(form.password ?? "")
        let context = request.auditContext
        try await request.db.transaction { db in
            try await op.update(on: db)
            try await SessionStore.endAll(operatorID: op.requireID(), on: db)
            try await Audit.record("operator.password-changed", in: context, partnerID: op.$partner.id, target: Audit.target(op), on: db)
        }
        return signedOut(request, reason: "password-changed")
    }

    /// `POST /profile/second-factor`: with the current password, either choose another method
    /// (through the same enrolment as at sign-in) or replace the recovery codes.
    static func secondFactor(_ request: Request) async throws -> Response {
        struct Form: Content { var confirmPassword: String?; var action: String?
            enum CodingKeys: String, CodingKey { case confirmPassword = "confirm_password"; case action } }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        guard try await passwordMatches(form.confirmPassword, of: op, request) else {
            return try await render(request, errors: .init(fields: ["confirm_password": "That is not your current password."]), status: .unprocessableEntity)
        }
        let partner = try request.partner
        switch form.action {
        case "codes":
            guard op.secondFactor != nil else {
                return try await render(request, errors: .init(fields: ["confirm_password": "Set up two-step sign-in first."]), status: .conflict)
            }
            let context = request.auditContext
            let codes = try await request.db.transaction { db in
                let codes = try await RecoveryCode.regenerate(for: op.requireID(), on: db)
                try await Audit.record("operator.recovery-codes-replaced", in: context, partnerID: op.$partner.id, target: Audit.target(op), on: db)
                return codes
            }
            return await request.page("Recovery codes", current: .profile, content: SecondFactorView.recoveryCodes(codes, continueTo: SiteURL.profile.path))
        default:
            let token = try await SignInFlow.begin(.enrol, method: nil, for: op, partner: partner, next: SiteURL.profile.path, now: Date(), on: request.db)
            return SignInFlow.challengeResponse(token, to: SiteURL.signInEnrol, request: request)
        }
    }

    private static func signedOut(_ request: Request, reason: String) -> Response {
        let response = request.redirect(to: SiteURL.signIn.path + "?\(reason)=1", redirectType: .normal)
        response.cookies[SessionCookies.session] = SessionCookies.expired(for: request)
        return response
    }

    private static func passwordMatches(_ password: String?, of op: Operator, _ request: Request) async throws -> Bool {
        guard let password, !password.isEmpty, let hash = op.passwordHash else { return false }
        return (try? await request.password.async.verify(password, created: hash)) ?? false
    }

    private static func current(_ request: Request) async throws -> Operator {
        let signedIn = try request.requireSignedIn()
        guard let op = try await Operator.query(on: request.db).filter(\.$id == signedIn.operatorID)
            .filter(\.$partner.$id == signedIn.partnerID).with(\.$grants).first()
        else { throw PortalError.unauthorized() }
        return op
    }

    private static func render(_ request: Request, notice: ProfileView.Notice? = nil, errors: OperatorInput.Errors = .init(),
                               status: HTTPResponseStatus = .ok) async throws -> Response {
        let op = try await current(request)
        let policy = SecondFactorPolicy(partner: try request.partner)
        let model = ProfileView.Model(name: op.name, email: op.email, phone: op.phone ?? "", timeZone: op.timeZone,
                                      notifications: op.notificationPreferences,
                                      secondFactor: policy.method(for: op), recoveryCodesLeft: try await RecoveryCode.remaining(for: op.requireID(), on: request.db),
                                      notice: notice, errors: errors)
        return await request.page("Your profile", status: status, current: .profile, content: ProfileView.render(model, csrfToken: request.csrfToken))
    }
}

enum ProfileView {
    /// How often and which categories: on the profile, and on an operator's page for admins.
    static func notificationFields(_ preferences: NotificationPreferences) -> Node<HTML.FormContext> {
        .group(
            .fieldset(.class("permissions"),
                      .element(named: "legend", text: "How often"),
                      .forEach(NotificationPreferences.Frequency.allCases) { frequency in
                          .div(.class("checkbox"),
                               .input(.type(.radio), .id("frequency-\(frequency.rawValue)"), .name("frequency"), .value(frequency.rawValue),
                                      .checked(preferences.frequency == frequency)),
                               .label(.for("frequency-\(frequency.rawValue)"),
                                      .text(frequency == .daily ? "Daily" : "Weekly, on Monday morning")))
                      }),
            .fieldset(.class("permissions"),
                      .element(named: "legend", text: "Categories"),
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

    static func render(_ model: Model, csrfToken: String) -> Node<HTML.BodyContext> {
        .group(
            .div(.class("page-header"), .div(.h1(.text("Your profile")), .p(.text(model.email)))),
            .if(model.notice == .saved, .div(.class("banner success"), .attribute(named: "role", value: "status"), .text("Saved."))),
            .form(.class("card"), .method(.post), .action(SiteURL.profile.path), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Details")),
                  Forms.field(.init(name: "name", label: "Name", value: model.name, error: model.errors["name"], autocomplete: "name")),
                  Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: model.phone, error: model.errors["phone"],
                                    hint: "Used for SMS sign-in codes.", autocomplete: "tel", required: false)),
                  .div(.class("field"), .label(.for("field-time_zone"), .text("Time zone")),
                       .select(.id("field-time_zone"), .attribute(named: "name", value: "time_zone"),
                               .forEach(timeZones) { Forms.option(value: $0, label: $0, selected: $0 == model.timeZone) }),
                       .div(.class("hint"), .text("Weekly digests arrive on Monday morning in this time zone."))),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save details")))),
            .form(.class("card"), .method(.post), .action(SiteURL.profileNotifications.path),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Notifications")),
                  .p(.class("hint"), .text("A summary email of outstanding tasks. Untick every category to receive none.")),
                  notificationFields(model.notifications),
                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Save notifications")))),
            .form(.class("card"), .method(.post), .action(SiteURL.profileEmail.path), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .h2(.text("Email")),
                  .p(.class("hint"), .text("After changing your email you sign in again, everywhere, with the new one.")),
                  Forms.field(.init(name: "email", label: "New email", type: .email, value: "", error: model.errors["email"], autocomplete: "email")),
                  Forms.field(.init(name: "current_password", label: "Current password", type: .password, error: model.errors["current_password"],
                                    autocomplete: "current-password")),
                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Change email")))),
            .form(.class("card"), .method(.post), .action(SiteURL.profilePassword.path), .novalidate(),
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

    private static func secondFactorCard(_ model: Model, csrfToken: String) -> Node<HTML.BodyContext> {
        .form(.class("card"), .method(.post), .action(SiteURL.profileSecondFactor.path), .novalidate(),
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
