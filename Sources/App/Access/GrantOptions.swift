import Foundation

/// What an operator may hand out, for the invite and grants forms: exactly the roles and scopes
/// `AccessPolicy.decideGrant` accepts when the form is sent, so a form never offers what the
/// server then refuses.
enum GrantOptions {
    /// A scope the form could offer, with its value as the form carries it.
    struct Candidate<Value: Sendable>: Sendable {
        let value: Value
        let facts: ScopeFacts
    }

    /// The roles that may be given over at least one of `scopes`, and the scopes over which at
    /// least one of `roles` may be given, both in their given order.
    ///
    /// `decideGrant` sees a scope only through which of the actor's grants cover it, so the
    /// scopes are decided once per distinct set of covering grants: a tree of thousands of groups
    /// costs a few decisions per role, not one per group.
    static func offered<Value>(to actor: Actor, roles: [RoleDefinition], scopes: [Candidate<Value>])
        -> (roles: [RoleDefinition], scopes: [Candidate<Value>]) {
        var representative: [[Bool]: ScopeFacts] = [:]
        let signatures = scopes.map { candidate -> [Bool] in
            let signature = actor.grants.map { AccessPolicy.covers($0.scope, other: candidate.facts) }
            if representative[signature] == nil { representative[signature] = candidate.facts }
            return signature
        }
        var grantable: [[Bool]: [Bool]] = [:]
        for (signature, facts) in representative {
            grantable[signature] = roles.map { AccessPolicy.decideGrant(actor, role: $0, scope: facts, partnerID: actor.partnerID).isAllowed }
        }
        let offeredRoles = roles.indices.filter { index in grantable.values.contains { $0[index] } }.map { roles[$0] }
        let offeredScopes = zip(scopes, signatures).filter { grantable[$0.1]?.contains(true) == true }.map(\.0)
        return (offeredRoles, offeredScopes)
    }
}
