import Fluent
import Vapor

/// Signing in to the client workspace, choosing a new password, and the emailed reset link:
/// the same limits as the operators' sign-in (per email and per address, a minute), counted
/// apart from theirs.
struct WorkspaceSignIn {
    enum Outcome {
        case signedIn(AccountUser)
        case invalidCredentials
        /// The password was right but the account is locked: said plainly, with no session.
        case locked
        case throttled(retryAfterSeconds: Int)
    }

    let db: any Database
    let config: AppConfig
    let passwords: AsyncPasswordHasher

    /// Attempts are kept with the operators' under this prefix, so the two limits never mix.
    static func attemptKey(_ email: String) -> String { "app:" + email }

    func signIn(partnerID: UUID, email rawEmail: String, password: String, ip: String, now: Date) async throws -> Outcome {
        let email = Operator.normalize(email: rawEmail)
        if try await throttled(partnerID: partnerID, email: email, ip: ip, now: now) {
            return .throttled(retryAfterSeconds: Int(config.signInFailureWindow))
        }
        // An email may belong to people of several accounts: the password says which.
        let candidates = try await AccountUser.query(on: db).filter(\.$partnerID == partnerID).filter(\.$email == email)
            .filter(\.$status == .active).sort(\.$createdAt).all()
        var matched: AccountUser?
        for candidate in candidates {
            guard let hash = candidate.passwordHash else { continue }
            if (try? await passwords.verify(password, created: hash)) == true { matched = candidate; break }
        }
        if candidates.isEmpty { _ = try? await passwords.verify(password, created: DummyHash.value) }
        guard let user = matched else {
            try await record(partnerID: partnerID, email: email, ip: ip, succeeded: false, now: now)
            return .invalidCredentials
        }
        guard let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == partnerID).first(),
              !account.locked
        else { return .locked }
        try await record(partnerID: partnerID, email: email, ip: ip, succeeded: true, now: now)
        return .signedIn(user)
    }

    func throttled(partnerID: UUID, email: String, ip: String, now: Date) async throws -> Bool {
        let since = now.addingTimeInterval(-config.signInFailureWindow)
        let byEmail = try await SignInAttempt.query(on: db).filter(\.$partnerID == partnerID).filter(\.$email == Self.attemptKey(email))
            .filter(\.$succeeded == false).filter(\.$at > since).count()
        let byAddress = try await SignInAttempt.query(on: db).filter(\.$ip == ip).filter(\.$succeeded == false).filter(\.$at > since).count()
        return byEmail >= config.signInFailuresPerAccountPerMinute || byAddress >= config.signInFailuresPerIPPerMinute
    }

    func record(partnerID: UUID, email: String, ip: String, succeeded: Bool, now: Date) async throws {
        try await SignInAttempt(partnerID: partnerID, email: Self.attemptKey(email), ip: ip, succeeded: succeeded, at: now).create(on: db)
    }

    /// Replaces the user's password (checked by `PasswordPolicy`) and ends every other session.
    static func changePassword(of user: AccountUser, to hash: String, keeping sessionID: UUID, ip: String, now: Date, on db: any Database) async throws {
        try await db.writeTransaction { db in
            user.passwordHash = hash
            user.mustChangePassword = false
            try await user.update(on: db)
            // The person's own other sessions; an operator's visit keeps its own limits.
            try await AccountUserSession.query(on: db).filter(\.$accountUserID == user.requireID()).filter(\.$id != sessionID)
                .filter(\.$supportAccessID == nil).delete()
            try await AccountUserToken.query(on: db).filter(\.$accountUserID == user.requireID()).filter(\.$usedAt == nil).delete()
            if let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first() {
                try await Audit.record("account.user-password-changed", by: AuditActor(id: nil, name: user.name), partnerID: user.partnerID,
                                       target: Audit.target(account), details: "\(user.role.rawValue): \(user.email)", ip: ip, now: now, on: db)
            }
        }
    }

    /// "Forgot password?": a reset link to every active user at that email, and the same
    /// answer whether or not there is one. Limited like sign-ins.
    static func sendResetLinks(partner: Partner, email rawEmail: String, baseURL: String, now: Date, on db: any Database) async throws {
        let email = Operator.normalize(email: rawEmail)
        let users = try await AccountUser.query(on: db).filter(\.$partnerID == partner.requireID()).filter(\.$email == email)
            .filter(\.$status == .active).all()
        for user in users {
            guard let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first(),
                  !account.locked
            else { continue }
            try await db.writeTransaction { db in
                let token = try await AccountUsers.issue(.reset, for: user, lifetime: AccountUsers.resetLifetime, now: now, on: db)
                let message = Emails.accountUserReset(partner: partner.name, business: account.name, link: AccountUsers.url(for: token, base: baseURL))
                try await Outbox.enqueue(partnerID: user.partnerID, channel: .email, to: user.email, subject: message.subject, body: message.body,
                                         about: account.id, now: now, on: db)
            }
        }
    }
}
