import Fluent
import Vapor

/// `/sign-in/code` (enter the second factor) and `/sign-in/enrol` (choose one), for a
/// sign-in whose password was right.
enum SecondFactorController {
    struct CodeForm: Content {
        var code: String?
    }

    struct EnrolForm: Content {
        var method: String?
        var phone: String?
    }

    static func showCode(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard let (challenge, _) = try await SignInFlow.pending(request, now: now) else { return startOver(request) }
        guard challenge.method != nil else { return request.redirect(to: SiteURL.signInEnrol.path) }
        let notice = (try? request.query.get(String.self, at: "sent")) != nil ? "We sent a new code." : nil
        return await renderCode(request, challenge, error: try await standingProblem(challenge, now: now, on: request.db), notice: notice)
    }

    /// Why a code cannot work right now, to say before the person types one: the second
    /// factor is locked, or no text was sent because the hourly allowance is spent.
    private static func standingProblem(_ challenge: SignInChallenge, now: Date, on db: any Database) async throws -> String? {
        let op = challenge.operator
        if let until = try await SecondFactorGuard.lockedUntil(operatorID: op.requireID(), now: now, on: db) {
            return SecondFactorGuard.lockedMessage(until: until, timeZone: op.timeZone)
        }
        if challenge.method == .sms, challenge.codeDigest == nil,
           let started = try await SecondFactorGuard.find(operatorID: op.requireID(), on: db)?.smsWindowStartedAt {
            return SecondFactorGuard.textCapMessage(until: started.addingTimeInterval(SecondFactorGuard.textWindow), timeZone: op.timeZone)
        }
        return nil
    }

