import Fluent
import Foundation

/// A single-use link secret: first-admin setup, an operator's password setup, and later
/// invites and resets. Stored as a digest; spent by setting `usedAt`.
final class OneTimeToken: Model, @unchecked Sendable {
    static let schema = "one_time_tokens"

    enum Purpose: String, Codable, Sendable {
        /// Creates the first admin of a partner that has no operator yet.
        case firstAdmin = "first-admin"
        /// Lets an existing operator without a password choose one (made by the CLI).
        case operatorSetup = "operator-setup"
        /// An emailed invitation: the invitee chooses a password (valid 7 days; a resend replaces it).
        case invite
        /// An emailed password reset: the operator chooses a new password; every session ends.
        case passwordReset = "password-reset"
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @OptionalParent(key: "operator_id") var `operator`: Operator?
    @Field(key: "purpose") var purpose: Purpose
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}

    init(partnerID: UUID, operatorID: UUID?, purpose: Purpose, tokenDigest: String, now: Date, lifetime: TimeInterval) {
        self.partnerID = partnerID
        self.$operator.id = operatorID
        self.purpose = purpose
        self.tokenDigest = tokenDigest
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(lifetime)
        self.usedAt = nil
    }

    func isUsable(at now: Date) -> Bool { usedAt == nil && expiresAt > now }
}
