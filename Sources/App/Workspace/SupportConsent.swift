import Fluent
import Foundation

/// The owner's grants of access to operators (when the partner's policy asks for consent),
/// and the list of recent support access every user of the account can read.
enum SupportConsent {
    enum Length: String, CaseIterable, Sendable {
        case hour, day, week
        case untilRevoked = "until-revoked"

        var title: String {
            switch self {
            case .hour: "For 1 hour"
            case .day: "For 1 day"
            case .week: "For 1 week"
            case .untilRevoked: "Until I revoke it"
            }
        }

        func end(from now: Date) -> Date? {
            switch self {
            case .hour: now.addingTimeInterval(3600)
            case .day: now.addingTimeInterval(86_400)
            case .week: now.addingTimeInterval(7 * 86_400)
            case .untilRevoked: nil
            }
        }
    }

    /// When the grant in force ends (`.distantFuture` for one until revoked), or nil.
    static func grantedUntil(account: Account, now: Date, on db: any Database) async throws -> Date? {
        let grants = try await AccessGrant.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .filter(\.$revokedAt == nil).all()
        return grants.filter { $0.isInForce(at: now) }.map { $0.expiresAt ?? .distantFuture }.max()
    }

    static func grants(accountID: UUID, partnerID: UUID, on db: any Database) async throws -> [AccessGrant] {
        try await AccessGrant.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID == accountID)
            .sort(\.$grantedAt, .descending).limit(20).all()
    }

    static func recentAccess(accountID: UUID, partnerID: UUID, on db: any Database) async throws -> [SupportAccess] {
        try await SupportAccess.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID == accountID)
            .sort(\.$startedAt, .descending).limit(20).all()
    }

    static func grant(_ length: Length, by user: WorkspaceUser, ip: String, now: Date = Date(), on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.mayGrantSupportAccess(user.role, supported: user.impersonator != nil))
        guard let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        let grant = AccessGrant()
        grant.partnerID = user.partnerID
        grant.accountID = user.accountID
        grant.grantedByName = user.name
        grant.grantedAt = now
        grant.expiresAt = length.end(from: now)
        try await db.writeTransaction { db in
            try await grant.create(on: db)
            try await Audit.record("account.support-access-granted", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: grant.expiresAt.map { "until \(DisplayDate.text($0, .minute)) UTC" } ?? "until revoked",
                                   ip: ip, now: now, on: db)
        }
    }

    static func revoke(_ grantID: UUID, by user: WorkspaceUser, ip: String, now: Date = Date(), on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.mayGrantSupportAccess(user.role, supported: user.impersonator != nil))
        guard let grant = try await AccessGrant.query(on: db).filter(\.$id == grantID).filter(\.$partnerID == user.partnerID)
            .filter(\.$accountID == user.accountID).first(),
            let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.notFound() }
        guard grant.isInForce(at: now) else { return }
        grant.revokedAt = now
        grant.revokedByName = user.name
        try await db.writeTransaction { db in
            try await grant.update(on: db)
            try await Audit.record("account.support-access-revoked", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "granted by \(grant.grantedByName) on \(DisplayDate.text(grant.grantedAt, .minute)) UTC",
                                   ip: ip, now: now, on: db)
        }
        // Revoking is meant to end the visit under way, too.
        if try await grantedUntil(account: account, now: now, on: db) == nil {
            try await ClientLoginAs.endAll(accountID: user.accountID, partnerID: user.partnerID, why: "the owner revoked access", ip: ip, now: now, on: db)
        }
    }
}
