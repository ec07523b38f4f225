import Fluent
import FluentSQL
import Foundation
import SQLKit

/// "The accounts this operator may view" as one SQL condition, the database form of
/// `AccessPolicy.decide(actor, .accountView, .account(…))`. Rows are filtered by the
/// database, never loaded and filtered in memory.
package enum AccountVisibility {
    /// A condition on the `accounts` table (unqualified column names). With
    /// `pathRanges` a group's subtree is read as the range [path, path + "~") instead of
    /// `LIKE path%`: the same rows (paths hold only 0-9, a-f, "-" and "/", all below "~"),
    /// but an index range scan. Exact only under byte-order collation, which SQLite uses;
    /// PostgreSQL keeps LIKE, whatever the database's collation.
    package static func condition(for actor: Actor, pathRanges: Bool = false) -> any SQLExpression {
        guard actor.isActive else { return SQLQueryString("1 = 0") }
        let partner: any SQLExpression = SQLQueryString("partner_id = \(bind: actor.partnerID)")
        let branches = actor.grants.compactMap { grant -> (any SQLExpression)? in
            let always = grant.role.permissions.contains(.accountView)
            let inSetupOnly = !always && grant.role.whileInSetup.contains(.accountView)
            guard always || inSetupOnly else { return nil }
            var parts: [any SQLExpression] = [scopeCondition(grant.scope, actor: actor, pathRanges: pathRanges)]
            if !grant.role.secureClearance { parts.append(SQLQueryString("secure = \(bind: false)")) }
            if inSetupOnly { parts.append(SQLQueryString("setup_completed = \(bind: false)")) }
            return SQLGroupExpression(SQLKit.SQLList(parts, separator: SQLRaw(" AND ")))
        }
        guard !branches.isEmpty else { return SQLQueryString("1 = 0") }
        let anyBranch = SQLGroupExpression(SQLKit.SQLList(branches, separator: SQLRaw(" OR ")))
        return SQLGroupExpression(SQLKit.SQLList([partner, anyBranch], separator: SQLRaw(" AND ")))
    }

    /// Secure accounts the operator would see with the Secure variant of the roles they
    /// hold, and does not see now: inside the scope of a grant that lets them view accounts
    /// but lacks secure clearance, and outside every grant with it. Nil when every such
    /// grant has clearance (nothing is hidden for want of it).
    static func hiddenSecureCondition(for actor: Actor, pathRanges: Bool = false) -> (any SQLExpression)? {
        guard actor.isActive else { return nil }
        let uncleared = actor.grants.filter { !$0.role.secureClearance }.compactMap { branch($0, actor: actor, pathRanges: pathRanges, ignoringSecure: true) }
        guard !uncleared.isEmpty else { return nil }
        var parts: [any SQLExpression] = [
            SQLQueryString("partner_id = \(bind: actor.partnerID)"), SQLQueryString("secure = \(bind: true)"),
            SQLGroupExpression(SQLKit.SQLList(uncleared, separator: SQLRaw(" OR "))),
        ]
        let cleared = actor.grants.filter(\.role.secureClearance).compactMap { branch($0, actor: actor, pathRanges: pathRanges, ignoringSecure: true) }
        if !cleared.isEmpty {
            // CASE rather than NOT: a scope test may be NULL (an account without a group).
            parts.append(SQLQueryString("(CASE WHEN \(SQLGroupExpression(SQLKit.SQLList(cleared, separator: SQLRaw(" OR ")))) THEN 1 ELSE 0 END) = 0"))
        }
        return SQLGroupExpression(SQLKit.SQLList(parts, separator: SQLRaw(" AND ")))
    }

    /// The accounts one grant lets the operator view, as in `condition`; with
    /// `ignoringSecure`, as if the grant had secure clearance.
    private static func branch(_ grant: ActorGrant, actor: Actor, pathRanges: Bool, ignoringSecure: Bool) -> (any SQLExpression)? {
        let always = grant.role.permissions.contains(.accountView)
        let inSetupOnly = !always && grant.role.whileInSetup.contains(.accountView)
        guard always || inSetupOnly else { return nil }
        var parts: [any SQLExpression] = [scopeCondition(grant.scope, actor: actor, pathRanges: pathRanges)]
        if !ignoringSecure && !grant.role.secureClearance { parts.append(SQLQueryString("secure = \(bind: false)")) }
        if inSetupOnly { parts.append(SQLQueryString("setup_completed = \(bind: false)")) }
        return SQLGroupExpression(SQLKit.SQLList(parts, separator: SQLRaw(" AND ")))
    }

    private static func scopeCondition(_ scope: Scope, actor: Actor, pathRanges: Bool) -> any SQLExpression {
        switch scope {
        case .all:
            return SQLQueryString("1 = 1")
        case .account(let id):
            return SQLQueryString("id = \(bind: id)")
        case .group(let id) where pathRanges:
            return SQLQueryString("""
                group_id IN (SELECT g.id FROM groups g, groups root WHERE root.id = \(bind: id) \
                AND root.partner_id = \(bind: actor.partnerID) AND g.partner_id = \(bind: actor.partnerID) \
                AND g.path >= root.path AND g.path < root.path || '~')
                """)
        case .group(let id):
            return SQLQueryString("""
                group_id IN (SELECT g.id FROM groups g, groups root WHERE root.id = \(bind: id) \
                AND root.partner_id = \(bind: actor.partnerID) AND g.partner_id = \(bind: actor.partnerID) \
                AND g.path LIKE root.path || '%')
                """)
        case .assigned:
            guard actor.hasAssignments else { return SQLQueryString("1 = 1") }
            return SQLQueryString("id IN (SELECT a.account_id FROM account_assignments a WHERE a.operator_id = \(bind: actor.operatorID))")
        }
    }

    /// SQLite compares text byte by byte unless told otherwise.
    static func usesByteOrder(_ sql: any SQLDatabase) -> Bool { sql.dialect.name == "sqlite" }

    /// A row of the visible-accounts list: what a list shows, read column by column (about
    /// three times cheaper than decoding whole Fluent models).
    package struct Row: Sendable, Equatable {
        let id: UUID
        let businessUID: String
        let name: String
        let email: String
        let groupID: UUID?
        let secure: Bool
        let locked: Bool
        let setupCompleted: Bool
    }

    package static let rowColumns = ["id", "business_uid", "name", "email", "group_id", "secure", "locked", "setup_completed"]

    /// One page of visible accounts ordered by name, then id (keyset: pass the last row's
    /// name and id to continue). The keyset is a row value, so the (partner_id, name, id)
    /// index seeks straight to it however deep the page.
    package static func page(for actor: Actor, after: (name: String, id: UUID)? = nil, limit: Int = 50, on db: any Database) async throws -> [Row] {
        let sql = try db.sql
        var query = sql.select().columns(rowColumns.map { SQLIdentifier($0) }).from(Account.schema)
            .where(condition(for: actor, pathRanges: usesByteOrder(sql)))
        if let after {
            query = query.where(SQLQueryString("(name, id) > (\(bind: after.name), \(bind: after.id))"))
        }
        let rows = try await query.orderBy("name").orderBy("id").limit(limit).all()
        return try rows.map { row in
            Row(id: try row.decode(column: "id", as: UUID.self), businessUID: try row.decode(column: "business_uid", as: String.self),
                name: try row.decode(column: "name", as: String.self), email: try row.decode(column: "email", as: String.self),
                groupID: try row.decode(column: "group_id", as: UUID?.self), secure: try row.decode(column: "secure", as: Bool.self),
                locked: try row.decode(column: "locked", as: Bool.self), setupCompleted: try row.decode(column: "setup_completed", as: Bool.self))
        }
    }

    package static func count(for actor: Actor, on db: any Database) async throws -> Int {
        let sql = try db.sql
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Account.schema).where(condition(for: actor, pathRanges: usesByteOrder(sql))).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