    static func submitCode(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard let (challenge, token) = try await SignInFlow.pending(request, now: now) else { return startOver(request) }
        guard challenge.method != nil else { return request.redirect(to: SiteURL.signInEnrol.path) }
        let form = try request.content.decode(CodeForm.self)
        let partner = try request.partner
        switch try await SignInFlow.check(form.code ?? "", challenge: challenge, token: token, partner: partner,
                                          ip: request.clientIP, now: now, secrets: request.application.secrets(), on: request.db) {
        case .wrong(let message):
            return await renderCode(request, challenge, error: message, notice: nil, status: .unprocessableEntity)
        case .throttled(let seconds):
            request.logger.notice("second-factor codes throttled for a client address", metadata: ["ip": "\(request.clientIP)"])
            let response = await renderCode(request, challenge, error: SecondFactorGuard.addressThrottledMessage, notice: nil, status: .tooManyRequests)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        case .secondFactorLocked(let until):
            request.logger.notice("second factor locked", metadata: ["operator": "\(challenge.$operator.id)"])
            let message = SecondFactorGuard.lockedMessage(until: until, timeZone: challenge.operator.timeZone)
            let response = await renderCode(request, challenge, error: message, notice: nil, status: .tooManyRequests)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(now).rounded(.up)))))
            return response
        case .locked:
            request.logger.notice("sign-in locked after wrong codes", metadata: ["operator": "\(challenge.$operator.id)"])
            let response = await request.page("Sign in", status: .forbidden, content: SignInView.render(
                .init(email: challenge.operator.email, next: challenge.next, error: SignInView.lockedOut, notice: nil),
                csrfToken: request.anonymousCSRFToken))
            response.cookies[SignInFlow.cookie] = SignInFlow.expiredChallengeCookie(for: request)
            return response
        case .accepted(let usedRecoveryCode):
            let op = challenge.operator
            if usedRecoveryCode {
                let left = try await RecoveryCode.remaining(for: op.requireID(), on: request.db)
                try await Audit.record("sign-in.recovery-code-used", by: AuditActor(id: op.id, name: op.name), partnerID: op.$partner.id,
                                       target: Audit.target(op), details: "\(left) recovery codes left", ip: request.clientIP, now: now, on: request.db)
            }
            guard challenge.purpose == .enrol else {
                return try await SignInFlow.startSession(for: op, request: request, next: challenge.next, now: now)
            }
            let codes = try await SignInFlow.completeEnrolment(
                challenge, now: now, context: AuditContext(actor: AuditActor(id: op.id, name: op.name), ip: request.clientIP),
                secrets: request.application.secrets(), on: request.db)
            let next = challenge.next ?? SiteURL.home.path
            let secrets = try request.application.secrets()
            return try await SignInFlow.startSession(for: op, request: request, next: challenge.next, now: now) { request, started in
                let download = try? RecoveryCodeSheet(holder: .operator, partnerID: op.$partner.id, holderID: op.requireID(),
                                                      sessionID: started.session.requireID(), madeAt: now, codes: codes)
                    .sealed(with: secrets)
                return await request.page("Recovery codes", content: SecondFactorView.recoveryCodes(
                    codes, continueTo: next,
                    download: download.map { .init(action: .profileRecoveryCodesFile, sheet: $0, csrfToken: started.session.csrfToken) }))
            }
        }
    }

    static func resend(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard let (challenge, token) = try await SignInFlow.pending(request, now: now) else { return startOver(request) }
        guard let method = challenge.method, method != .totp else { return request.redirect(to: SiteURL.signInCode.path) }
        guard challenge.codesSent < SignInChallenge.maxCodesSent else {
            return await renderCode(request, challenge, error: "No more codes can be sent for this sign-in. Sign in again to start over.",
                                    notice: nil, status: .tooManyRequests)
        }
        do {
            try await request.db.writeTransaction { db in
                try await SignInFlow.sendCode(challenge, token: token, method: method, to: challenge.operator, partner: request.partner,
                                              now: now, on: db)
                try await challenge.update(on: db)
            }
        } catch let spent as SignInFlow.TextAllowanceSpent {
            return await renderCode(request, challenge, error: SecondFactorGuard.textCapMessage(until: spent.until, timeZone: challenge.operator.timeZone),
                                    notice: nil, status: .tooManyRequests)
        }
        return request.redirect(to: SiteURL.signInCode.path + "?sent=1", redirectType: .normal)
    }

    static func showEnrol(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard let (challenge, _) = try await SignInFlow.pending(request, now: now), challenge.purpose == .enrol else { return startOver(request) }
        return await renderEnrol(request, challenge, .init(method: nil, phone: challenge.operator.phone ?? "", errors: [:]))
    }

    static func submitEnrol(_ request: Request) async throws -> Response {
        let now = request.application.secondFactorClock()
        guard let (challenge, token) = try await SignInFlow.pending(request, now: now), challenge.purpose == .enrol else { return startOver(request) }
        let form = try request.content.decode(EnrolForm.self)
        let partner = try request.partner
        let policy = SecondFactorPolicy(partner: partner)
        var model = SecondFactorView.EnrolModel(method: form.method.flatMap(SecondFactorMethod.init(rawValue:)), phone: form.phone ?? "", errors: [:])
        guard let method = model.method, policy.methods.contains(method) else {
            model.errors["method"] = "Choose one of the methods."
            return await renderEnrol(request, challenge, model, status: .unprocessableEntity)
        }
        challenge.method = method
        challenge.codeDigest = nil
        challenge.codeExpiresAt = nil
        challenge.pendingSecret = nil
        challenge.pendingPhone = nil
        switch method {
        case .totp:
            challenge.pendingSecret = try TOTPSecret.make(with: request.application.secrets())
        case .sms:
            var errors = OperatorInput.Errors()
            let phone = OperatorInput.phone(form.phone, errors: &errors)
            guard errors.isEmpty, let phone else {
                model.errors["phone"] = errors.fields["phone"] ?? "Enter the mobile number to send codes to."
                return await renderEnrol(request, challenge, model, status: .unprocessableEntity)
            }
            challenge.pendingPhone = phone
        case .email:
            break
        }
        guard challenge.codesSent < SignInChallenge.maxCodesSent || method == .totp else {
            model.errors["method"] = "No more codes can be sent for this sign-in. Sign in again to start over."
            return await renderEnrol(request, challenge, model, status: .tooManyRequests)
        }
        do {
            try await request.db.writeTransaction { db in
                if method != .totp {
                    try await SignInFlow.sendCode(challenge, token: token, method: method, to: challenge.operator, partner: partner, now: now, on: db)
                }
                try await challenge.update(on: db)
            }
        } catch let spent as SignInFlow.TextAllowanceSpent {
            model.errors["method"] = SecondFactorGuard.textCapMessage(until: spent.until, timeZone: challenge.operator.timeZone)
            return await renderEnrol(request, challenge, model, status: .tooManyRequests)
        }
        return request.redirect(to: SiteURL.signInCode.path, redirectType: .normal)
    }

    // MARK: - Rendering

    /// The pending sign-in is gone (expired, used, or never there): back to the password.
    private static func startOver(_ request: Request) -> Response {
        let response = request.redirect(to: SiteURL.signIn.path + "?expired=1", redirectType: .normal)
        response.cookies[SignInFlow.cookie] = SignInFlow.expiredChallengeCookie(for: request)
        return response
    }

    private static func renderCode(_ request: Request, _ challenge: SignInChallenge, error: String?, notice: String?,
                                   status: HTTPResponseStatus = .ok) async -> Response {
        let partnerName = (try? request.partner.name) ?? Layout.productName
        let op = challenge.operator
        // Shown only while enrolling; an unreadable key shows nothing rather than failing the page.
        let pendingSecret = try? challenge.pendingSecret.flatMap { stored in try TOTPSecret.reveal(stored, with: request.application.secrets()) }
        let model = SecondFactorView.CodeModel(
            method: challenge.method ?? .email, enrolling: challenge.purpose == .enrol,
            destination: challenge.method == .sms ? SecondFactorView.masked(phone: challenge.pendingPhone ?? op.phone ?? "") : SecondFactorView.masked(email: op.email),
            totpSecret: challenge.purpose == .enrol ? pendingSecret : nil,
            provisioningURI: pendingSecret.flatMap(Base32.decode).map { TOTP(secret: $0).provisioningURI(account: op.email, issuer: partnerName) },
            canResend: challenge.method != .totp && challenge.codesSent < SignInChallenge.maxCodesSent,
            error: error, notice: notice, issuer: partnerName)
        return await request.page(model.title, status: status, content: SecondFactorView.code(model, csrfToken: request.csrfToken))
    }

    private static func renderEnrol(_ request: Request, _ challenge: SignInChallenge, _ model: SecondFactorView.EnrolModel,
                                    status: HTTPResponseStatus = .ok) async -> Response {
        let policy = (try? SecondFactorPolicy(partner: request.partner)) ?? SecondFactorPolicy(required: true, methods: SecondFactorMethod.allCases)
        return await request.page("Set up two-step sign-in", status: status,
                                  content: SecondFactorView.enrol(model, methods: policy.methods, email: challenge.operator.email,
                                                                  csrfToken: request.csrfToken))
    }
}
