import Fluent
import NIOConcurrencyHelpers
import Vapor

/// Email-and-password sign-in with per-account and per-address limits. Unknown emails and
/// wrong passwords take the same time and get the same answer.
struct SignInService {
    enum Outcome {
        /// The password is right: the second factor (`SignInFlow`) comes next.
        case passwordAccepted(Operator)
        /// Unknown email, wrong password, or an invited operator without a password yet.
        case invalidCredentials
        /// The password was right but the operator is blocked: said plainly, with the names of
        /// the partner's admins to ask. Only a correct password learns it.
        case blocked(admins: [String])
        /// The password was right but no role of the operator lets them sign in.
        case noSignInRole
        case throttled(retryAfterSeconds: Int)
    }

    let db: any Database
    let config: AppConfig
    let passwords: AsyncPasswordHasher
    let logger: Logger

    func signIn(partner: Partner, email rawEmail: String, password: String, ip: String, now: Date) async throws -> Outcome {
        let partnerID = try partner.requireID()
        let email = Operator.normalize(email: rawEmail)
        let since = now.addingTimeInterval(-config.signInFailureWindow)

        let accountFailures = try await SignInAttempt.query(on: db)
            .filter(\.$partnerID == partnerID).filter(\.$email == email)
            .filter(\.$succeeded == false).filter(\.$at > since).count()
        let addressFailures = try await SignInAttempt.query(on: db)
            .filter(\.$ip == ip).filter(\.$succeeded == false).filter(\.$at > since).count()
        if accountFailures >= config.signInFailuresPerAccountPerMinute || addressFailures >= config.signInFailuresPerIPPerMinute {
            logger.notice("sign-in throttled", metadata: ["partner": "\(partner.slug)", "email": "\(email)", "ip": "\(ip)"])
            return .throttled(retryAfterSeconds: Int(config.signInFailureWindow))
        }

        let candidate = try await Operator.query(on: db)
            .filter(\.$partner.$id == partnerID).filter(\.$email == email)
            .with(\.$grants).first()
        let hash = candidate?.passwordHash ?? DummyHash.value
        let matches = (try? await passwords.verify(password, created: hash)) ?? false

        guard let op = candidate, matches, op.status == .active else {
            try await record(partnerID: partnerID, email: email, ip: ip, succeeded: false, now: now)
            try await Audit.record("sign-in.failed", by: AuditActor(id: nil, name: email), partnerID: partnerID,
                                   target: candidate.map(Audit.target) ?? ("operator", nil, email),
                                   details: failureReason(candidate, matches), ip: ip, now: now, on: db)
            logger.notice("sign-in failed", metadata: ["partner": "\(partner.slug)", "email": "\(email)", "ip": "\(ip)"])
            if let op = candidate, matches, op.status == .blocked {
                return .blocked(admins: try await Self.adminNames(partnerID: partnerID, on: db))
            }
            return .invalidCredentials
        }
        let roles = try await AccessLoader.roles(partnerID: partnerID, on: db)
        let canSignIn = op.grants.contains { roles[$0.role]?.permissions.contains(.portalLogin) ?? false }
        guard canSignIn else {
            try await record(partnerID: partnerID, email: email, ip: ip, succeeded: false, now: now)
            logger.notice("sign-in refused: no role with portal.login", metadata: ["partner": "\(partner.slug)", "email": "\(email)"])
            return .noSignInRole
        }

        return .passwordAccepted(op)
    }

    /// The active operators holding Admin over the whole partner, by name: whom a blocked
    /// operator asks to be let back in.
    static func adminNames(partnerID: UUID, on db: any Database) async throws -> [String] {
        let grants = try await Grant.query(on: db)
            .filter(\.$partnerID == partnerID).filter(\.$role ~~ AdminGuard.adminRoles).filter(\.$scope == .all)
            .join(parent: \.$operator).filter(Operator.self, \.$status == .active)
            .all()
        let names = try grants.map { try $0.joined(Operator.self).name }
        return Array(Set(names)).sorted()
    }

    /// Why a known operator's sign-in failed, for the audit log (never shown to the person).
    private func failureReason(_ op: Operator?, _ passwordMatched: Bool) -> String {
        guard let op else { return "unknown email" }
        if !passwordMatched { return "wrong password" }
        return "operator is \(op.status.rawValue)"
    }

    private func record(partnerID: UUID, email: String, ip: String, succeeded: Bool, now: Date) async throws {
        try await SignInAttempt(partnerID: partnerID, email: email, ip: ip, succeeded: succeeded, at: now).create(on: db)
        // Attempts only matter for a minute; keep a day for investigation, then drop them.
        try await SignInAttempt.query(on: db).filter(\.$at < now.addingTimeInterval(-86_400)).delete()
    }
}

/// A bcrypt hash of nothing in particular, checked against when the email is unknown so that
/// the answer takes as long as for a known email. Made once, at the configured cost.
enum DummyHash {
    private static let storage = NIOLockedValueBox<String?>(nil)

    static var value: String { storage.withLockedValue { $0 } ?? fallback }

    /// A cost-12 hash; used only until `prepare` has run.
    private static let fallback = "$2b$12$C6UzMDM.H6dfI/f/IKxGhu0QbCq1Y8uT2VF/ixKcQ6uIlsZxYXzJG"

    static func prepare(with passwords: AsyncPasswordHasher) async throws {
        let hash = try await passwords.hash(SecretToken.generate().value)
        storage.withLockedValue { $0 = hash }
    }
}
