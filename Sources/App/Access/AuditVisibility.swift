import Foundation
import SQLKit

/// "The audit entries this operator may read" as one SQL condition on `audit_events`
/// (unqualified column names), written the way `AccountVisibility` writes the visible
/// accounts, so the log is filtered by the database:
///
/// - an entry about an account is visible exactly when a grant holding `audit.view` covers
///   the account (its scope; a secure account only with secure clearance);
/// - an entry about an operator is visible when the reader may view that operator
///   (`operators.view`, the policy's rule: every grant of theirs inside one of the reader's scopes);
/// - any other entry (roles, groups, settings, the partner kit, sign-ins of unknown emails) is
///   partner-level and needs `audit.view` over the whole partner.
///
/// Opening the log at all still needs `audit.view` somewhere (`AccessPolicy.decideAnywhere`).
enum AuditVisibility {
    static func condition(for actor: Actor) -> any SQLExpression {
        guard actor.isActive else { return SQLQueryString("1 = 0") }
        let auditGrants = actor.grants.filter { $0.role.allPermissions.contains(.auditView) }
        let operatorGrants = actor.grants.filter { $0.role.allPermissions.contains(.operatorsView) }
        var branches: [any SQLExpression] = []
        if auditGrants.contains(where: { $0.scope == .all }) {
            branches.append(SQLQueryString("(subject_account_id IS NULL AND subject_operator_id IS NULL)"))
        }
        branches += auditGrants.map { accountBranch($0, actor: actor) }
        branches += operatorGrants.map { operatorBranch($0.scope, actor: actor) }
        guard !branches.isEmpty else { return SQLQueryString("1 = 0") }
        return and([SQLQueryString("partner_id = \(bind: actor.partnerID)"), SQLGroupExpression(SQLKit.SQLList(branches, separator: SQLRaw(" OR ")))])
    }

    // MARK: - Entries about accounts

    private static func accountBranch(_ grant: ActorGrant, actor: Actor) -> any SQLExpression {
        // Every account, whether it still exists or not: no need to ask the accounts table.
        if grant.scope == .all, grant.role.secureClearance { return SQLQueryString("subject_account_id IS NOT NULL") }
        var parts: [any SQLExpression] = [SQLQueryString("a.partner_id = \(bind: actor.partnerID)"), accountScope(grant.scope, actor: actor)]
        if !grant.role.secureClearance { parts.append(SQLQueryString("a.secure = \(bind: false)")) }
        return SQLQueryString("subject_account_id IN (SELECT a.id FROM accounts a WHERE \(and(parts)))")
    }

    private static func accountScope(_ scope: Scope, actor: Actor) -> any SQLExpression {
        switch scope {
        case .all:
            return SQLQueryString("1 = 1")
        case .account(let id):
            return SQLQueryString("a.id = \(bind: id)")
        case .group(let id):
            return SQLQueryString("a.group_id IN \(subtree(of: id, actor: actor))")
        case .assigned:
            guard actor.hasAssignments else { return SQLQueryString("1 = 1") }
            return SQLQueryString("a.id IN (SELECT aa.account_id FROM account_assignments aa WHERE aa.operator_id = \(bind: actor.operatorID))")
        }
    }

    // MARK: - Entries about operators

    /// Entries about an operator the reader may view (`OperatorVisibility`).
    private static func operatorBranch(_ scope: Scope, actor: Actor) -> any SQLExpression {
        SQLQueryString("(subject_operator_id IS NOT NULL AND \(OperatorVisibility.branch(scope, actor: actor, column: "subject_operator_id")))")
    }

    /// The ids of a group and every group below it, as a subquery.
    private static func subtree(of id: UUID, actor: Actor) -> SQLQueryString {
        GroupSubtree.ids(of: id, partnerID: actor.partnerID)
    }

    private static func and(_ parts: [any SQLExpression]) -> any SQLExpression {
        SQLGroupExpression(SQLKit.SQLList(parts, separator: SQLRaw(" AND ")))
    }
}

extension AccessPolicy {
    /// The audit chain (its head, how far it was verified, its public key) speaks of every entry
    /// of the partner, so it is for readers of the whole log: `audit.view` over all accounts.
    static func mayReadAuditChain(_ actor: Actor) -> Decision {
        decide(actor, .auditView, .partner(actor.partnerID))
    }
}
