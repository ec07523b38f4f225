import Fluent
import Vapor

/// Authenticator apps for owners and staff: the second step of the workspace sign-in, and
/// setting one up or removing it on the security page. Codes are checked as the operators'
/// are (`TOTP`, keys sealed by the `SecretBox`, `SecondFactorGuard`'s limits), with rows of
/// their own so that the two never mix.
enum WorkspaceTwoFactor {
    static let cookie = SessionCookies.workspaceChallenge

    // MARK: - Signing in

    /// After the right password: nil when the person has no authenticator (their session
    /// starts at once), otherwise the answer that asks for its code.
    static func secondStep(for user: AccountUser, request: Request) async throws -> Response? {
        let userID = try user.requireID()
        guard let factor = try await AccountUserAuthenticator.find(userID: userID, partnerID: user.partnerID, on: request.db), factor.isEnrolled
        else { return nil }
        let now = request.application.secondFactorClock()
        let token = SecretToken.generate()
        try await request.db.writeTransaction { db in
            // One pending sign-in per person: an older one stops working.
            try await AccountUserChallenge.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountUserID == userID)
                .filter(\.$purpose == .signIn).delete()
            try await AccountUserChallenge(partnerID: user.partnerID, accountUserID: userID, tokenDigest: token.digest, purpose: .signIn, now: now)
                .create(on: db)
        }
        let response = request.redirect(to: SiteURL.workspaceSignInCode.path)
        response.cookies[cookie] = SessionCookies.make(token.value, for: request, maxAge: Int(SignInChallenge.signInLifetime))
        return response
    }

    /// The pending sign-in named by the cookie: this partner's, unexpired, and its person
    /// still active on an account that is not locked.
    static func pending(_ request: Request, now: Date) async throws -> (AccountUserChallenge, AccountUser)? {
        guard let value = request.cookies[cookie]?.string, !value.isEmpty else { return nil }
        let partnerID = try request.partner.requireID()
        guard let challenge = try await AccountUserChallenge.query(on: request.db).filter(\.$tokenDigest == SecretToken.digest(of: value))
            .filter(\.$partnerID == partnerID).filter(\.$purpose == .signIn).first()
        else { return nil }
        guard challenge.expiresAt > now,
              let user = try await AccountUser.query(on: request.db).filter(\.$id == challenge.accountUserID).filter(\.$partnerID == partnerID).first(),
              user.status == .active,
              let account = try await Account.query(on: request.db).filter(\.$id == user.accountID).filter(\.$partnerID == partnerID).first(),
              !account.locked
        else {
            try await challenge.delete(on: request.db)
            return nil
        }
        return (challenge, user)
    }

    enum Check: Equatable {
        case accepted(usedRecoveryCode: Bool)
        case wrong(String)
        /// Too many wrong codes for this attempt: it ended.
        case ended
        /// Too many wrong codes in a row for the person: every code is refused until then.
        case locked(until: Date)
        /// Too many failures from this client address in the last minute.
        case throttled(retryAfterSeconds: Int)
    }

    /// Checks a code for a pending sign-in (a recovery code too) or for an authenticator
    /// being set up. Wrong codes count towards the attempt's limit and the person's lock.
    static func check(_ input: String, challenge: AccountUserChallenge, partner: Partner, ip: String, now: Date, secrets: SecretBox,
                      on db: any Database) async throws -> Check {
        let userID = challenge.accountUserID, partnerID = challenge.partnerID
        guard let factor = try await AccountUserAuthenticator.find(userID: userID, partnerID: partnerID, on: db) else { return .ended }
        // Refused before the code is looked at, so that guesses made meanwhile teach nothing.
        if try await SecondFactorGuard.addressIsThrottled(ip, now: now, on: db) {
            return .throttled(retryAfterSeconds: Int(SecondFactorGuard.addressWindow))
        }
        if let until = try await AccountUserFactorGuard.lockedUntil(userID: userID, now: now, on: db) { return .locked(until: until) }
        guard let attempt = try await CodeAttempts.take(in: AccountUserChallenge.schema, id: challenge.requireID(), on: db) else {
            try await challenge.delete(on: db)
            return .ended
        }
        // Counted already (see CodeAttempts): codes sent at once cannot all be checked first.
        challenge.failures = attempt
        var refusal = "That code is not right."
        var accepted = false, usedRecoveryCode = false
        if let code = OneTimeCode.normalize(input) {
            let stored = challenge.purpose == .enrol ? challenge.pendingSecret : factor.totpSecret
            var secret: String?
            do {
                secret = try stored.map { try TOTPSecret.reveal($0, with: secrets) }
            } catch {
                db.logger.error("cannot read an account user's authenticator key", metadata: ["user": "\(userID)", "problem": "\(error)"])
                refusal = TOTPSecret.unreadableMessage
            }
            if let secret, let key = Base32.decode(secret), let step = TOTP(secret: key).matchingStep(code, at: now) {
                if Int64(step) > (factor.totpLastStep ?? -1) {
                    factor.totpLastStep = Int64(step)
                    accepted = true
                    if challenge.purpose == .signIn, let stored, secrets.needsResealing(stored) { factor.totpSecret = try secrets.seal(secret) }
                } else {
                    refusal = "That code was already used. Wait for the next one in your app."
                }
            }
        } else if challenge.purpose == .signIn, RecoveryCode.normalize(input) != nil {
            accepted = try await AccountUserRecoveryCode.spend(input, userID: userID, partnerID: partnerID, secrets: secrets, now: now, on: db)
            usedRecoveryCode = accepted
            if !accepted { refusal = "That recovery code is not right, or was already used." }
        } else if input.trimmingCharacters(in: .whitespaces).isEmpty {
            refusal = "Enter the 6-digit code."
        }

        if accepted {
            // A sign-in's code is spent with the pending sign-in: a second use finds nothing.
            if challenge.purpose == .signIn {
                let deleted = try await db.sql.delete(from: AccountUserChallenge.schema).where("id", .equal, challenge.requireID()).returning("id").all()
                guard !deleted.isEmpty else { return .wrong("That code was already used.") }
            }
            try await AccountUserFactorGuard.recordSuccess(userID: userID, on: db)
            if factor.hasChanges { try await factor.update(on: db) }
            return .accepted(usedRecoveryCode: usedRecoveryCode)
        }

        try await SignInAttempt(partnerID: partnerID, email: WorkspaceSignIn.attemptKey(factor.email), ip: ip, succeeded: false, at: now).create(on: db)
        let account = try await Account.query(on: db).filter(\.$id == factor.accountID).filter(\.$partnerID == partnerID).first()
        let who = AuditActor(id: nil, name: factor.name)
        if let account, challenge.purpose == .signIn {
            try await Audit.record("account.user-sign-in-failed", by: who, partnerID: partnerID, target: Audit.target(account),
                                   details: "\(factor.email): wrong authenticator code (\(challenge.failures) of \(SignInChallenge.allowedFailures + 1))",
                                   ip: ip, now: now, on: db)
        }
        if let until = try await AccountUserFactorGuard.recordFailure(userID: userID, partnerID: partnerID, now: now, on: db) {
            try await db.writeTransaction { db in
                try await AccountUserChallenge.query(on: db).filter(\.$id == challenge.requireID()).delete()
                let when = SecondFactorGuard.describe(until, timeZone: "UTC")
                try await Outbox.enqueue(partnerID: partnerID, channel: .email, to: factor.email, subject: "Your \(partner.name) sign-in codes are locked",
                                         body: lockedEmail(partner: partner.name, until: when), now: now, on: db)
                if let account {
                    try await Audit.record("account.user-second-factor-locked", by: who, partnerID: partnerID, target: Audit.target(account),
                                           details: "\(factor.email): \(SecondFactorGuard.failuresBeforeLock) wrong codes in a row; locked until \(until.ISO8601Format())",
                                           ip: ip, now: now, on: db)
                }
            }
            return .locked(until: until)
        }
        if challenge.failures > SignInChallenge.allowedFailures {
            try await challenge.delete(on: db)
            return .ended
        }
        let left = SignInChallenge.allowedFailures + 1 - challenge.failures
        return .wrong(refusal + (left == 1 ? " One attempt left." : " \(left) attempts left."))
    }

    static func lockedEmail(partner: String, until: String) -> String {
        """
        Hello,

        Someone entered too many wrong sign-in codes for your \(partner) business account, so
        codes, including recovery codes, are refused until \(until).

        Only someone who knows your password gets as far as the code. If this was not you,
        change your password as soon as you can sign in.
        """
    }

    static func lockedMessage(until: Date) -> String {
        "Codes are refused after too many wrong ones, until \(SecondFactorGuard.describe(until, timeZone: "UTC")). We emailed you about it."
    }

    // MARK: - Setting up and removing

    /// The person's authenticator as the security page shows it.
    struct Status: Sendable, Equatable {
        var enrolledAt: Date?
        var recoveryCodesLeft: Int
        /// While one is being set up: the key to type in, and the link that adds it.
        var pendingSecret: String?
        var provisioningURI: String?
    }

    static func status(of user: WorkspaceUser, partner: Partner, secrets: SecretBox, now: Date, on db: any Database) async throws -> Status {
        guard let factor = try await AccountUserAuthenticator.find(userID: user.userID, partnerID: user.partnerID, on: db)
        else { throw PortalError.unauthorized() }
        var status = Status(enrolledAt: factor.isEnrolled ? factor.totpEnabledAt : nil,
                            recoveryCodesLeft: try await AccountUserRecoveryCode.remaining(for: user.userID, partnerID: user.partnerID, on: db))
        // Someone logged in as this person never sees their key.
        if status.enrolledAt == nil, user.impersonator == nil, let pending = try await pendingEnrolment(of: user, now: now, on: db),
           let sealed = pending.pendingSecret, let secret = try? TOTPSecret.reveal(sealed, with: secrets), let key = Base32.decode(secret) {
            status.pendingSecret = secret
            status.provisioningURI = TOTP(secret: key).provisioningURI(account: factor.email, issuer: partner.name)
        }
        return status
    }

    static func pendingEnrolment(of user: WorkspaceUser, now: Date, on db: any Database) async throws -> AccountUserChallenge? {
        try await AccountUserChallenge.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountUserID == user.userID)
            .filter(\.$purpose == .enrol).filter(\.$expiresAt > now).sort(\.$createdAt, .descending).first()
    }

    /// A new key to set up, replacing any earlier one not yet confirmed.
    static func beginEnrolment(by user: WorkspaceUser, secrets: SecretBox, now: Date, on db: any Database) async throws {
        try require(AccessPolicy.mayManageWorkspaceAuthenticator(supported: user.impersonator != nil))
        guard let factor = try await AccountUserAuthenticator.find(userID: user.userID, partnerID: user.partnerID, on: db) else { throw PortalError.unauthorized() }
        guard !factor.isEnrolled else { throw PortalError.conflict("You already use an authenticator app. Remove it first to set up another.") }
        let challenge = AccountUserChallenge(partnerID: user.partnerID, accountUserID: user.userID, tokenDigest: SecretToken.generate().digest,
                                             purpose: .enrol, now: now)
        challenge.pendingSecret = try TOTPSecret.make(with: secrets)
        try await db.writeTransaction { db in
            try await AccountUserChallenge.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountUserID == user.userID)
                .filter(\.$purpose == .enrol).delete()
            try await challenge.create(on: db)
        }
    }

    enum Confirmed: Equatable {
        case enrolled(recoveryCodes: [String])
        case refused(Check)
    }

    /// A code from the app proves the new key: it becomes the person's, with fresh recovery codes.
    static func confirmEnrolment(_ code: String, by user: WorkspaceUser, partner: Partner, ip: String, secrets: SecretBox, now: Date,
                                 on db: any Database) async throws -> Confirmed {
        try require(AccessPolicy.mayManageWorkspaceAuthenticator(supported: user.impersonator != nil))
        guard let challenge = try await pendingEnrolment(of: user, now: now, on: db), let sealed = challenge.pendingSecret else {
            return .refused(.ended)
        }
        let outcome = try await check(code, challenge: challenge, partner: partner, ip: ip, now: now, secrets: secrets, on: db)
        guard case .accepted = outcome else { return .refused(outcome) }
        let account = try await WorkspaceRecords.account(of: user, on: db)
        return try await db.writeTransaction { db in
            guard let factor = try await AccountUserAuthenticator.find(userID: user.userID, partnerID: user.partnerID, on: db) else {
                throw PortalError.unauthorized()
            }
            factor.totpSecret = sealed
            factor.totpEnabledAt = now
            try await factor.update(on: db)
            try await challenge.delete(on: db)
            let codes = try await AccountUserRecoveryCode.regenerate(for: user.userID, partnerID: user.partnerID, secrets: secrets, on: db)
            try await Audit.record("account.user-authenticator-added", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "\(user.role.rawValue) \(user.email) set up an authenticator app", ip: ip, now: now, on: db)
            return .enrolled(recoveryCodes: codes)
        }
    }

    /// Removes the authenticator, once the password is right; returns false when it is not.
    static func remove(password: String, by user: WorkspaceUser, ip: String, passwords: AsyncPasswordHasher, config: AppConfig, now: Date,
                       on db: any Database) async throws -> Bool {
        try require(AccessPolicy.mayManageWorkspaceAuthenticator(supported: user.impersonator != nil))
        guard let factor = try await passwordChecked(password, by: user, ip: ip, passwords: passwords, config: config, now: now, on: db) else { return false }
        guard factor.isEnrolled else { return true }
        let account = try await WorkspaceRecords.account(of: user, on: db)
        try await db.writeTransaction { db in
            factor.totpSecret = nil
            factor.totpLastStep = nil
            factor.totpEnabledAt = nil
            try await factor.update(on: db)
            try await AccountUserRecoveryCode.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountUserID == user.userID).delete()
            try await Audit.record("account.user-authenticator-removed", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "\(user.role.rawValue) \(user.email) removed their authenticator app", ip: ip, now: now, on: db)
        }
        return true
    }

    /// Ten new recovery codes (the old ones stop working), once the password is right; nil when it is not.
    static func newRecoveryCodes(password: String, by user: WorkspaceUser, ip: String, passwords: AsyncPasswordHasher, config: AppConfig,
                                 secrets: SecretBox, now: Date, on db: any Database) async throws -> [String]? {
        try require(AccessPolicy.mayManageWorkspaceAuthenticator(supported: user.impersonator != nil))
        guard let factor = try await passwordChecked(password, by: user, ip: ip, passwords: passwords, config: config, now: now, on: db) else { return nil }
        guard factor.isEnrolled else { throw PortalError.conflict("Set up an authenticator app first: recovery codes come with it.") }
        let account = try await WorkspaceRecords.account(of: user, on: db)
        return try await db.writeTransaction { db in
            let codes = try await AccountUserRecoveryCode.regenerate(for: user.userID, partnerID: user.partnerID, secrets: secrets, on: db)
            try await Audit.record("account.user-recovery-codes-renewed", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "\(user.role.rawValue) \(user.email) made new recovery codes", ip: ip, now: now, on: db)
            return codes
        }
    }

    /// The person's row when `password` is theirs; wrong passwords count towards the sign-in limits.
    private static func passwordChecked(_ password: String, by user: WorkspaceUser, ip: String, passwords: AsyncPasswordHasher, config: AppConfig,
                                        now: Date, on db: any Database) async throws -> AccountUserAuthenticator? {
        let service = WorkspaceSignIn(db: db, config: config, passwords: passwords)
        if try await service.throttled(partnerID: user.partnerID, email: user.email, ip: ip, now: now) {
            throw PortalError.tooManyRequests(retryAfterSeconds: Int(service.config.signInFailureWindow), detail: "Too many wrong passwords. Wait a minute and try again.")
        }
        guard let factor = try await AccountUserAuthenticator.find(userID: user.userID, partnerID: user.partnerID, on: db) else { throw PortalError.unauthorized() }
        var matches = false
        if !password.isEmpty { matches = (try? await passwords.verify(password, created: factor.passwordHash ?? DummyHash.value)) == true }
        guard matches else {
            try await service.record(partnerID: user.partnerID, email: user.email, ip: ip, succeeded: false, now: now)
            return nil
        }
        return factor
    }

    /// Whether the partner's rule sends this person to set up an authenticator before anything else.
    static func mustEnrol(_ user: WorkspaceUser, partner: Partner, on db: any Database) async throws -> Bool {
        guard partner.clientSecondFactorRequired else { return false }
        let enrolled = try await AccountUserAuthenticator.find(userID: user.userID, partnerID: user.partnerID, on: db)?.isEnrolled ?? false
        return !AccessPolicy.mayUseWorkspaceWithoutAuthenticator(required: true, enrolled: enrolled, supported: user.impersonator != nil).isAllowed
    }

    private static func require(_ decision: Decision) throws {
        if case .deny(let reason) = decision { throw PortalError.denied(reason) }
    }
}

/// Keeps a person whom the partner's rule requires to use an authenticator on the security
/// page (and signing out, or replacing a temporary password) until they have set one up.
struct RequireWorkspaceAuthenticator: AsyncMiddleware {
    static let allowedPaths: Set<String> = [
        SiteURL.workspaceSecurity.path, SiteURL.workspaceAuthenticator.path, SiteURL.workspaceAuthenticatorConfirm.path,
        SiteURL.workspaceSignOut.path, SiteURL.workspacePassword.path, SiteURL.workspaceSignOutAs.path,
    ]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.workspaceUser, !Self.allowedPaths.contains(request.url.path),
              try await WorkspaceTwoFactor.mustEnrol(user, partner: try request.partner, on: request.db)
        else { return try await next.respond(to: request) }
        if request.method == .GET { return request.redirect(to: SiteURL.workspaceSecurity.path) }
        throw PortalError.denied(.authenticatorRequired)
    }
}
