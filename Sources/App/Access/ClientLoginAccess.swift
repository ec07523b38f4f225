import Foundation

/// What deciding a login to a client account needs to know beyond the account itself.
public struct ClientLoginFacts: Sendable, Equatable {
    public var account: AccountFacts
    public var isTemplate: Bool
    /// The partner's policy: operators may log in only while the owner grants access.
    public var consentRequired: Bool
    /// The end of the owner's grant in force (`.distantFuture` until revoked), if any.
    public var grantedUntil: Date?

    public init(account: AccountFacts, isTemplate: Bool, consentRequired: Bool, grantedUntil: Date?) {
        self.account = account
        self.isTemplate = isTemplate
        self.consentRequired = consentRequired
        self.grantedUntil = grantedUntil
    }
}

/// How the asking operator is signed in, as far as nesting is concerned.
public struct LoginAsSession: Sendable, Equatable {
    /// Logged in as another operator.
    public var asOperator: Bool
    /// Already logged in to a client account in this browser (or through this token).
    public var asClient: Bool

    public static let plain = LoginAsSession(asOperator: false, asClient: false)

    public init(asOperator: Bool, asClient: Bool) {
        self.asOperator = asOperator
        self.asClient = asClient
    }
}

extension AccessPolicy {
    /// Whether `actor` may log in to the account as its owner or one of its staff, and why
    /// not (seed 000 "Support operators can impersonate accounts", PRODUCT.md §4). In order:
    /// `account.impersonate` over the account (which already refuses locked accounts, secure
    /// accounts without clearance, and Sales once setup is completed), templates, no nesting,
    /// and the owner's consent where the partner asks for it. The same answer shows the
    /// account page's buttons and decides the page's and the API's requests.
    static func decideLoginAsClient(_ actor: Actor, on facts: ClientLoginFacts, session: LoginAsSession) -> Decision {
        let permission = decide(actor, .accountImpersonate, .account(facts.account))
        guard permission.isAllowed else { return permission }
        if facts.isTemplate { return .deny(.templateAccount) }
        if session.asOperator || session.asClient { return .deny(.alreadyImpersonating) }
        if facts.consentRequired && facts.grantedUntil == nil { return .deny(.consentNeeded) }
        return .allow
    }

    /// Granting and revoking operators' access to the account: the owner's alone, and never
    /// through a login-as (an operator cannot consent on the owner's behalf).
    static func mayGrantSupportAccess(_ role: AccountUser.Role, supported: Bool) -> Decision {
        if supported { return .deny(.notWhileSupporting) }
        return role == .owner ? .allow : .deny(.ownerOnly)
    }

    /// The person's own password: an operator logged in as them does not change it.
    static func mayChangeWorkspacePassword(supported: Bool) -> Decision {
        supported ? .deny(.notWhileSupporting) : .allow
    }
}
