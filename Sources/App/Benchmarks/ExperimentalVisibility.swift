import Fluent
import Foundation
import SQLKit

/// EXPERIMENT (not the portal's code): `AccountVisibility` rebuilt with two switches, to
/// measure candidate changes on the same data. With the current options it must produce
/// exactly the SQL `AccountVisibility` produces (checked by `matchesCurrent`), so a
/// measured difference comes from the switched part alone.
enum ExperimentalVisibility {
    enum GroupScope {
        /// Current: `g.path LIKE root.path || '%'`. SQLite cannot use an index for a LIKE
        /// whose pattern comes from another column, so each group grant scans all the
        /// partner's groups.
        case likePrefix
        /// Candidate: `g.path >= root.path AND g.path < root.path || '~'`, a range on
        /// `groups_partner_path_idx`. Exact for paths of '/', '-', digits and a–f under a
        /// byte-wise collation ('~' sorts after all of them): SQLite's default BINARY.
        case pathRange
    }

    enum Keyset {
        /// Current: `name > ? OR (name = ? AND id > ?)`: no index range, the scan starts at
        /// the partner's first account whatever the cursor.
        case orExpression
        /// Candidate: the row value `(name, id) > (?, ?)`, an index range on
        /// `accounts_partner_name_idx` in SQLite (3.15+) and PostgreSQL.
        case rowValue
    }

    static func condition(for actor: Actor, groupScope: GroupScope) -> any SQLExpression {
        guard actor.isActive else { return SQLQueryString("1 = 0") }
        let partner: any SQLExpression = SQLQueryString("partner_id = \(bind: actor.partnerID)")
        let branches = actor.grants.compactMap { grant -> (any SQLExpression)? in
            let always = grant.role.permissions.contains(.accountView)
            let inSetupOnly = !always && grant.role.whileInSetup.contains(.accountView)
            guard always || inSetupOnly else { return nil }
            var parts: [any SQLExpression] = [scopeCondition(grant.scope, actor: actor, groupScope: groupScope)]
            if !grant.role.secureClearance { parts.append(SQLQueryString("secure = \(bind: false)")) }
            if inSetupOnly { parts.append(SQLQueryString("setup_completed = \(bind: false)")) }
            return SQLGroupExpression(SQLList(parts, separator: SQLRaw(" AND ")))
        }
        guard !branches.isEmpty else { return SQLQueryString("1 = 0") }
        let anyBranch = SQLGroupExpression(SQLList(branches, separator: SQLRaw(" OR ")))
        return SQLGroupExpression(SQLList([partner, anyBranch], separator: SQLRaw(" AND ")))
    }

    private static func scopeCondition(_ scope: Scope, actor: Actor, groupScope: GroupScope) -> any SQLExpression {
        switch (scope, groupScope) {
        case (.all, _):
            return SQLQueryString("1 = 1")
        case (.account(let id), _):
            return SQLQueryString("id = \(bind: id)")
        case (.group(let id), .likePrefix):
            return SQLQueryString("""
                group_id IN (SELECT g.id FROM groups g, groups root WHERE root.id = \(bind: id) \
                AND root.partner_id = \(bind: actor.partnerID) AND g.partner_id = \(bind: actor.partnerID) \
                AND g.path LIKE root.path || '%')
                """)
        case (.group(let id), .pathRange):
            return SQLQueryString("""
                group_id IN (SELECT g.id FROM groups g, groups root WHERE root.id = \(bind: id) \
                AND root.partner_id = \(bind: actor.partnerID) AND g.partner_id = \(bind: actor.partnerID) \
                AND g.path >= root.path AND g.path < root.path || '~')
                """)
        case (.assigned, _):
            guard actor.hasAssignments else { return SQLQueryString("1 = 1") }
            return SQLQueryString("id IN (SELECT a.account_id FROM account_assignments a WHERE a.operator_id = \(bind: actor.operatorID))")
        }
    }

    static func keysetCondition(_ after: (name: String, id: UUID), _ keyset: Keyset) -> any SQLExpression {
        switch keyset {
        case .orExpression: SQLQueryString("(name > \(bind: after.name) OR (name = \(bind: after.name) AND id > \(bind: after.id)))")
        case .rowValue: SQLQueryString("(name, id) > (\(bind: after.name), \(bind: after.id))")
        }
    }

    static func select(
        for actor: Actor, after: (name: String, id: UUID)?, limit: Int,
        groupScope: GroupScope, keyset: Keyset, on sql: any SQLDatabase
    ) -> SQLSelectBuilder {
        var query = sql.select().column("*").from(Account.schema).where(condition(for: actor, groupScope: groupScope))
        if let after { query = query.where(keysetCondition(after, keyset)) }
        return query.orderBy("name").orderBy("id").limit(limit)
    }

    static func rows(
        for actor: Actor, after: (name: String, id: UUID)?, limit: Int,
        groupScope: GroupScope, keyset: Keyset, on db: any Database
    ) async throws -> [any SQLRow] {
        try await select(for: actor, after: after, limit: limit, groupScope: groupScope, keyset: keyset, on: try db.sql).all()
    }

    /// A page decoded into `Account` models, as `AccountVisibility.page` does.
    static func page(
        for actor: Actor, after: (name: String, id: UUID)?, limit: Int,
        groupScope: GroupScope, keyset: Keyset, on db: any Database
    ) async throws -> [Account] {
        try await rows(for: actor, after: after, limit: limit, groupScope: groupScope, keyset: keyset, on: db)
            .map { try $0.decode(fluentModel: Account.self) }
    }

    /// A page decoded column by column into plain structs, without FluentKit's model decoding.
    static func plainPage(
        for actor: Actor, after: (name: String, id: UUID)?, limit: Int,
        groupScope: GroupScope, keyset: Keyset, on db: any Database
    ) async throws -> [PlainAccountRow] {
        try await rows(for: actor, after: after, limit: limit, groupScope: groupScope, keyset: keyset, on: db)
            .map { try PlainAccountRow(row: $0) }
    }

    static func count(for actor: Actor, groupScope: GroupScope, on db: any Database) async throws -> Int {
        let row = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Account.schema).where(condition(for: actor, groupScope: groupScope)).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Whether the replica, with the current options, serialises exactly like `AccountVisibility`.
    static func matchesCurrent(_ actor: Actor, on sql: any SQLDatabase) -> Bool {
        let current = sql.serialize(AccountVisibility.condition(for: actor))
        let replica = sql.serialize(condition(for: actor, groupScope: .likePrefix))
        return current.sql == replica.sql && current.binds.count == replica.binds.count
    }
}
