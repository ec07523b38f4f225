import Fluent
import Foundation

/// A signed-in browser session, kept in the database so that any instance can serve any
/// request and sign-out ends it everywhere. Only the digest of the cookie value is stored.
final class PortalSession: Model, @unchecked Sendable {
    static let schema = "sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "partner_id") var partnerID: UUID
    @Parent(key: "operator_id") var `operator`: Operator
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "ip") var ip: String
    @Field(key: "user_agent") var userAgent: String
    /// Set while an operator is logged in as `operator`: the person really at the keyboard.
    @OptionalField(key: "impersonator_id") var impersonatorID: UUID?
    @OptionalField(key: "impersonation_started_at") var impersonationStartedAt: Date?
    @OptionalField(key: "impersonation_expires_at") var impersonationExpiresAt: Date?
    @OptionalField(key: "impersonation_reason") var impersonationReason: String?

    init() {}

    init(tokenDigest: String, partnerID: UUID, operatorID: UUID, csrfToken: String, now: Date, expiresAt: Date, ip: String, userAgent: String) {
        self.tokenDigest = tokenDigest
        self.partnerID = partnerID
        self.$operator.id = operatorID
        self.csrfToken = csrfToken
        self.createdAt = now
        self.lastSeenAt = now
        self.expiresAt = expiresAt
        self.ip = ip
        self.userAgent = String(userAgent.prefix(255))
    }
}

/// One sign-in attempt, kept for a day: the limiter counts recent failures from these.
final class SignInAttempt: Model, @unchecked Sendable {
    static let schema = "sign_in_attempts"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "email") var email: String
    @Field(key: "ip") var ip: String
    @Field(key: "succeeded") var succeeded: Bool
    @Field(key: "at") var at: Date

    init() {}

    init(partnerID: UUID, email: String, ip: String, succeeded: Bool, at: Date) {
        self.partnerID = partnerID
        self.email = String(email.prefix(320))
        self.ip = ip
        self.succeeded = succeeded
        self.at = at
    }
}
