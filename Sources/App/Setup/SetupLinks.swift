import Fluent
import SQLKit
import Vapor

/// Single-use setup links: the first admin of a partner, and an operator choosing a password.
enum SetupLinks {
    static let firstAdminLifetime: TimeInterval = 24 * 3600
    static let operatorSetupLifetime: TimeInterval = 7 * 24 * 3600

    static func issueFirstAdmin(partnerID: UUID, now: Date, on db: any Database) async throws -> SecretToken {
        let token = SecretToken.generate()
        try await OneTimeToken(partnerID: partnerID, operatorID: nil, purpose: .firstAdmin, tokenDigest: token.digest,
                               now: now, lifetime: firstAdminLifetime).create(on: db)
        return token
    }

    static let inviteLifetime: TimeInterval = 7 * 24 * 3600
    static let passwordResetLifetime: TimeInterval = 2 * 3600

    static func issueOperatorSetup(operatorID: UUID, partnerID: UUID, now: Date, on db: any Database) async throws -> SecretToken {
        try await issue(.operatorSetup, operatorID: operatorID, partnerID: partnerID, lifetime: operatorSetupLifetime, now: now, on: db)
    }

    /// A new link of `purpose` for the operator; earlier unused links of that purpose stop working.
    static func issue(_ purpose: OneTimeToken.Purpose, operatorID: UUID, partnerID: UUID, lifetime: TimeInterval, now: Date,
                      on db: any Database) async throws -> SecretToken {
        try await OneTimeToken.query(on: db)
            .filter(\.$operator.$id == operatorID).filter(\.$purpose == purpose).filter(\.$usedAt == nil)
            .set(\.$usedAt, to: now).update()
        let token = SecretToken.generate()
        try await OneTimeToken(partnerID: partnerID, operatorID: operatorID, purpose: purpose, tokenDigest: token.digest,
                               now: now, lifetime: lifetime).create(on: db)
        return token
    }

    /// The unused, unexpired token for this partner, or nil. A first-admin token also stops
    /// working as soon as the partner has any operator.
    static func find(_ token: String, partnerID: UUID, now: Date, on db: any Database) async throws -> OneTimeToken? {
        guard let record = try await OneTimeToken.query(on: db)
            .filter(\.$tokenDigest == SecretToken.digest(of: token)).filter(\.$partnerID == partnerID).first(),
            record.isUsable(at: now)
        else { return nil }
        if record.purpose == .firstAdmin, try await Operator.query(on: db).filter(\.$partner.$id == partnerID).count() > 0 {
            return nil
        }
        return record
    }

    /// Marks the token used; false when another request spent it first.
    static func consume(_ record: OneTimeToken, now: Date, on db: any Database) async throws -> Bool {
        let spent = try await db.sql.update(OneTimeToken.schema)
            .set("used_at", to: now)
            .where("id", .equal, try record.requireID())
            .where("used_at", .is, SQLLiteral.null)
            .returning("id")
            .all()
        return !spent.isEmpty
    }

    static func url(for token: SecretToken, base: String) -> String {
        base + SiteURL.setup(token: token.value).path
    }
}
