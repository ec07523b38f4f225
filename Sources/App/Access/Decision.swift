import Foundation

/// The result of asking the access policy. A denial says why, in words an operator can read.
public enum Decision: Equatable, Sendable {
    case allow
    case deny(DenyReason)

    public var isAllowed: Bool { self == .allow }
}

public enum DenyReason: Equatable, Sendable {
    case blocked
    /// The target belongs to another partner: answered as if it did not exist.
    case otherPartner
    case missingPermission(Permission)
    case outOfScope(Permission)
    case secureAccount
    case accountLocked
    case setupCompleted(Permission)
    case adminProtected
    case selfTarget
    case targetBlocked
    case escalation
    case ownSecondFactor
    case alreadyImpersonating
    case notInvited
    case notActive
    case notBlocked
    case noSecondFactor
    case lastAdmin
    case ownContactThroughProfile
    case currentPasswordNeeded
    case mailboxClosed
    case ownerOnly
    /// Logging in to a client account needs the owner's grant, and there is none.
    case consentNeeded
    /// A template account has nobody to log in as.
    case templateAccount
    /// Done by the person themselves, never by an operator logged in as them.
    case notWhileSupporting
    /// A new account's outbound message holds an external link (seed 001 §3.6).
    case linksScreened
    /// The operator's roles over the account are for its messages only (the Messaging Agent).
    case messagesOnly
    /// The partner requires owners and staff to use an authenticator app, and this person has none yet.
    case authenticatorRequired

    public var message: String {
        switch self {
        case .blocked: "Your access has been blocked."
        case .otherPartner: "There is nothing at this address."
        case .missingPermission(let permission): "None of your roles includes “\(permission.title)”."
        case .outOfScope(let permission): "Your roles include “\(permission.title)”, but not over this item."
        case .secureAccount: "This account is secure: only roles with secure clearance can act on it."
        case .accountLocked: "This account is locked: nobody can log in to it until it is unlocked."
        case .setupCompleted(let permission): "Your role allows “\(permission.title)” only while the account is in setup."
        case .adminProtected: "Only operators who can manage admins may do this to an admin or grant Admin."
        case .selfTarget: "You cannot do this to yourself."
        case .targetBlocked: "This operator is blocked."
        case .escalation: "You cannot grant or act beyond your own permissions and scope."
        case .ownSecondFactor: "Change your own two-step sign-in on your profile."
        case .alreadyImpersonating: "You are already logged in as someone else. Sign out as them first."
        case .notInvited: "Only for operators who have not accepted their invite."
        case .notActive: "Only for active operators."
        case .notBlocked: "This operator is not blocked."
        case .noSecondFactor: "They have not set up two-step sign-in yet."
        case .lastAdmin: "This is the last active admin over all accounts. Make another operator an admin first."
        case .ownContactThroughProfile: "Change your own email or phone on your profile, where you confirm it with your password."
        case .currentPasswordNeeded: "Enter your current password to change your email or phone."
        case .ownerOnly: "Only the owner of the account can change this."
        case .consentNeeded: "The owner has not granted access to their account. Ask the owner to grant access from their workspace."
        case .templateAccount: "This account is a template: nobody signs in to it."
        case .notWhileSupporting: "Only the person themselves can do this, not an operator logged in as them."
        case .linksScreened: "New accounts cannot send external links during their first 30 days. Remove the link (http://, https://, www. or an address such as example.com), or ask your provider to enable sending links."
        case .messagesOnly: "Your roles over this account cover its messages only."
        case .authenticatorRequired: "Set up an authenticator app on the security page first: it is required for signing in here."
        case .mailboxClosed: "The development mailbox is closed: only operators who manage settings can read it, and only while no transport is configured."
        }
    }

    /// The permission the denial names, for `problem+json` and logs.
    public var permission: Permission? {
        switch self {
        case .missingPermission(let permission), .outOfScope(let permission), .setupCompleted(let permission): permission
        default: nil
        }
    }
}
