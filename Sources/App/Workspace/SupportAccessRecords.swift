import Fluent
import Foundation

/// One login to a client account by an operator, as its owner or a staff member: the
/// "Recent support access" the owner sees, and what the session it opened belongs to.
final class SupportAccess: Model, @unchecked Sendable {
    static let schema = "account_support_access"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    @Field(key: "operator_name") var operatorName: String
    @Field(key: "user_name") var userName: String
    @Field(key: "user_role") var userRole: AccountUser.Role
    @OptionalField(key: "reason") var reason: String?
    /// "browser" or "API link".
    @Field(key: "via") var via: String
    @Field(key: "started_at") var startedAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "end_reason") var endReason: String?

    init() {}

    init(user: AccountUser, operatorID: UUID, operatorName: String, reason: String?, via: String, now: Date, endsAt: Date) throws {
        self.partnerID = user.partnerID
        self.accountID = user.accountID
        self.accountUserID = try user.requireID()
        self.operatorID = operatorID
        self.operatorName = operatorName
        self.userName = user.name
        self.userRole = user.role
        self.reason = reason
        self.via = via
        self.startedAt = now
        self.endsAt = endsAt
    }
}

/// A single-use link the API hands out: opened within a minute, it starts the login-as in
/// whichever browser opens it.
final class ClientLoginLink: Model, @unchecked Sendable {
    static let schema = "account_login_links"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}
}

/// The owner's consent to operators logging in (when the partner asks for it): for an hour,
/// a day, a week or until revoked.
final class AccessGrant: Model, @unchecked Sendable {
    static let schema = "account_access_grants"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "granted_by_name") var grantedByName: String
    @Field(key: "granted_at") var grantedAt: Date
    /// nil: until revoked.
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revoked_by_name") var revokedByName: String?

    init() {}

    func isInForce(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }
}
