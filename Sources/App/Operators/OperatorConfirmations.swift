/// What the confirmation step says before an action that ends something for an operator.
enum OperatorConfirmations {
    static func model(_ action: OperatorAction, target name: String, id: String) -> ConfirmationView.Model? {
        let (question, consequence, label): (String, String, String)
        switch action {
        case .block:
            (question, consequence, label) = ("Block \(name)?",
                "\(name) is signed out everywhere at once, their API tokens stop working, and they cannot sign in until someone unblocks them.",
                "Block \(name)")
        case .remove:
            (question, consequence, label) = ("Remove \(name)?",
                "\(name) loses access for good and is told by email. What they did stays in the audit log. This cannot be undone.",
                "Remove \(name)")
        case .resetSecondFactor:
            (question, consequence, label) = ("Reset \(name)’s two-step sign-in?",
                "Their authenticator app, sign-in codes and recovery codes stop working. They choose a method again at their next sign-in, and are told by email.",
                "Reset two-step sign-in")
        default:
            return nil
        }
        return .init(question: question, consequence: consequence, confirmLabel: label,
                     action: .operatorAction(id: id, action: action), cancel: .operatorDetail(id: id))
    }
}
