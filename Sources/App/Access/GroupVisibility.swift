import Foundation
import SQLKit

/// "The groups this actor's grants reach" as one SQL condition on `groups` (unqualified
/// column names), the database form of `AccessPolicy.decide(actor, .portalLogin, .group(…))`:
/// every group under a grant over all accounts, otherwise the subtrees of the granted groups.
/// Account and assigned scopes reach no group.
enum GroupVisibility {
    static func condition(for actor: Actor) -> any SQLExpression {
        guard actor.isActive else { return SQLQueryString("1 = 0") }
        let signIn = actor.grants.filter { $0.role.allPermissions.contains(.portalLogin) }
        let partner = SQLQueryString("partner_id = \(bind: actor.partnerID)")
        if signIn.contains(where: { $0.scope == .all }) { return partner }
        let subtrees: [any SQLExpression] = signIn.compactMap { grant in
            guard case .group(let id) = grant.scope else { return nil }
            return SQLQueryString("id IN \(GroupSubtree.ids(of: id, partnerID: actor.partnerID))")
        }
        guard !subtrees.isEmpty else { return SQLQueryString("1 = 0") }
        return SQLGroupExpression(SQLKit.SQLList([partner, SQLGroupExpression(SQLKit.SQLList(subtrees, separator: SQLRaw(" OR ")))],
                                                 separator: SQLRaw(" AND ")))
    }

    /// The ids of the groups the actor's grants reach.
    static func ids(for actor: Actor, on db: any SQLDatabase) async throws -> Set<UUID> {
        Set(try await db.select().column("id").from(AccountGroup.schema).where(condition(for: actor)).all()
            .map { try $0.decode(column: "id", as: UUID.self) })
    }
}
