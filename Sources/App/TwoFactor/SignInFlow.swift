import Fluent
import Vapor

/// Everything between a correct password and a session: asking for the second factor,
/// enrolling one, checking codes, and finally starting the session.
///
/// A password proved by the sign-in form or by a setup link (invite, reset, first admin)
/// goes through `afterPassword`, so no path skips the partner's policy.
enum SignInFlow {
    static let cookie = "portal_challenge"

    // MARK: - Starting

    /// Starts a session, or a pending sign-in that waits for a code or for enrolment.
    static func afterPassword(_ op: Operator, request: Request, next: String?, now: Date? = nil) async throws -> Response {
        let now = now ?? request.application.secondFactorClock()
        let partner = try request.partner
        // A role that only receives notifications (e.g. after accepting an invite) never gets a session.
        let roles = try await AccessLoader.roles(partnerID: partner.requireID(), on: request.db)
        if try await op.$grants.get(on: request.db).allSatisfy({ !(roles[$0.role]?.permissions.contains(.portalLogin) ?? false) }) {
            return await request.page("Sign in", status: .forbidden, content: SignInView.render(
                .init(email: op.email, next: nil, error: SignInView.notificationsOnly, notice: nil), csrfToken: request.anonymousCSRFToken))
        }
        let policy = SecondFactorPolicy(partner: partner)
        if let method = policy.method(for: op) {
            let token = try await begin(.signIn, method: method, for: op, partner: partner, next: next, now: now, on: request.db)
            return challengeResponse(token, to: SiteURL.signInCode, request: request)
        }
        if policy.required {
            let token = try await begin(.enrol, method: nil, for: op, partner: partner, next: next, now: now, on: request.db)
            return challengeResponse(token, to: SiteURL.signInEnrol, request: request)
        }
        return try await startSession(for: op, request: request, next: next, now: now)
    }

    /// A pending sign-in for the operator; its code is sent at once for email and SMS.
    static func begin(_ purpose: SignInChallenge.Purpose, method: SecondFactorMethod?, for op: Operator, partner: Partner,
                      next: String?, now: Date, on db: any Database) async throws -> SecretToken {
        let token = SecretToken.generate()
        try await db.writeTransaction { db in
            // One pending sign-in per operator: an older one stops working.
            try await SignInChallenge.query(on: db).filter(\.$operator.$id == op.requireID()).delete()
            let challenge = SignInChallenge(partnerID: try partner.requireID(), operatorID: try op.requireID(), tokenDigest: token.digest,
                                            purpose: purpose, method: method, next: next, now: now)
            if let method, method != .totp {
                do {
                    try await sendCode(challenge, token: token, method: method, to: op, partner: partner, now: now, on: db)
                } catch is TextAllowanceSpent {
                    // The pending sign-in still opens: a recovery code works, and the code
                    // page says why no text came.
                }
            }
            try await challenge.create(on: db)
        }
        return token
    }

    /// The operator's text messages for this hour are spent; `until` is when one may be sent again.
    struct TextAllowanceSpent: Error {
        let until: Date
    }

    /// Writes a fresh code (replacing any earlier one) and queues it in the same transaction.
    /// Throws `TextAllowanceSpent` instead of texting beyond the hourly cap.
    static func sendCode(_ challenge: SignInChallenge, token: SecretToken, method: SecondFactorMethod, to op: Operator,
                         partner: Partner, now: Date, on db: any Database) async throws {
        if method == .sms, let until = try await SecondFactorGuard.takeText(operatorID: op.requireID(), now: now, on: db) {
            throw TextAllowanceSpent(until: until)
        }
        let code = OneTimeCode.generate()
        challenge.codeDigest = OneTimeCode.digest(code, key: token.value)
        challenge.codeExpiresAt = now.addingTimeInterval(OneTimeCode.lifetime)
        challenge.codesSent += 1
        let partnerID = try partner.requireID()
        switch method {
        case .email:
            let email = Emails.signInCode(partner: partner.name, code: code)
            try await Outbox.enqueue(partnerID: partnerID, channel: .email, to: op.email, subject: email.subject, body: email.body, now: now, on: db)
        case .sms:
            guard let phone = challenge.pendingPhone ?? op.phone else { throw PortalError.badRequest("There is no phone number to send a code to.") }
            try await Outbox.enqueue(partnerID: partnerID, channel: .sms, to: phone, subject: "",
                                     body: "\(code) is your \(partner.name) sign-in code. It expires in 10 minutes.", now: now, on: db)
        case .totp:
            break
        }
    }

    // MARK: - Pending sign-ins

    /// The pending sign-in named by the cookie, if it is this partner's, unexpired and its
    /// operator still active.
    static func pending(_ request: Request, now: Date = Date()) async throws -> (SignInChallenge, SecretToken)? {
        guard let value = request.cookies[cookie]?.string, !value.isEmpty else { return nil }
        guard let challenge = try await SignInChallenge.query(on: request.db)
            .filter(\.$tokenDigest == SecretToken.digest(of: value))
            .filter(\.$partnerID == request.partner.requireID())
            .with(\.$operator)
            .first()
        else { return nil }
        guard challenge.expiresAt > now, challenge.operator.status == .active else {
            try await challenge.delete(on: request.db)
            return nil
        }
        return (challenge, SecretToken(value: value))
    }

