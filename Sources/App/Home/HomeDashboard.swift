import Fluent
import Foundation
import SQLKit

/// What Home reads besides the task counts and the header counts: the operator's own
/// accounts with their latest activity, and the partner's latest audit entries.
enum HomeDashboard {
    struct AssignedAccount: Sendable, Equatable {
        let name: String
        let businessUID: String
        let lastActivityAt: Date?
    }

    struct AuditLine: Sendable, Equatable {
        let at: Date
        let actorName: String
        let impersonatorName: String?
        let action: String
        let targetLabel: String
        /// The account the entry is about, to link to it; nil for other entries.
        let accountUID: String?
    }

    static let assignedLimit = 5
    static let auditLimit = 10

    /// The accounts assigned to the operator that they may view, latest activity first
    /// (those without any last).
    static func assignedAccounts(for actor: Actor, limit: Int = assignedLimit, on db: any Database) async throws -> [AssignedAccount] {
        let sql = try db.sql
        return try await sql.select().column("name").column("business_uid").column("last_activity_at").from(Account.schema)
            .where(AccountVisibility.condition(for: actor, pathRanges: AccountVisibility.usesByteOrder(sql)))
            .where(SQLQueryString("partner_id = \(bind: actor.partnerID)"))
            .where(SQLQueryString("""
                id IN (SELECT aa.account_id FROM account_assignments aa WHERE aa.operator_id = \(bind: actor.operatorID) \
                AND aa.partner_id = \(bind: actor.partnerID))
                """))
            .orderBy(SQLQueryString("last_activity_at DESC NULLS LAST")).orderBy("id", .descending)
            .limit(limit).all()
            .map { row in
                AssignedAccount(name: try row.decode(column: "name", as: String.self), businessUID: try row.decode(column: "business_uid", as: String.self),
                                lastActivityAt: try row.decode(column: "last_activity_at", as: Date?.self))
            }
    }

    /// The partner's latest entries as the audit log shows them to this reader
    /// (`AuditVisibility`), for whoever `AccessPolicy.mayReadRecentAudit` allows.
    static func recentAudit(for actor: Actor, limit: Int = auditLimit, on db: any Database) async throws -> [AuditLine] {
        let entries = try await AuditLog.page(.init(), for: actor, limit: limit, on: db).entries
        let accountIDs = Set(entries.compactMap(\.subjectAccountID))
        var uids: [UUID: String] = [:]
        if !accountIDs.isEmpty {
            for account in try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$id ~~ Array(accountIDs)).all() {
                if let id = account.id { uids[id] = account.businessUID }
            }
        }
        return entries.map { entry in
            AuditLine(at: entry.at, actorName: entry.actorName, impersonatorName: entry.impersonatorName, action: entry.action,
                      targetLabel: entry.targetLabel, accountUID: entry.subjectAccountID.flatMap { uids[$0] })
        }
    }
}
