import Foundation
import SQLKit

/// Who sees which outstanding tasks, and the dashboard's parts. Every signed-in operator
/// has a Tasks page and a Home; what they show follows the same rules as the lists they
/// summarise.
extension AccessPolicy {
    /// A category is shown to whoever may view its subjects somewhere: accounts
    /// (`account.view`, and reading their details: the upkeep of accounts is no work for
    /// roles that find accounts only to answer their messages) or operators
    /// (`operators.view`). Its rows are then only those `TaskVisibility` lets through, in the
    /// operator's scope.
    static func mayViewTasks(_ actor: Actor, in category: TaskCategory) -> Decision {
        switch category.subject {
        case .accounts:
            let viewing = decideAnywhere(actor, [.accountView])
            guard viewing.isAllowed else { return viewing }
            return readsAccountDetails(actor) ? .allow : .deny(.messagesOnly)
        case .operators:
            return decideAnywhere(actor, [.operatorsView])
        }
    }

    /// Home's header counts and the operator's own accounts: the accounts list's right.
    static func mayViewAccountSummary(_ actor: Actor) -> Decision {
        decideAnywhere(actor, [.accountView])
    }

    /// Home's recent audit entries: `audit.view` over all accounts of the partner. The
    /// entries themselves still pass `AuditVisibility`, as in the audit log.
    static func mayReadRecentAudit(_ actor: Actor) -> Decision {
        decide(actor, .auditView, .partner(actor.partnerID))
    }
}

/// The rows a category may list, as one SQL condition: the accounts list's visibility
/// (`AccountVisibility`: scope, secure clearance, setup-only roles) on `accounts`, or the
/// operators list's (`OperatorVisibility`) on `operators`.
enum TaskVisibility {
    static func condition(for actor: Actor, subject: TaskCategory.Subject, pathRanges: Bool) -> any SQLExpression {
        switch subject {
        case .accounts: AccountVisibility.condition(for: actor, pathRanges: pathRanges)
        case .operators: OperatorVisibility.condition(for: actor, column: "id")
        }
    }
}
