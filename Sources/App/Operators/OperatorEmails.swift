import Foundation

extension Emails {
    /// To the old address when someone else changes an operator's email: the person learns of
    /// it even if the change was not theirs to make.
    static func emailChanged(partner: String, by admin: String, to newEmail: String) -> Email {
        Email(subject: "Your \(partner) sign-in email was changed", body: """
            Hello,

            \(admin) changed the email you sign in to the \(portal(partner)) with to
            \(newEmail). You were signed out everywhere; from now on, sign in with the new address.

            If you did not expect this, tell an admin of \(partner).
            """)
    }

    /// "Forgot password?" on the sign-in page: the link the operator asked for.
    static func forgotPassword(partner: String, link: String, minutes: Int) -> Email {
        Email(subject: "Reset your \(portal(partner)) password", body: """
            Hello,

            Someone, probably you, asked to reset the password of your account on the
            \(portal(partner)).

            Choose a new password here (the link works once and expires in \(minutes) minutes):
            \(link)

            Your current password keeps working until you choose a new one. Choosing one signs you
            out everywhere; if you use two-step sign-in, you still enter a code afterwards.

            If you did not ask for this, you can ignore this email.
            """)
    }

    /// After a reset link was used: the person learns of it even if it was not them.
    static func passwordChanged(partner: String, at date: Date, timeZone: String, ip: String) -> Email {
        Email(subject: "Your \(portal(partner)) password was changed", body: """
            Hello,

            The password of your account on the \(portal(partner)) was changed with a reset link
            at \(SecondFactorGuard.describe(date, timeZone: timeZone))\(ip.isEmpty ? "" : ", from the address \(ip)").
            You were signed out everywhere.

            If this was not you, tell an admin of \(partner) at once.
            """)
    }
}