    enum Check {
        case accepted(usedRecoveryCode: Bool)
        case wrong(String)
        /// Too many wrong codes for this pending sign-in: it ended.
        case locked
        /// Too many wrong codes for the operator: every code is refused until then.
        case secondFactorLocked(until: Date)
        /// Too many failures from this client address in the last minute.
        case throttled(retryAfterSeconds: Int)
    }

    /// Checks a code (or a recovery code) for the pending sign-in. Wrong codes count; the
    /// one after `SignInChallenge.allowedFailures` ends the attempt.
    static func check(_ input: String, challenge: SignInChallenge, token: SecretToken, partner: Partner, ip: String, now: Date,
                      secrets: SecretBox, on db: any Database) async throws -> Check {
        let op = challenge.operator
        let operatorID = try op.requireID()
        // Refused before the code is looked at, so that guesses made meanwhile teach nothing.
        if try await SecondFactorGuard.addressIsThrottled(ip, now: now, on: db) {
            return .throttled(retryAfterSeconds: Int(SecondFactorGuard.addressWindow))
        }
        if let until = try await SecondFactorGuard.lockedUntil(operatorID: operatorID, now: now, on: db) {
            return .secondFactorLocked(until: until)
        }
        guard let attempt = try await CodeAttempts.take(in: SignInChallenge.schema, id: challenge.requireID(), on: db) else {
            try await challenge.delete(on: db)
            return .locked
        }
        // Counted already: a right code spends the pending sign-in, so the count does not matter then.
        challenge.failures = attempt
        var refusal = "That code is not right."
        var usedRecoveryCode = false
        var accepted = false
        if let code = OneTimeCode.normalize(input), let method = challenge.method {
            switch method {
            case .totp:
                let stored = challenge.purpose == .enrol ? challenge.pendingSecret : op.totpSecret
                let secret: String?
                do {
                    secret = try stored.map { try TOTPSecret.reveal($0, with: secrets) }
                } catch {
                    db.logger.error("cannot read an operator's authenticator key", metadata: ["operator": "\(operatorID)", "problem": "\(error)"])
                    secret = nil
                    refusal = TOTPSecret.unreadableMessage
                }
                if let secret, let key = Base32.decode(secret), let step = TOTP(secret: key).matchingStep(code, at: now) {
                    if Int64(step) > (op.totpLastStep ?? -1) {
                        op.totpLastStep = Int64(step)
                        accepted = true
                        // A key stored in clear, or under a previous key, is sealed anew now.
                        if challenge.purpose == .signIn, let stored, secrets.needsResealing(stored) {
                            op.totpSecret = try secrets.seal(secret)
                        }
                    } else {
                        refusal = "That code was already used. Wait for the next one in your app."
                    }
                }
            case .email, .sms:
                if let digest = challenge.codeDigest, SecretToken.constantTimeEquals(digest, OneTimeCode.digest(code, key: token.value)) {
                    if let expiry = challenge.codeExpiresAt, expiry > now {
                        accepted = true
                    } else {
                        refusal = "That code has expired. Send a new one."
                    }
                }
            }
        } else if challenge.purpose == .signIn, RecoveryCode.normalize(input) != nil {
            accepted = try await RecoveryCode.spend(input, operatorID: op.requireID(), secrets: secrets, now: now, on: db)
            usedRecoveryCode = accepted
            if !accepted { refusal = "That recovery code is not right, or was already used." }
        } else if input.trimmingCharacters(in: .whitespaces).isEmpty {
            refusal = "Enter the 6-digit code."
        }

        if accepted {
            // The code is spent with the pending sign-in: a second use finds nothing.
            let deleted = try await db.sql.delete(from: SignInChallenge.schema)
                .where("id", .equal, challenge.requireID()).returning("id").all()
            guard !deleted.isEmpty else { return .wrong("That code was already used.") }
            try await SecondFactorGuard.recordSuccess(operatorID: operatorID, on: db)
            if op.hasChanges { try await op.update(on: db) }
            return .accepted(usedRecoveryCode: usedRecoveryCode)
        }

        let email = op.email
        try await SignInAttempt(partnerID: partner.requireID(), email: email, ip: ip, succeeded: false, at: now).create(on: db)
        try await Audit.record("sign-in.failed", by: AuditActor(id: op.id, name: op.name), partnerID: partner.requireID(),
                               target: Audit.target(op), details: "wrong second-factor code (\(challenge.failures) of \(SignInChallenge.allowedFailures + 1))",
                               ip: ip, now: now, on: db)
        if let until = try await SecondFactorGuard.recordFailure(operatorID: operatorID, now: now, on: db) {
            try await lockSecondFactor(op, until: until, challenge: challenge, partner: partner, ip: ip, now: now, on: db)
            return .secondFactorLocked(until: until)
        }
        if challenge.failures > SignInChallenge.allowedFailures {
            try await challenge.delete(on: db)
            try await Audit.record("sign-in.locked", by: AuditActor(id: op.id, name: op.name), partnerID: partner.requireID(),
                                   target: Audit.target(op), details: "too many wrong second-factor codes", ip: ip, now: now, on: db)
            return .locked
        }
        let left = SignInChallenge.allowedFailures + 1 - challenge.failures
        return .wrong(refusal + (left == 1 ? " One attempt left." : " \(left) attempts left."))
    }

