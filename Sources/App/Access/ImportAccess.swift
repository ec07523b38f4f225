import Foundation

extension AccessPolicy {
    /// Whether `actor` may import `kind` at all (each row is decided again on its own).
    static func decideImport(_ actor: Actor, _ kind: ImportKind) -> Decision {
        decideAnywhere(actor, [kind.permission])
    }

    /// Whether `actor` may import anything: asked before an import is looked up, so that
    /// someone who may not import learns nothing of any.
    static func decideAnyImport(_ actor: Actor) -> Decision {
        decideAnywhere(actor, ImportKind.allCases.map(\.permission))
    }

    /// Whether one row of an import may act on `target`: the group a new account goes into
    /// (the partner for none), or the account a row updates. An operator whose grant covers
    /// one group imports into that group only. The domain functions the row then goes
    /// through ask for their own permissions too (creating, editing, tagging, inviting).
    static func decideImportRow(_ actor: Actor, _ kind: ImportKind, _ target: Target) -> Decision {
        decide(actor, kind.permission, target)
    }

    /// An import runs in the background, after the request that starts it: while someone is
    /// logged in as this operator, it would go on after their login-as has ended.
    static func refusesImport(loggedInAsBy impersonator: AuditActor.Impersonator?) -> String? {
        guard impersonator != nil else { return nil }
        return "While logged in as another operator, nothing is imported: an import is started by the operator themselves."
    }
}
