import Foundation

/// Everything that can be done to one operator. The same values name the page's sub-routes
/// (`/operators/:id/<action>`), the buttons on the operator page and the domain calls, so a
/// button cannot point at a route that does not exist or be decided by a different rule.
public enum OperatorAction: String, CaseIterable, Sendable {
    case edit
    case grants
    case notifications
    case resendInvite = "resend-invite"
    case resetPassword = "reset-password"
    case resetSecondFactor = "reset-second-factor"
    case block
    case unblock
    case loginAs = "login-as"
    case remove

    /// The permission the action exercises (edit and notifications on yourself need none).
    public var permission: Permission {
        switch self {
        case .edit, .grants, .notifications, .resetPassword, .resetSecondFactor: .operatorsEdit
        case .resendInvite: .operatorsInvite
        case .block, .unblock: .operatorsBlock
        case .loginAs: .operatorsImpersonate
        case .remove: .operatorsRemove
        }
    }

    /// Actions that end something for the other person, so the page asks before doing them.
    public var needsConfirmation: Bool {
        switch self {
        case .block, .remove, .resetSecondFactor: true
        default: false
        }
    }
}

/// Another operator with what the operator-page rules need beyond the policy's facts.
public struct OperatorSubject: Sendable {
    public enum Status: String, Sendable { case invited, active, blocked }

    public let facts: OperatorFacts
    public let status: Status
    public let hasSecondFactor: Bool
    /// Whether they are the partner's only active admin over all accounts (for showing the
    /// reason on the page: the domain checks it again inside the changing transaction).
    public let isLastActiveAdmin: Bool

    public init(facts: OperatorFacts, status: Status, hasSecondFactor: Bool, isLastActiveAdmin: Bool) {
        self.facts = facts
        self.status = status
        self.hasSecondFactor = hasSecondFactor
        self.isLastActiveAdmin = isLastActiveAdmin
    }
}

/// What the asking session is doing, for the rules that depend on it (no nested login-as).
public struct SessionFacts: Sendable, Equatable {
    public var isImpersonating: Bool
    public static let plain = SessionFacts(isImpersonating: false)

    public init(isImpersonating: Bool) { self.isImpersonating = isImpersonating }
}

extension AccessPolicy {
    /// Whether `actor` may do `action` to `subject`, and why not. The operator page shows every
    /// action with this answer (disabled with the reason), and the domain enforces the same
    /// answer for the page and the API.
    public static func decide(_ actor: Actor, _ action: OperatorAction, on subject: OperatorSubject,
                              session: SessionFacts = .plain) -> Decision {
        let isSelf = subject.facts.id == actor.operatorID
        switch action {
        case .edit, .notifications:
            // Your own name, contact and digest are yours (contact changes need your password:
            // `decideContactChange`).
            if isSelf { return actor.isActive ? .allow : .deny(.blocked) }
        case .grants:
            // Your own roles follow the same rules as anyone's: you can step down, never up,
            // and the last admin stays one.
            break
        case .block, .remove:
            if isSelf { return .deny(.selfTarget) }
        case .resetSecondFactor:
            if isSelf { return .deny(.ownSecondFactor) }
        case .loginAs:
            if session.isImpersonating { return .deny(.alreadyImpersonating) }
        case .resendInvite, .resetPassword, .unblock:
            break
        }
        let decision = decide(actor, action.permission, .operator(subject.facts))
        guard decision.isAllowed else { return decision }
        switch action {
        case .resendInvite where subject.status != .invited: return .deny(.notInvited)
        case .resetPassword where subject.status != .active: return .deny(.notActive)
        case .loginAs where subject.status != .active: return .deny(.notActive)
        case .resetSecondFactor where !subject.hasSecondFactor: return .deny(.noSecondFactor)
        case .block where subject.status == .blocked: return .deny(.targetBlocked)
        case .unblock where subject.status != .blocked: return .deny(.notBlocked)
        case .block, .remove:
            if subject.status == .active && subject.isLastActiveAdmin { return .deny(.lastAdmin) }
        default: break
        }
        return .allow
    }

    /// Whether a change of an operator's email or phone may go ahead. Your own needs your
    /// current password (a stolen session must not be able to take the account over by moving
    /// its email), and is never made through the operators API, which has no password field.
    public static func decideContactChange(_ actor: Actor, on subject: OperatorSubject, through channel: ContactChangeChannel,
                                           passwordConfirmed: Bool) -> Decision {
        guard subject.facts.id == actor.operatorID else { return decide(actor, .edit, on: subject) }
        guard actor.isActive else { return .deny(.blocked) }
        switch channel {
        case .operatorsAPI: return .deny(.ownContactThroughProfile)
        case .page: return passwordConfirmed ? .allow : .deny(.currentPasswordNeeded)
        }
    }
}

/// Where a contact change arrives from.
public enum ContactChangeChannel: Sendable {
    /// The profile or the operator page, whose forms ask for the current password.
    case page
    /// `PATCH /api/v1/operators/{id}`.
    case operatorsAPI
}
