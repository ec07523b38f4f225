import Fluent
import Foundation

/// A bearer token for `/api/v1` that acts with its operator's permissions.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Parent(key: "operator_id") var `operator`: Operator
    @Field(key: "name") var name: String
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    /// Set on a token made by logging in as `operator` through the API: the operator who did.
    @OptionalField(key: "impersonator_id") var impersonatorID: UUID?

    static let prefix = "opk_"

    init() {}

    init(partnerID: UUID, operatorID: UUID, name: String, tokenDigest: String, now: Date, expiresAt: Date? = nil) {
        self.partnerID = partnerID
        self.$operator.id = operatorID
        self.name = name
        self.tokenDigest = tokenDigest
        self.createdAt = now
        self.expiresAt = expiresAt
    }
}
