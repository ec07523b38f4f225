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
}
