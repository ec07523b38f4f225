import Fluent
import Vapor

/// `/profile`: the signed-in operator's own name, phone and time zone, email and password.
/// Changing the email or the password needs the current password and signs out everywhere.
enum ProfileController {
    static func show(_ request: Request) async throws -> Response {
        try await render(request, notice: (await request.takeNotice()).flatMap(ProfileView.Notice.init(rawValue:)))
    }

    static func updateDetails(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var phone: String?; var timeZone: String?; var currentPassword: String?
            enum CodingKeys: String, CodingKey { case name, phone; case timeZone = "time_zone"; case currentPassword = "phone_password" } }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        var errors = OperatorInput.Errors()
        var zone: String?
        if let raw = form.timeZone {
            switch TimeZoneField.check(raw) {
            case .success(let checked): zone = checked
            case .failure(let message): errors.fields["time_zone"] = message
            }
        }
        let confirmed = try await request.confirmsPassword(form.currentPassword, of: op)
        do {
            try await OperatorAdministration.edit(op, .init(name: form.name, email: nil, phone: .some(form.phone.flatMap { $0.isEmpty ? nil : $0 })),
                                                  by: try await request.actor(), passwordConfirmed: confirmed, context: request.auditContext, on: request.db)
        } catch let fieldErrors as OperatorInput.Errors {
            errors.fields.merge(fieldErrors.fields) { first, _ in first }
        } catch let error as PortalError where error.status == .forbidden {
            errors.fields["phone_password"] = error.detail
        } catch let error as PortalError where error.status == .conflict {
            errors.fields["phone"] = error.detail
        }
        guard errors.isEmpty else { return try await render(request, errors: errors, status: .unprocessableEntity) }
        if let zone, zone != op.timeZone {
            op.timeZone = zone
            try await op.update(on: request.db)
        }
        return try await request.redirect(to: SiteURL.profile.path, notice: ProfileView.Notice.details.rawValue)
    }

    static func updateNotifications(_ request: Request) async throws -> Response {
        struct Form: Content { var frequency: String?; var categories: [String]? }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        try await OperatorAdministration.setNotifications(of: op, to: NotificationPreferences(form: form.frequency, categories: form.categories),
                                                         by: try await request.actor(), context: request.auditContext, on: request.db)
        return try await request.redirect(to: SiteURL.profile.path, notice: ProfileView.Notice.notifications.rawValue)
    }

    static func changeEmail(_ request: Request) async throws -> Response {
        struct Form: Content { var email: String?; var currentPassword: String?
            enum CodingKeys: String, CodingKey { case email; case currentPassword = "current_password" } }
        let form = try request.content.decode(Form.self)
        let op = try await current(request)
        guard try await request.confirmsPassword(form.currentPassword, of: op) else {
            return try await render(request, errors: .init(fields: ["current_password": "That is not your current password."]), status: .unprocessableEntity)
        }
        do {
            // Your own email: the edit ends every session, this one included.
            try await OperatorAdministration.edit(op, .init(name: nil, email: form.email ?? "", phone: nil),
                                                  by: try await request.actor(), passwordConfirmed: true, context: request.auditContext, on: request.db)
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
        guard try await request.confirmsPassword(form.currentPassword, of: op) else {
            return try await render(request, errors: .init(fields: ["current_password": "That is not your current password."]), status: .unprocessableEntity)
        }
        if let problem = PasswordPolicy.check(form.password ?? "", confirmation: form.passwordConfirmation ?? "", name: op.name, email: op.email) {
            return try await render(request, errors: .init(fields: ["password": problem]), status: .unprocessableEntity)
        }
        op.passwordHash = try await request.password.async.hash(form.password ?? "")
        let context = request.auditContext
        try await request.db.writeTransaction { db in
            try await op.update(on: db)
            try await SessionStore.endAll(operatorID: op.requireID(), on: db)
            try await APITokens.revokeAll(operatorID: op.requireID(), partnerID: op.$partner.id, on: db)
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
        guard try await request.confirmsPassword(form.confirmPassword, of: op) else {
            return try await render(request, errors: .init(fields: ["confirm_password": "That is not your current password."]), status: .unprocessableEntity)
        }
        let partner = try request.partner
        switch form.action {
        case "codes":
            guard op.secondFactor != nil else {
                return try await render(request, errors: .init(fields: ["confirm_password": "Set up two-step sign-in first."]), status: .conflict)
            }
            let context = request.auditContext
            let codes = try await request.db.writeTransaction { db in
                let codes = try await RecoveryCode.regenerate(for: op.requireID(), secrets: request.application.secrets(), on: db)
                try await Audit.record("operator.recovery-codes-replaced", in: context, partnerID: op.$partner.id, target: Audit.target(op), on: db)
                return codes
            }
            let signedIn = try request.requireSignedIn()
            var download: SecondFactorView.Download?
            if case .session(let sessionID, let csrfToken) = signedIn.credential {
                let sheet = try RecoveryCodeSheet(holder: .operator, partnerID: partner.requireID(), holderID: op.requireID(), sessionID: sessionID,
                                                  madeAt: Date(), codes: codes).sealed(with: request.application.secrets())
                download = .init(action: .profileRecoveryCodesFile, sheet: sheet, csrfToken: csrfToken)
            }
            return await request.page("Recovery codes", current: .profile, content: SecondFactorView.recoveryCodes(
                codes, continueTo: SiteURL.profile.path, download: download,
                notice: "Made \(codes.count) new recovery codes. The old ones no longer work."))
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
