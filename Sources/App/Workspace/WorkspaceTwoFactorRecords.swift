import Crypto
import Fluent
import Foundation
import SQLKit

/// An owner or staff member's authenticator app: the sealed key (`TOTPSecret`), the last
/// time step used (so a code works once) and when it was set up. The same rows as
/// `AccountUser`, read here for their second factor only.
final class AccountUserAuthenticator: Model, @unchecked Sendable {
    static let schema = "account_users"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @OptionalField(key: "password_hash") var passwordHash: String?
    @OptionalField(key: "totp_secret") var totpSecret: String?
    @OptionalField(key: "totp_last_step") var totpLastStep: Int64?
    @OptionalField(key: "totp_enabled_at") var totpEnabledAt: Date?

    init() {}

    var isEnrolled: Bool { totpSecret != nil && totpEnabledAt != nil }

    static func find(userID: UUID, partnerID: UUID, on db: any Database) async throws -> AccountUserAuthenticator? {
        try await query(on: db).filter(\.$id == userID).filter(\.$partnerID == partnerID).first()
    }
}

/// Ten single-use codes for an owner or staff member who lost their authenticator, made and
/// stored as the operators' are (`RecoveryCode`: keyed digests under the installation's key).
final class AccountUserRecoveryCode: Model, @unchecked Sendable {
    static let schema = "account_user_recovery_codes"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "code_digest") var codeDigest: String
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}

    init(partnerID: UUID, accountUserID: UUID, codeDigest: String) {
        self.partnerID = partnerID
        self.accountUserID = accountUserID
        self.codeDigest = codeDigest
    }

    static func regenerate(for userID: UUID, partnerID: UUID, secrets: SecretBox, on db: any Database) async throws -> [String] {
        try await query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountUserID == userID).delete()
        let codes = (0..<RecoveryCode.count).map { _ in RecoveryCode.generate() }
        for code in codes {
            try await AccountUserRecoveryCode(partnerID: partnerID, accountUserID: userID,
                                              codeDigest: RecoveryCode.digest(code, key: secrets.current)).create(on: db)
        }
        return codes
    }

    /// Spends a code; false when it is unknown or already used. Looked up under every key
    /// still held, so a key rotation leaves them working.
    static func spend(_ input: String, userID: UUID, partnerID: UUID, secrets: SecretBox, now: Date, on db: any Database) async throws -> Bool {
        guard let code = RecoveryCode.normalize(input) else { return false }
        let spent = try await db.sql.update(schema)
            .set("used_at", to: now)
            .where("account_user_id", .equal, userID)
            .where("partner_id", .equal, partnerID)
            .where("code_digest", .in, secrets.keys.map { RecoveryCode.digest(code, key: $0) })
            .where("used_at", .is, SQLLiteral.null)
            .returning("id")
            .all()
        return !spent.isEmpty
    }

    static func remaining(for userID: UUID, partnerID: UUID, on db: any Database) async throws -> Int {
        try await query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountUserID == userID).filter(\.$usedAt == nil).count()
    }
}

/// A workspace sign-in that passed the password and waits for the authenticator's code (its
/// secret in the browser's cookie, only the digest here), or an authenticator being set up
/// on the security page (the new key, sealed, until a code proves it).
final class AccountUserChallenge: Model, @unchecked Sendable {
    static let schema = "account_user_challenges"

    enum Purpose: String, Codable, Sendable {
        case signIn = "sign-in"
        case enrol
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "purpose") var purpose: Purpose
    @OptionalField(key: "pending_secret") var pendingSecret: String?
    @Field(key: "failures") var failures: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}

    init(partnerID: UUID, accountUserID: UUID, tokenDigest: String, purpose: Purpose, now: Date) {
        self.partnerID = partnerID
        self.accountUserID = accountUserID
        self.tokenDigest = tokenDigest
        self.purpose = purpose
        self.failures = 0
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(purpose == .enrol ? SignInChallenge.enrolLifetime : SignInChallenge.signInLifetime)
    }
}

/// Wrong codes of one owner or staff member in a row, across pending sign-ins, and the lock
/// that follows: the operators' limits (`SecondFactorGuard`), counted apart from theirs.
final class AccountUserFactorGuard: Model, @unchecked Sendable {
    static let schema = "account_user_factor_guards"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "consecutive_failures") var consecutiveFailures: Int
    @Field(key: "locks") var locks: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?

    init() {}

    static func lockedUntil(userID: UUID, now: Date, on db: any Database) async throws -> Date? {
        guard let until = try await query(on: db).filter(\.$accountUserID == userID).first()?.lockedUntil, until > now else { return nil }
        return until
    }

    /// Counts a wrong code; returns the end of the lock when this failure started one.
    static func recordFailure(userID: UUID, partnerID: UUID, now: Date, on db: any Database) async throws -> Date? {
        let sql = try db.sql
        try await sql.insert(into: schema)
            .columns("id", "partner_id", "account_user_id", "consecutive_failures", "locks")
            .values(SQLBind(UUID()), SQLBind(partnerID), SQLBind(userID), SQLBind(0), SQLBind(0))
            .ignoringConflicts(with: ["account_user_id"])
            .run()
        return try await WrongCodeCount.countFailure(in: schema, ownerColumn: "account_user_id", owner: userID, now: now, on: sql)
    }

    static func recordSuccess(userID: UUID, on db: any Database) async throws {
        try await WrongCodeCount.clear(in: schema, ownerColumn: "account_user_id", owner: userID, on: try db.sql)
    }
}
