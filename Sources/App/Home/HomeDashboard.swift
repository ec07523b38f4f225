import Fluent
import Foundation
import SQLKit
import Vapor

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

    /// The two cards, each only when the access layer allows it (nil otherwise). Kept a few
    /// seconds per reader like the counts (`Application.homeCards`).
    struct Cards: Sendable {
        var assigned: [AssignedAccount]?
        var audit: [AuditLine]?
    }

    static func cards(for actor: Actor, assigned: Bool, audit: Bool, on db: any Database) async throws -> Cards {
        Cards(assigned: assigned ? try await assignedAccounts(for: actor, on: db) : nil,
              audit: audit ? try await recentAudit(for: actor, on: db) : nil)
    }

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
    /// (`AuditVisibility`), for whoever `AccessPolicy.mayReadRecentAudit` allows: the columns
    /// the card shows and the Business UID of the account an entry is about, in one query.
    static func recentAudit(for actor: Actor, limit: Int = auditLimit, on db: any Database) async throws -> [AuditLine] {
        let sql = try db.sql
        let latest = SQLQueryString("""
            SELECT id, at, actor_name, impersonator_name, action, target_label, subject_account_id FROM audit_events \
            WHERE partner_id = \(bind: actor.partnerID) AND (\(AuditVisibility.condition(for: actor))) \
            ORDER BY at DESC, id DESC LIMIT \(bind: limit)
            """)
        return try await sql.raw("""
            SELECT e.at AS at, e.actor_name AS actor_name, e.impersonator_name AS impersonator_name, e.action AS action, \
            e.target_label AS target_label, a.business_uid AS business_uid FROM (\(latest)) e \
            LEFT JOIN accounts a ON a.id = e.subject_account_id AND a.partner_id = \(bind: actor.partnerID) \
            ORDER BY e.at DESC, e.id DESC
            """).all().map { row in
            AuditLine(at: try row.decode(column: "at", as: Date.self), actorName: try row.decode(column: "actor_name", as: String.self),
                      impersonatorName: try row.decode(column: "impersonator_name", as: String?.self),
                      action: try row.decode(column: "action", as: String.self), targetLabel: try row.decode(column: "target_label", as: String.self),
                      accountUID: try row.decode(column: "business_uid", as: String?.self))
        }
    }
}

extension Application {
    private struct HomeCardsKey: StorageKey { typealias Value = PartnerCache<HeaderCounts.Key, HomeDashboard.Cards> }

    /// Home's assigned accounts and recent audit entries, per reader (the key holds everything
    /// that decides what they may see); a change on the partner's domain drops them. Set up
    /// by `configure`.
    var homeCards: PartnerCache<HeaderCounts.Key, HomeDashboard.Cards> {
        get {
            guard let cache = storage[HomeCardsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[HomeCardsKey.self] = newValue }
    }
}
