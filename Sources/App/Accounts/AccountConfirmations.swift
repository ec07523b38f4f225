/// What the confirmation step says before an action that ends something for a client.
enum AccountConfirmations {
    static func lock(_ account: Account) -> ConfirmationView.Model {
        .init(question: "Lock \(account.name)?",
              consequence: "Its owner and staff are signed out at once and nobody can log in to it, operators included, until it is unlocked.",
              confirmLabel: "Lock \(account.name)",
              action: .accountAction(uid: account.businessUID, action: .toggle(.lock)),
              cancel: .accountAction(uid: account.businessUID, action: .tab(.account)))
    }

    static func resetOwnerPassword(_ account: Account, method: AccountUsers.ResetMethod) -> ConfirmationView.Model {
        let owner = account.ownerName ?? "the owner"
        let how = method == .temporary
            ? "A temporary password is shown to you once; \(owner) must change it at their next sign-in."
            : "A single-use link to choose a new password is emailed to \(owner)."
        return .init(question: "Reset the password of \(owner)?",
                     consequence: "Their current password stops working and they are signed out everywhere. " + how,
                     confirmLabel: "Reset the password",
                     action: .accountAction(uid: account.businessUID, action: .form(.resetPassword)),
                     cancel: .accountAction(uid: account.businessUID, action: .tab(.account)),
                     carried: [.init(name: "method", value: method.rawValue)])
    }
}
