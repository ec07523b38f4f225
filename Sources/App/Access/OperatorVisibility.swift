import Foundation
import SQLKit

/// "The operators this actor may view" as one SQL condition on an operator id column, the
/// policy's `operators.view` rule written for the database (as `AccountVisibility` is for
/// accounts): another operator is visible through a grant holding `operators.view` when every
/// grant of theirs lies inside that grant's scope (`AccessPolicy.covers(_:other:)`). An
/// operator without grants is inside every scope, as in the policy. Used by the operators
/// list and by the audit log's entries about operators.
enum OperatorVisibility {
    static func condition(for actor: Actor, column: String) -> any SQLExpression {
        guard actor.isActive else { return SQLQueryString("1 = 0") }
        let branches = actor.grants.filter { $0.role.allPermissions.contains(.operatorsView) }
            .map { branch($0.scope, actor: actor, column: column) }
        guard !branches.isEmpty else { return SQLQueryString("1 = 0") }
        return SQLGroupExpression(SQLKit.SQLList(branches, separator: SQLRaw(" OR ")))
    }

    /// The operators all of whose grants lie inside `scope`.
    static func branch(_ scope: Scope, actor: Actor, column: String) -> any SQLExpression {
        let inside: any SQLExpression
        switch scope {
        case .all:
            return SQLQueryString("1 = 1")
        case .group(let id):
            inside = SQLQueryString("""
                ((og.scope = \(bind: Grant.ScopeKind.group.rawValue) AND og.scope_id IN \(GroupSubtree.ids(of: id, partnerID: actor.partnerID))) \
                OR (og.scope = \(bind: Grant.ScopeKind.account.rawValue) AND og.scope_id IN \
                (SELECT oa.id FROM accounts oa WHERE oa.partner_id = \(bind: actor.partnerID) AND oa.group_id IN \(GroupSubtree.ids(of: id, partnerID: actor.partnerID)))))
                """)
        case .account(let id):
            inside = SQLQueryString("(og.scope = \(bind: Grant.ScopeKind.account.rawValue) AND og.scope_id = \(bind: id))")
        case .assigned:
            inside = SQLQueryString("1 = 0")
        }
        return SQLQueryString("""
            (\(ident: column) NOT IN \
            (SELECT og.operator_id FROM grants og WHERE og.partner_id = \(bind: actor.partnerID) AND NOT \(inside)))
            """)
    }
}

/// The ids of a group and every group below it, as a subquery.
enum GroupSubtree {
    static func ids(of id: UUID, partnerID: UUID) -> SQLQueryString {
        SQLQueryString("""
            (SELECT g.id FROM groups g, groups root WHERE root.id = \(bind: id) AND root.partner_id = \(bind: partnerID) \
            AND g.partner_id = \(bind: partnerID) AND g.path LIKE root.path || '%')
            """)
    }
}
