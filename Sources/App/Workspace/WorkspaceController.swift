import Fluent
import Vapor

/// `/app`: where the owner and staff of a client account sign in, see their dashboard and
/// change their password. The partner's host selects the partner; nothing here is an
/// operator's.
enum WorkspaceController {
    struct SignInForm: Content { var email: String?; var password: String? }

    static func showSignIn(_ request: Request) async throws -> Response {
        if request.workspaceUser != nil { return request.redirect(to: SiteURL.workspace.path) }
        return await signInPage(request, email: "", error: nil)
    }

    static func signIn(_ request: Request) async throws -> Response {
        let form = try request.content.decode(SignInForm.self)
        let email = String((form.email ?? "").prefix(320)), password = form.password ?? ""
        guard !email.isEmpty, !password.isEmpty else {
            return await signInPage(request, email: email, error: "Enter your email and password.", status: .unprocessableEntity)
        }
        let partner = try request.partner
        let service = WorkspaceSignIn(db: request.db, config: request.application.portalConfig, passwords: request.password.async)
        switch try await service.signIn(partnerID: try partner.requireID(), email: email, password: password, ip: request.clientIP, now: Date()) {
        case .throttled(let seconds):
            throw PortalError.tooManyRequests(retryAfterSeconds: seconds, detail: "Too many failed sign-ins. Wait a minute and try again.")
        case .invalidCredentials:
            return await signInPage(request, email: email, error: "That email and password do not match an account here.", status: .unauthorized)
        case .locked:
            return await signInPage(request, email: email, error: "This account is locked, so nobody can sign in to it. Contact \(partner.name) to have it unlocked.",
                                    status: .forbidden)
        case .signedIn(let user):
            if let secondStep = try await WorkspaceTwoFactor.secondStep(for: user, request: request) { return secondStep }
            let started = try await WorkspaceSessions.start(for: user, now: Date(), on: request.db)
            let response = request.redirect(to: (user.mustChangePassword ? SiteURL.workspacePassword : SiteURL.workspace).path)
            response.cookies[SessionCookies.workspaceSession] = SessionCookies.make(started.token.value, for: request)
            return response
        }
    }

    static func signOut(_ request: Request) async throws -> Response {
        if let user = request.workspaceUser, let acting = user.impersonator {
            try await ClientLoginAs.end(acting.accessID, partnerID: user.partnerID, why: "signed out", ip: request.clientIP, on: request.db)
        } else if let user = request.workspaceUser {
            try await AccountUserSession.query(on: request.db).filter(\.$partnerID == user.partnerID).filter(\.$id == user.sessionID).delete()
        }
        let response = request.redirect(to: SiteURL.workspaceSignIn.path)
        response.cookies[SessionCookies.workspaceSession] = SessionCookies.expired(for: request)
        return response
    }