    /// Ends the pending sign-in and tells the operator, once for this lock, by email.
    private static func lockSecondFactor(_ op: Operator, until: Date, challenge: SignInChallenge, partner: Partner, ip: String,
                                         now: Date, on db: any Database) async throws {
        try await db.writeTransaction { db in
            try await SignInChallenge.query(on: db).filter(\.$id == challenge.requireID()).delete()
            let email = Emails.secondFactorLocked(partner: partner.name, until: SecondFactorGuard.describe(until, timeZone: op.timeZone))
            try await Outbox.enqueue(partnerID: partner.requireID(), channel: .email, to: op.email, subject: email.subject, body: email.body,
                                     now: now, on: db)
            try await Audit.record("sign-in.second-factor-locked", by: AuditActor(id: op.id, name: op.name), partnerID: partner.requireID(),
                                   target: Audit.target(op),
                                   details: "\(SecondFactorGuard.failuresBeforeLock) wrong codes in a row; locked until \(until.ISO8601Format())",
                                   ip: ip, now: now, on: db)
        }
    }

    /// Makes the method being enrolled the operator's own, with fresh recovery codes.
    static func completeEnrolment(_ challenge: SignInChallenge, now: Date, context: AuditContext, secrets: SecretBox,
                                  on db: any Database) async throws -> [String] {
        let op = challenge.operator
        guard let method = challenge.method else { return [] }
        return try await db.writeTransaction { db in
            op.secondFactor = method
            switch method {
            case .totp:
                // Sealed when the enrolment began (`TOTPSecret.make`).
                op.totpSecret = challenge.pendingSecret
            case .sms:
                op.phone = challenge.pendingPhone ?? op.phone
                op.phoneVerifiedAt = now
                op.totpSecret = nil
            case .email:
                op.totpSecret = nil
            }
            try await op.update(on: db)
            let codes = try await RecoveryCode.regenerate(for: op.requireID(), secrets: secrets, on: db)
            try await Audit.record("operator.second-factor-enrolled", in: context, partnerID: op.$partner.id,
                                   target: Audit.target(op), details: "method: \(method.title)", now: now, on: db)
            return codes
        }
    }

    // MARK: - Finishing

    /// Starts the session: the browser's previous session (if any) ends and a new id is issued.
    static func startSession(for op: Operator, request: Request, next: String?, now: Date = Date(), status: HTTPResponseStatus? = nil,
                             page: (@Sendable (Request, SessionStore.Started) async -> Response)? = nil) async throws -> Response {
        let partner = try request.partner
        if let previous = request.cookies[SessionCookies.session]?.string, !previous.isEmpty {
            try await PortalSession.query(on: request.db).filter(\.$tokenDigest == SecretToken.digest(of: previous)).delete()
        }
        let ip = request.clientIP
        try await SignInAttempt(partnerID: partner.requireID(), email: op.email, ip: ip, succeeded: true, at: now).create(on: request.db)
        try await Audit.record("sign-in.succeeded", by: AuditActor(id: op.id, name: op.name), partnerID: partner.requireID(),
                               target: Audit.target(op), ip: ip, now: now, on: request.db)
        op.lastLoginAt = now
        try await op.update(on: request.db)
        let started = try await SessionStore.start(operator: op, partner: partner, ip: ip,
                                                   userAgent: request.headers.first(name: .userAgent) ?? "", now: now, on: request.db)
        request.logger.info("signed in", metadata: ["partner": "\(partner.slug)", "operator": "\(op.id?.uuidString ?? "")"])
        let response = await page?(request, started) ?? request.redirect(to: next ?? SiteURL.home.path, redirectType: .normal)
        response.cookies[SessionCookies.session] = SessionCookies.make(started.token.value, for: request)
        response.cookies[cookie] = expiredChallengeCookie(for: request)
        return response
    }

    static func challengeResponse(_ token: SecretToken, to page: SiteURL, request: Request) -> Response {
        let response = request.redirect(to: page.path, redirectType: .normal)
        response.cookies[cookie] = HTTPCookies.Value(
            string: token.value, expires: nil, maxAge: Int(SignInChallenge.enrolLifetime), domain: nil, path: "/",
            isSecure: request.isSecureTransport, isHTTPOnly: true, sameSite: .lax
        )
        return response
    }

    static func expiredChallengeCookie(for request: Request) -> HTTPCookies.Value {
        SessionCookies.expired(for: request)
    }
}
