import Foundation

extension AccessPolicy {
    /// Whether `actor` may push a template's parts to the accounts made from it: they manage
    /// templates on the template itself (each account is then decided on its own).
    static func decidePush(_ actor: Actor, template: AccountFacts) -> Decision {
        decide(actor, .accountTemplateSet, .account(template))
    }

    /// Whether a push may change `part` of this account: the permission that part's own page
    /// asks for (the plan needs `account.subscription.edit`, branding `account.branding.edit` …).
    static func decideTemplatePart(_ actor: Actor, _ part: TemplatePart, account: AccountFacts) -> Decision {
        decide(actor, part.permission, .account(account))
    }
}
