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

/// Making, listing and revoking API tokens. A token is stored only as its digest; its value
/// is shown once, when it is made. Every token expires: 90 days unless asked otherwise, at
/// most the partner's `maxTokenDays`.
enum APITokens {
    static let defaultDays = 90
    static let maxNameLength = 100

    /// The default lifetime on a partner whose maximum may be shorter.
    static func defaultDays(on partner: Partner) -> Int { min(defaultDays, partner.maxTokenDays) }

    /// A name of 1 to 100 visible characters, trimmed.
    static func validName(_ raw: String) throws -> String {
        guard let name = DisplayText.trimmed(raw), raw.unicodeScalars.count <= maxNameLength, !DisplayText.hasControl(raw)
        else { throw PortalError.badRequest("name: use 1 to \(maxNameLength) visible characters, without control characters.") }
        return name
    }

    static func validDays(_ days: Int?, on partner: Partner) throws -> Int {
        let days = days ?? defaultDays(on: partner)
        guard (1...partner.maxTokenDays).contains(days) else {
            throw PortalError.badRequest("expiresInDays: give 1 to \(partner.maxTokenDays) (this portal's longest token lifetime).")
        }
        return days
    }

    struct Created: Sendable {
        let token: APIToken
        let secret: SecretToken

        /// The token as the client sends it.
        var value: String { secret.value }
    }

    /// A new token for `op`, valid `days` days from `now` (checked by the caller against the partner's maximum).
    static func create(name: String, operator op: Operator, days: Int = defaultDays, now: Date, on db: any Database) async throws -> Created {
        let secret = SecretToken.generate(prefix: APIToken.prefix)
        let token = APIToken(partnerID: op.$partner.id, operatorID: try op.requireID(), name: name, tokenDigest: secret.digest, now: now,
                             expiresAt: now.addingTimeInterval(TimeInterval(days) * 86_400))
        try await token.create(on: db)
        return Created(token: token, secret: secret)
    }

    /// A new token for `op` as `create` makes it, recorded in the audit log with its name and
    /// expiry (never its value). The caller has asked the policy and checked name and days.
    static func issue(name: String, operator op: Operator, days: Int, context: AuditContext, now: Date, on db: any Database) async throws -> Created {
        let created = try await create(name: name, operator: op, days: days, now: now, on: db)
        try await Audit.record("api-token.created", in: context, partnerID: op.$partner.id, target: Audit.target(op),
                               details: "token: \(name), expires \(ISO8601DateFormatter().string(from: created.token.expiresAt ?? now))", now: now, on: db)
        return created
    }

    /// The operator's own tokens, newest first, with their operator; a login-as token is a
    /// session, not listed.
    static func list(operatorID: UUID, partnerID: UUID, on db: any Database) async throws -> [APIToken] {
        try await APIToken.query(on: db).filter(\.$partnerID == partnerID).filter(\.$operator.$id == operatorID)
            .filter(\.$impersonatorID == nil).with(\.$operator).sort(\.$createdAt, .descending).sort(\.$id).all()
    }

    /// Every operator's tokens on the partner, newest first, with their operators.
    static func listAll(partnerID: UUID, on db: any Database) async throws -> [APIToken] {
        try await APIToken.query(on: db).filter(\.$partnerID == partnerID)
            .filter(\.$impersonatorID == nil).with(\.$operator).sort(\.$createdAt, .descending).sort(\.$id).all()
    }

    /// One token of the partner with its operator; nil for another partner's, a login-as one, or none.
    static func find(_ id: UUID, partnerID: UUID, on db: any Database) async throws -> APIToken? {
        try await APIToken.query(on: db).filter(\.$id == id).filter(\.$partnerID == partnerID)
            .filter(\.$impersonatorID == nil).with(\.$operator).first()
    }

    /// Revokes a token (found by `find`, its revocation allowed by the policy) at once,
    /// recorded with its name and its operator.
    static func revoke(_ token: APIToken, context: AuditContext, now: Date, on db: any Database) async throws {
        try await APIToken.query(on: db).filter(\.$id == token.requireID()).filter(\.$partnerID == token.partnerID).delete()
        try await Audit.record("api-token.revoked", in: context, partnerID: token.partnerID, target: Audit.target(token.operator),
                               details: "token: \(token.name) (id \(try token.requireID().uuidString.lowercased()))", now: now, on: db)
    }

    /// Every token acting as the operator, or made by them logging in as someone, stops at
    /// once: called when they are blocked and whenever their password changes.
    static func revokeAll(operatorID: UUID, partnerID: UUID, on db: any Database) async throws {
        try await APIToken.query(on: db).filter(\.$partnerID == partnerID)
            .group(.or) { $0.filter(\.$operator.$id == operatorID).filter(\.$impersonatorID == operatorID) }
            .delete()
    }
}
