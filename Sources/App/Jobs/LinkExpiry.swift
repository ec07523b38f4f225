import Fluent
import Foundation
import SQLKit

/// Deletes single-use links past their expiry. Every kind is already refused once expired
/// (each is checked against its expiry when opened, and an unknown link gets the same
/// answer), so these rows are dead: the jobs only keep the tables small. Deleting what is
/// past expiry is the same however many times, and by however many instances, it runs.
enum LinkExpiry {
    /// Operator invites and set-up links (the first admin's too), and the invites of owners
    /// and staff: `invite-expiry`.
    @discardableResult
    static func deleteExpiredInvites(now: Date, on db: any Database) async throws -> Int {
        let operatorPurposes: [OneTimeToken.Purpose] = [.invite, .operatorSetup, .firstAdmin]
        var deleted = 0
        for partnerID in try await partnerIDs(on: db) {
            deleted += try await delete(from: OneTimeToken.schema, partnerID: partnerID, purposes: operatorPurposes.map(\.rawValue), before: now, on: db)
            deleted += try await delete(from: AccountUserToken.schema, partnerID: partnerID, purposes: [AccountUserToken.Purpose.invite.rawValue],
                                        before: now, on: db)
        }
        return deleted
    }

    /// Password-reset links of operators and of owners and staff, and the login-as links the
    /// API hands out: `link-expiry`.
    @discardableResult
    static func deleteExpiredLinks(now: Date, on db: any Database) async throws -> Int {
        var deleted = 0
        for partnerID in try await partnerIDs(on: db) {
            deleted += try await delete(from: OneTimeToken.schema, partnerID: partnerID, purposes: [OneTimeToken.Purpose.passwordReset.rawValue],
                                        before: now, on: db)
            deleted += try await delete(from: AccountUserToken.schema, partnerID: partnerID, purposes: [AccountUserToken.Purpose.reset.rawValue],
                                        before: now, on: db)
            deleted += try await delete(from: ClientLoginLink.schema, partnerID: partnerID, purposes: nil, before: now, on: db)
        }
        return deleted
    }

    static func partnerIDs(on db: any Database) async throws -> [UUID] {
        try await Partner.query(on: db).all().compactMap(\.id)
    }

    private static func delete(from table: String, partnerID: UUID, purposes: [String]?, before now: Date, on db: any Database) async throws -> Int {
        var query = try db.sql.delete(from: table)
            .where("partner_id", .equal, partnerID)
            .where("expires_at", .lessThan, now)
        if let purposes {
            query = query.where(SQLColumn("purpose"), .in, SQLBind.group(purposes))
        }
        return try await query.returning("id").all().count
    }
}
