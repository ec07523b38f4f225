import Fluent
import Vapor

/// `/app/sign-in/code` (the authenticator's code after the password) and `/app/security`
/// (setting one up, removing it, new recovery codes). `WorkspaceTwoFactor` decides.
enum WorkspaceTwoFactorController {
    struct CodeForm: Content { var code: String? }
    struct PasswordForm: Content { var password: String? }

    static func showCode(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard try await WorkspaceTwoFactor.pending(request, now: now) != nil else { return startOver(request) }
        return await codePage(request, error: nil)
    }

    static func submitCode(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard let (challenge, user) = try await WorkspaceTwoFactor.pending(request, now: now) else { return startOver(request) }
        let code = String((try request.content.decode(CodeForm.self).code ?? "").prefix(64))
        let partner = try request.partner
        switch try await WorkspaceTwoFactor.check(code, challenge: challenge, partner: partner, ip: request.clientIP, now: now,
                                                  secrets: request.application.secrets(), on: request.db) {
        case .accepted(let usedRecoveryCode):
            if usedRecoveryCode, let account = try await Account.query(on: request.db).filter(\.$id == user.accountID)
                .filter(\.$partnerID == user.partnerID).first() {
                let left = try await AccountUserRecoveryCode.remaining(for: user.requireID(), partnerID: user.partnerID, on: request.db)
                try await Audit.record("account.user-recovery-code-used", by: AuditActor(id: nil, name: user.name), partnerID: user.partnerID,
                                       target: Audit.target(account), details: "\(user.email): \(left) recovery codes left", ip: request.clientIP,
                                       now: now, on: request.db)
            }
            // Sessions run on the wall clock, as the password's do; the code's clock is the guard's.
            let started = try await WorkspaceSessions.start(for: user, now: Date(), on: request.db)
            let response = request.redirect(to: (user.mustChangePassword ? SiteURL.workspacePassword : SiteURL.workspace).path)
            response.cookies[SessionCookies.workspaceSession] = SessionCookies.make(started.token.value, for: request)
            response.cookies[WorkspaceTwoFactor.cookie] = SessionCookies.expired(for: request)
            return response
        case .wrong(let message):
            return await codePage(request, error: message, status: .unprocessableEntity)
        case .throttled(let seconds):
            request.logger.notice("workspace codes throttled for a client address", metadata: ["ip": "\(request.clientIP)"])
            let response = await codePage(request, error: SecondFactorGuard.addressThrottledMessage, status: .tooManyRequests)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        case .locked(let until):
            request.logger.notice("workspace second factor locked", metadata: ["user": "\(challenge.accountUserID)"])
            let response = await codePage(request, error: WorkspaceTwoFactor.lockedMessage(until: until), status: .tooManyRequests)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(now).rounded(.up)))))
            return response
        case .ended:
            let response = await request.workspacePage("Sign in", status: .unauthorized, content: WorkspaceView.signIn(
                .init(partnerName: partner.name, email: user.email, error: "Too many wrong codes. Sign in again with your password."),
                csrfToken: request.workspaceCSRFToken))
            response.cookies[WorkspaceTwoFactor.cookie] = SessionCookies.expired(for: request)
            return response
        }
    }

    // MARK: - The security page

    static func security(_ request: Request) async throws -> Response {
        try await securityPage(request, codeError: nil, passwordError: nil, notice: nil)
    }

    static func startEnrolment(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        try await WorkspaceTwoFactor.beginEnrolment(by: user, secrets: request.application.secrets(), now: request.application.secondFactorClock(),
                                                    on: request.db)
        return request.redirect(to: SiteURL.workspaceSecurity.path)
    }

    static func confirmEnrolment(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let code = String((try request.content.decode(CodeForm.self).code ?? "").prefix(64))
        let now = request.application.secondFactorClock()
        switch try await WorkspaceTwoFactor.confirmEnrolment(code, by: user, partner: try request.partner, ip: request.clientIP,
                                                             secrets: request.application.secrets(), now: now, on: request.db) {
        case .enrolled(let codes):
            return await recoveryCodesPage(request, codes, by: user, notice: nil)
        case .refused(let check):
            let (message, status): (String, HTTPResponseStatus) = switch check {
            case .wrong(let message): (message, .unprocessableEntity)
            case .throttled: (SecondFactorGuard.addressThrottledMessage, .tooManyRequests)
            case .locked(let until): (WorkspaceTwoFactor.lockedMessage(until: until), .tooManyRequests)
            case .ended, .accepted: ("Too many wrong codes, or the setup expired. Start again.", .unprocessableEntity)
            }
            return try await securityPage(request, codeError: message, passwordError: nil, notice: nil, status: status)
        }
    }

    static func remove(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let password = String((try request.content.decode(PasswordForm.self).password ?? "").prefix(1024))
        let removed = try await WorkspaceTwoFactor.remove(password: password, by: user, ip: request.clientIP, passwords: request.password.async,
                                                          config: request.application.portalConfig, now: Date(), on: request.db)
        guard removed else {
            return try await securityPage(request, codeError: nil, passwordError: "That is not your password.", notice: nil, status: .unprocessableEntity)
        }
        return request.redirect(to: SiteURL.workspaceSecurity.path)
    }

    static func renewRecoveryCodes(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let password = String((try request.content.decode(PasswordForm.self).password ?? "").prefix(1024))
        guard let codes = try await WorkspaceTwoFactor.newRecoveryCodes(password: password, by: user, ip: request.clientIP,
                                                                        passwords: request.password.async, config: request.application.portalConfig,
                                                                        secrets: request.application.secrets(), now: Date(), on: request.db)
        else {
            return try await securityPage(request, codeError: nil, passwordError: "That is not your password.", notice: nil, status: .unprocessableEntity)
        }
        return await recoveryCodesPage(request, codes, by: user, notice: "Made \(codes.count) new recovery codes. The old ones no longer work.")
    }

    /// The codes just made, with the file to download them from this session for a few minutes.
    private static func recoveryCodesPage(_ request: Request, _ codes: [String], by user: WorkspaceUser, notice: String?) async -> Response {
        let sheet = try? RecoveryCodeSheet(holder: .accountUser, partnerID: user.partnerID, holderID: user.userID, sessionID: user.sessionID,
                                           madeAt: Date(), codes: codes).sealed(with: request.application.secrets())
        return await request.workspacePage("Recovery codes", content: SecondFactorView.recoveryCodes(
            codes, continueTo: SiteURL.workspaceSecurity.path,
            download: sheet.map { .init(action: .workspaceRecoveryCodesFile, sheet: $0, csrfToken: user.csrfToken) }, notice: notice))
    }

    // MARK: -

    private static func securityPage(_ request: Request, codeError: String?, passwordError: String?, notice: String?,
                                     status: HTTPResponseStatus = .ok) async throws -> Response {
        let user = try requireUser(request)
        let partner = try request.partner
        let state = try await WorkspaceTwoFactor.status(of: user, partner: partner, secrets: request.application.secrets(),
                                                        now: request.application.secondFactorClock(), on: request.db)
        let why: String? = if case .deny(let reason) = AccessPolicy.mayManageWorkspaceAuthenticator(supported: user.impersonator != nil) {
            reason.message
        } else { nil }
        let model = WorkspaceTwoFactorView.SecurityModel(
            enrolledAt: state.enrolledAt.map(WorkspaceRecords.describe), recoveryCodesLeft: state.recoveryCodesLeft,
            required: partner.clientSecondFactorRequired, pendingSecret: state.pendingSecret, provisioningURI: state.provisioningURI,
            codeError: codeError, passwordError: passwordError, notice: notice, readOnlyReason: why, issuer: partner.name)
        return await request.workspacePage("Security", status: status, content: WorkspaceTwoFactorView.security(model, csrfToken: request.workspaceCSRFToken))
    }

    private static func codePage(_ request: Request, error: String?, status: HTTPResponseStatus = .ok) async -> Response {
        await request.workspacePage("Enter your code", status: status, content: WorkspaceTwoFactorView.code(
            .init(partnerName: request.partnerIfResolved?.name ?? "", error: error), csrfToken: request.workspaceCSRFToken))
    }

    private static func startOver(_ request: Request) -> Response {
        let response = request.redirect(to: SiteURL.workspaceSignIn.path)
        response.cookies[WorkspaceTwoFactor.cookie] = SessionCookies.expired(for: request)
        return response
    }

    private static func requireUser(_ request: Request) throws -> WorkspaceUser {
        guard let user = request.workspaceUser else { throw PortalError.unauthorized() }
        return user
    }
}
