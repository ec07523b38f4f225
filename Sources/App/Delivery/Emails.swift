import Foundation

/// The text of every email the portal sends. Plain text, short, with the one link that matters.
enum Emails {
    /// "the Acme operator portal", or just "the Operator Portal" for an unbranded installation.
    static func portal(_ partner: String) -> String {
        partner == Layout.productName ? Layout.productName : "\(partner) operator portal"
    }

    struct Email: Sendable, Equatable {
        let subject: String
        let body: String
    }

    static func invite(partner: String, inviter: String, link: String) -> Email {
        Email(subject: "You are invited to the \(portal(partner))", body: """
            Hello,

            \(inviter) invited you to the \(portal(partner)).

            Choose your password here (the link works once and expires in 7 days):
            \(link)

            If you did not expect this invitation, you can ignore this email.
            """)
    }

    static func accountUserInvite(partner: String, business: String, inviter: String, link: String) -> Email {
        Email(subject: "Your \(business) account is ready", body: """
            Hello,

            \(inviter) at \(partner) set up an account for \(business) and invited you to it.

            Choose your password here (the link works once and expires in 7 days):
            \(link)

            If you did not expect this invitation, you can ignore this email.
            """)
    }

    static func accountUserReset(partner: String, business: String, link: String) -> Email {
        Email(subject: "Reset your \(business) password", body: """
            Hello,

            \(partner) reset the password of your \(business) account.

            Choose a new password here (the link works once and expires in 24 hours):
            \(link)

            Your current password keeps working until you choose a new one.
            """)
    }

    static func passwordReset(partner: String, link: String) -> Email {
        Email(subject: "Reset your \(portal(partner)) password", body: """
            Hello,

            A password reset was requested for your \(portal(partner)) account.

            Choose a new password here (the link works once and expires in 2 hours):
            \(link)

            Choosing a new password signs you out everywhere. If you did not expect this, tell an admin.
            """)
    }

    static func accessRevoked(partner: String) -> Email {
        Email(subject: "Your access to the \(portal(partner)) was removed", body: """
            Hello,

            Your operator account on the \(portal(partner)) was removed, so you can no longer sign in.

            If you think this is a mistake, contact an admin of \(partner).
            """)
    }

    static func signInCode(partner: String, code: String) -> Email {
        Email(subject: "\(code) is your \(partner) sign-in code", body: """
            Hello,

            Your code to sign in to the \(portal(partner)) is:

                \(code)

            It works once and expires in 10 minutes. If you did not just sign in, someone knows
            your password: change it, and tell an admin.
            """)
    }

    static func secondFactorReset(partner: String, by admin: String) -> Email {
        Email(subject: "Your \(partner) two-step sign-in was reset", body: """
            Hello,

            \(admin) reset your two-step sign-in on the \(portal(partner)). The next time you
            sign in, you will choose how to receive your codes again; your old recovery codes no
            longer work.

            If you did not ask for this, tell an admin of \(partner).
            """)
    }

    static func secondFactorLocked(partner: String, until: String) -> Email {
        Email(subject: "Your \(partner) two-step sign-in is locked", body: """
            Hello,

            Someone entered too many wrong sign-in codes for your account on the \(portal(partner)),
            so two-step sign-in is locked until \(until). Codes, including recovery codes, are
            refused until then.

            Only someone who knows your password gets as far as the code. If this was not you,
            change your password after the lock ends, and tell an admin of \(partner).
            """)
    }
}