    static func dashboard(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        guard let account = try await Account.query(on: request.db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        let summary = try await AccountActivity.summary(ofAccount: user.accountID, on: request.db)
        let model = WorkspaceView.DashboardModel(
            accountName: account.name, userName: user.name, role: user.role, inSetup: !account.setupCompleted,
            steps: try await WorkspaceOnboarding.steps(of: account, on: request.db).map {
                .init(code: $0.code, title: $0.title, doneAt: $0.doneAt?.formatted(date: .abbreviated, time: .shortened))
            },
            weeks: summary.weeks.map { .init(label: DisplayDate.text($0.start), bookings: $0.bookings, payments: $0.payments) },
            bookings: summary.bookings, payments: summary.payments,
            paymentTotals: summary.paymentTotals.map { AccountActivity.money($0.amountMinor, $0.currency) },
            pageKey: BusinessPages.key(of: account), embedSnippet: WidgetScript.embedSnippet(for: account, baseURL: request.baseURL))
        return await request.workspacePage(account.name, content: WorkspaceView.dashboard(model, csrfToken: request.workspaceCSRFToken))
    }

    /// `POST /app/onboarding`: one step of the wizard done.
    static func completeStep(_ request: Request) async throws -> Response {
        struct Form: Content { var step: String? }
        let user = try requireUser(request)
        let code = String((try request.content.decode(Form.self).step ?? "").prefix(64))
        try await WorkspaceOnboarding.complete(code, by: user, ip: request.clientIP, now: Date(), on: request.db)
        return request.redirect(to: SiteURL.workspace.path)
    }

    static func showPassword(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        try request.enforce(AccessPolicy.mayChangeWorkspacePassword(supported: user.impersonator != nil))
        return await passwordPage(request, user: user, errors: .init())
    }

    static func changePassword(_ request: Request) async throws -> Response {
        struct Form: Content { var currentPassword: String?; var password: String?; var passwordConfirmation: String?
            enum CodingKeys: String, CodingKey { case currentPassword = "current_password"; case password; case passwordConfirmation = "password_confirmation" } }
        let signedIn = try requireUser(request)
        try request.enforce(AccessPolicy.mayChangeWorkspacePassword(supported: signedIn.impersonator != nil))
        let form = try request.content.decode(Form.self)
        guard let user = try await AccountUser.query(on: request.db).filter(\.$id == signedIn.userID).filter(\.$partnerID == signedIn.partnerID).first()
        else { throw PortalError.unauthorized() }
        let service = WorkspaceSignIn(db: request.db, config: request.application.portalConfig, passwords: request.password.async)
        if try await service.throttled(partnerID: signedIn.partnerID, email: user.email, ip: request.clientIP, now: Date()) {
            throw PortalError.tooManyRequests(retryAfterSeconds: Int(service.config.signInFailureWindow), detail: "Too many wrong passwords. Wait a minute and try again.")
        }
        let current = form.currentPassword ?? ""
        var matches = false
        if !current.isEmpty { matches = (try? await request.password.async.verify(current, created: user.passwordHash ?? DummyHash.value)) == true }
        guard matches else {
            try await service.record(partnerID: signedIn.partnerID, email: user.email, ip: request.clientIP, succeeded: false, now: Date())
            return await passwordPage(request, user: signedIn, errors: .init(fields: ["current_password": "That is not your current password."]),
                                      status: .unprocessableEntity)
        }
        if let problem = PasswordPolicy.check(form.password ?? "", confirmation: form.passwordConfirmation ?? "", name: user.name, email: user.email) {
            return await passwordPage(request, user: signedIn, errors: .init(fields: ["password": problem]), status: .unprocessableEntity)
        }
        let hash = try await request.password.async.hash(form.password ?? "")
        try await WorkspaceSignIn.changePassword(of: user, to: hash, keeping: signedIn.sessionID, ip: request.clientIP, now: Date(), on: request.db)
        return request.redirect(to: SiteURL.workspace.path)
    }

    static func showForgot(_ request: Request) async throws -> Response {
        await request.workspacePage("Forgot your password?", content: WorkspaceView.forgot(.init(email: "", sent: false), csrfToken: request.workspaceCSRFToken))
    }

    static func forgot(_ request: Request) async throws -> Response {
        struct Form: Content { var email: String? }
        let email = String((try request.content.decode(Form.self).email ?? "").prefix(320))
        guard case .success = OperatorInput.email(email) else {
            return await request.workspacePage("Forgot your password?", status: .unprocessableEntity, content: WorkspaceView.forgot(
                .init(email: email, sent: false, error: "Enter the email address you sign in with."), csrfToken: request.workspaceCSRFToken))
        }
        let partner = try request.partner
        let service = WorkspaceSignIn(db: request.db, config: request.application.portalConfig, passwords: request.password.async)
        let normalized = Operator.normalize(email: email)
        if try await service.throttled(partnerID: try partner.requireID(), email: normalized, ip: request.clientIP, now: Date()) {
            throw PortalError.tooManyRequests(retryAfterSeconds: Int(service.config.signInFailureWindow), detail: "Too many requests. Wait a minute and try again.")
        }
        // Each request counts towards the limit, so the form cannot flood an inbox.
        try await service.record(partnerID: try partner.requireID(), email: normalized, ip: request.clientIP, succeeded: false, now: Date())
        try await WorkspaceSignIn.sendResetLinks(partner: partner, email: normalized, baseURL: request.baseURL, now: Date(), on: request.db)
        return await request.workspacePage("Forgot your password?", content: WorkspaceView.forgot(.init(email: email, sent: true), csrfToken: request.workspaceCSRFToken))
    }

    // MARK: Business profile

    struct ProfileForm: Content {
        var name: String?, phone: String?, address: String?, description: String?, openingHours: String?, services: String?
        var brandColor: String?, logoURL: String?
        enum CodingKeys: String, CodingKey {
            case name, phone, address, description, services
            case openingHours = "opening_hours", brandColor = "brand_color", logoURL = "logo_url"
        }
    }

    static func showProfile(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        guard let account = try await Account.query(on: request.db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        return await profilePage(request, user: user, input: WorkspaceProfile.input(of: account), errors: .init())
    }

    static func updateProfile(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let form = try request.content.decode(ProfileForm.self)
        let input = WorkspaceProfile.Input(name: form.name ?? "", phone: form.phone ?? "", address: form.address ?? "", description: form.description ?? "",
                                           openingHours: form.openingHours ?? "", services: form.services ?? "", brandColor: form.brandColor ?? "",
                                           logoURL: form.logoURL ?? "")
        do {
            try await WorkspaceProfile.update(input, by: user, ip: request.clientIP, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return await profilePage(request, user: user, input: input, errors: errors, status: .unprocessableEntity)
        }
        return request.redirect(to: SiteURL.workspaceProfile.path)
    }

    private static func profilePage(_ request: Request, user: WorkspaceUser, input: WorkspaceProfile.Input, errors: OperatorInput.Errors,
                                    status: HTTPResponseStatus = .ok) async -> Response {
        let mayEdit = AccessPolicy.mayEditBusinessProfile(user.role)
        let why: String? = if case .deny(let reason) = mayEdit { reason.message } else { nil }
        let model = WorkspaceView.ProfileModel(input: input, errors: errors, readOnlyReason: why)
        return await request.workspacePage("Business profile", status: status, content: WorkspaceView.profile(model, csrfToken: request.workspaceCSRFToken))
    }

    // MARK: Staff

    static func staff(_ request: Request) async throws -> Response {
        try await staffPage(request, user: try requireUser(request), form: .init(), errors: .init())
    }

    static func inviteStaff(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var email: String? }
        let user = try requireUser(request)
        let form = try request.content.decode(Form.self)
        do {
            try await WorkspaceStaff.invite(name: form.name ?? "", email: form.email ?? "", by: user, partner: try request.partner,
                                            baseURL: request.baseURL, ip: request.clientIP, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await staffPage(request, user: user, form: .init(name: form.name ?? "", email: form.email ?? ""), errors: errors,
                                       status: .unprocessableEntity)
        } catch let error as PortalError where error.status == .conflict {
            return try await staffPage(request, user: user, form: .init(name: form.name ?? "", email: form.email ?? ""), errors: .init(),
                                       message: error.detail, status: .conflict)
        }
        return request.redirect(to: SiteURL.workspaceStaff.path)
    }

    static func removeStaff(_ request: Request) async throws -> Response {
        struct Form: Content { var user: String? }
        let user = try requireUser(request)
        guard let id = (try request.content.decode(Form.self).user).flatMap(UUID.init(uuidString:)) else {
            throw PortalError.badRequest("Choose a staff member to remove.")
        }
        try await WorkspaceStaff.remove(id, by: user, ip: request.clientIP, on: request.db)
        return request.redirect(to: SiteURL.workspaceStaff.path)
    }

    /// `POST /app/staff/resend`: a new invitation link for a staff member who has not accepted yet.
    static func resendStaffInvite(_ request: Request) async throws -> Response {
        struct Form: Content { var user: String? }
        let user = try requireUser(request)
        guard let id = (try request.content.decode(Form.self).user).flatMap(UUID.init(uuidString:)) else {
            throw PortalError.badRequest("Choose a staff member to invite again.")
        }
        do {
            try await WorkspaceStaff.resend(id, by: user, partner: try request.partner, baseURL: request.baseURL, ip: request.clientIP, on: request.db)
        } catch let error as PortalError where error.status == .conflict {
            return try await staffPage(request, user: user, form: .init(name: "", email: ""), errors: .init(), message: error.detail, status: .conflict)
        }
        return try await staffPage(request, user: user, form: .init(name: "", email: ""), errors: .init(), notice: "Invitation sent again.")
    }

    private static func staffPage(_ request: Request, user: WorkspaceUser, form: WorkspaceView.StaffModel.Form, errors: OperatorInput.Errors,
                                  message: String? = nil, notice: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let (people, slots) = try await WorkspaceStaff.people(of: user, on: request.db)
        let why: String? = if case .deny(let reason) = AccessPolicy.mayManageStaff(user.role, supported: user.impersonator != nil) { reason.message } else { nil }
        let model = WorkspaceView.StaffModel(
            people: people.map { .init(id: $0.id.uuidString.lowercased(), name: $0.name, email: $0.email, isOwner: $0.role == .owner,
                                       isInvited: $0.status == .invited) },
            slots: slots, form: form, errors: errors, message: message, readOnlyReason: why, notice: notice)
        return await request.workspacePage("Staff", status: status, content: WorkspaceView.staff(model, csrfToken: request.workspaceCSRFToken))
    }

    // MARK: -

    static func requireUser(_ request: Request) throws -> WorkspaceUser {
        guard let user = request.workspaceUser else { throw PortalError.unauthorized() }
        return user
    }

    private static func signInPage(_ request: Request, email: String, error: String?, status: HTTPResponseStatus = .ok) async -> Response {
        let model = WorkspaceView.SignInModel(partnerName: request.partnerIfResolved?.name ?? "", email: email, error: error)
        return await request.workspacePage("Sign in", status: status, content: WorkspaceView.signIn(model, csrfToken: request.workspaceCSRFToken))
    }

    private static func passwordPage(_ request: Request, user: WorkspaceUser, errors: OperatorInput.Errors, status: HTTPResponseStatus = .ok) async -> Response {
        await request.workspacePage("Your password", status: status,
                                    content: WorkspaceView.password(.init(mustChange: user.mustChangePassword, errors: errors), csrfToken: request.workspaceCSRFToken))
    }
}

extension Request {
    /// The token the workspace's forms carry: the session's once signed in.
    var workspaceCSRFToken: String { workspaceUser?.csrfToken ?? anonymousCSRFToken }

    /// A workspace page: the partner's brand, the signed-in owner or staff member, and the
    /// workspace's own links; never the operator portal's.
    func workspacePage(_ title: String, status: HTTPResponseStatus = .ok, content: Markup) async -> Response {
        let partner = partnerIfResolved
        let user = workspaceUser
        let layout = LayoutModel(
            partnerName: partner?.name ?? "", brandColor: partner?.brandColor ?? Partner.defaultBrandColor, logoURL: partner?.logoURL,
            logoVersion: await partnerLogoVersion(),
            viewer: user.map { user in
                .init(name: user.name, email: user.email, impersonator: user.impersonator?.name, impersonationEnds: user.impersonator?.endsAt,
                      standing: "\(user.role == .owner ? "owner" : "staff") of \(user.accountName)")
            }, csrfToken: workspaceCSRFToken,
            navigation: user == nil || user?.mustChangePassword == true ? [] : [
                .init(title: "Dashboard", url: .workspace, isCurrent: url.path == SiteURL.workspace.path),
                .init(title: "Bookings", url: .workspaceBookings, isCurrent: url.path.hasPrefix(SiteURL.workspaceBookings.path)),
                .init(title: "Payments", url: .workspacePayments, isCurrent: url.path.hasPrefix(SiteURL.workspacePayments.path)),
                .init(title: "Business profile", url: .workspaceProfile, isCurrent: url.path == SiteURL.workspaceProfile.path),
                .init(title: "Staff", url: .workspaceStaff, isCurrent: url.path == SiteURL.workspaceStaff.path),
                .init(title: "Messages", url: .workspaceMessages,
                      isCurrent: url.path.hasPrefix(SiteURL.workspaceMessages.path) || url.path == SiteURL.workspaceAnnouncements.path),
                .init(title: "Support access", url: .workspaceSupportAccess, isCurrent: url.path == SiteURL.workspaceSupportAccess.path),
            ] + (user?.impersonator != nil ? [] : [
                // The password is reached through the person's name in the top bar; neither is an
                // operator's to change while logged in as them.
                .init(title: "Security", url: .workspaceSecurity, isCurrent: url.path == SiteURL.workspaceSecurity.path),
            ]),
            area: .workspace)
        let nonce = SecretToken.generate().value
        return Response.html(Layout.page(title: title, layout: layout, nonce: nonce, content: content).render(), status: status, nonce: nonce)
    }
}
