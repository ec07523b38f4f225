import Foundation

/// The words of every action the portal records. `parts` answers nil for an action it does
/// not know, and `fallback` then still makes a sentence of it.
enum AuditWording {
    typealias Part = AuditSentence.Part

    /// Every action with words of its own, in the order the audit log's filter offers them.
    static let actions: [String] = [
        "account.created", "account.lock", "account.unlock", "account.enable-send-links", "account.disable-send-links",
        "account.mark-secure", "account.unmark-secure", "account.set-template", "account.unset-template", "account.template-changed", "account.template-push-started",
        "account.template-push-finished", "account.template-pushed", "account.template-detached", "account.complete-setup",
        "account.setup-completed", "account.nickname-changed", "account.assignments-changed", "account.moved", "account.details-changed",
        "account.subscription-changed", "account.tag-added", "account.tag-removed", "account.note-added", "account.location-added",
        "account.location-removed", "account.owner-password-reset", "account.staff-added", "account.staff-removed",
        "account.staff-invite-resent", "account.login-as-started", "account.login-as-ended", "account.support-access-granted",
        "account.support-access-revoked", "account.onboarding-step-done", "account.profile-changed", "account.user-invite-accepted",
        "account.user-password-reset", "account.user-password-changed", "account.user-sign-in-failed", "account.user-second-factor-locked",
        "account.user-authenticator-added", "account.user-authenticator-removed", "account.user-recovery-codes-renewed",
        "account.user-recovery-code-used", "account.booking-added", "account.booking-status-changed", "account.payment-recorded",
        "account.payment-status-changed", "account.message-sent", "account.announcement-sent", "account.message-refused",
        "accounts.exported", "import.started", "import.finished", "operator.created", "operator.invited", "operator.invite-resent", "operator.invite-accepted",
        "operator.edited", "operator.notifications-changed", "operator.blocked", "operator.unblocked", "operator.removed",
        "operator.grants-changed", "operator.second-factor-reset", "operator.second-factor-enrolled", "operator.recovery-codes-replaced",
        "operator.password-changed", "operator.password-confirmation-failed", "operator.password-reset-sent",
        "operator.password-reset-requested", "password.reset_requested", "operator.password-reset", "password.reset",
        "operator.impersonation-started", "operator.impersonation-ended", "sign-in.succeeded", "sign-in.failed", "sign-in.locked",
        "sign-in.second-factor-locked", "sign-in.recovery-code-used", "sign-in.blocked", "api-token.created", "api-token.revoked",
        "group.created", "group.renamed", "group.moved", "group.deleted", "role.created", "role.edited", "role.deleted",
        "partner-kit.added", "partner-kit.deleted", "settings.security-changed", "settings.retention-changed", "settings.branding-changed",
        "settings.domains-changed", "settings.plans-changed", "settings.onboarding-changed", "settings.tasks-changed",
        "settings.logo-changed"
    ]

    /// The families of actions, as the filter names them.
    static let families: [(code: String, label: String)] = [
        ("account", "Anything on an account"), ("accounts", "The accounts list"), ("import", "CSV imports"), ("operator", "Anything on an operator"),
        ("sign-in", "Signing in"), ("password", "Password resets"), ("api-token", "API tokens"), ("group", "Groups"), ("role", "Roles"),
        ("partner-kit", "The partner kit"), ("settings", "Settings"),
    ]

    /// How the filter names one action: its sentence, with "Someone" acting.
    static func label(for action: String) -> String {
        let targetType = action.split(separator: ".").first.map(String.init) ?? ""
        let target: String
        switch targetType {
        case "account": target = "an account"
        case "operator", "api-token": target = "an operator"
        case "group": target = "a group"
        case "role": target = "a role"
        case "partner-kit": target = "an item"
        default: target = "something"
        }
        return AuditSentence(action: action, actor: "Someone", targetType: targetType, details: "").text(target: target, reading: .log)
    }

    static func parts(for action: String, actor: String, targetType: String, _ facts: AuditDetails) -> [Part]? {
        let who = Part.actor(actor)
        func say(_ parts: Part...) -> [Part] { [who] + parts }
        func words(_ text: String) -> Part { .words(text) }
        func say(_ lead: [Part], _ parts: Part...) -> [Part] { [who] + lead + parts }
        /// `words` then the quoted value, or `otherwise` when the entry does not hold it.
        func quoted(_ words: String, _ value: String?, else otherwise: String) -> [Part] {
            value.flatMap { $0.isEmpty ? nil : $0 }.map { [.words(words), .quoted($0)] } ?? [.words(otherwise)]
        }

        switch action {
        // MARK: Accounts
        case "account.created":
            if let origin = facts.takeProse() {
                if origin == "blank" { return say(words(" created "), .target) }
                if origin.hasPrefix("from the template ") {
                    return say(words(" created "), .target, words(" from the template "), .quoted(String(origin.dropFirst("from the template ".count))))
                }
                if origin.lowercased().hasPrefix("from ") { return say(words(" created "), .target, words(" " + origin)) }
                return say(words(" created "), .target, words(" (\(origin))"))
            }
            return say(words(" created "), .target)
        case "account.lock": _ = facts.takeChange("locked"); return say(words(" locked "), .target)
        case "account.unlock": _ = facts.takeChange("locked"); return say(words(" unlocked "), .target)
        case "account.enable-send-links":
            _ = facts.takeChange("send links")
            return say(words(" let "), .target, words(" send links without the screening of new accounts"))
        case "account.disable-send-links":
            _ = facts.takeChange("send links")
            return say(words(" turned link screening back on for "), .target)
        case "account.mark-secure": _ = facts.takeChange("secure"); return say(words(" marked "), .target, words(" secure"))
        case "account.unmark-secure": _ = facts.takeChange("secure"); return say(words(" removed secure from "), .target)
        case "account.set-template": _ = facts.takeChange("template"); return say(words(" made "), .target, words(" a template for new accounts"))
        case "account.unset-template": _ = facts.takeChange("template"); return say(words(" stopped "), .target, words(" being a template"))
        case "account.complete-setup": _ = facts.takeChange("setup"); return say(words(" marked the setup of "), .target, words(" as complete"))
        case "account.setup-completed":
            _ = facts.takeChange("setup")
            return say(words(" completed the last onboarding step, so the setup of "), .target, words(" is complete"))
        case "account.nickname-changed":
            guard let change = facts.takeChange("nickname") else { return say(words(" changed the nickname of "), .target) }
            switch (change.before, change.after) {
            case ("—", let after): return say(words(" gave "), .target, words(" the nickname "), .quoted(after))
            case (let before, "—"): return say(words(" removed the nickname "), .quoted(before), .place("from"))
            case (let before, let after): return say(words(" changed the nickname"), .place("of"), words(" from "), .quoted(before), words(" to "), .quoted(after))
            }
        case "account.assignments-changed":
            guard let change = facts.takeChange("assigned") else { return say(words(" changed the operators assigned to "), .target) }
            // The actor assigning themselves reads as such.
            let before = names(change.before).map { $0 == actor ? "themselves" : $0 }, after = names(change.after).map { $0 == actor ? "themselves" : $0 }
            let added = after.filter { !before.contains($0) }, removed = before.filter { !after.contains($0) }
            var parts = [who]
            if !added.isEmpty { parts += [words(" assigned "), words(list(added))] + [Part.place("to")] }
            if !removed.isEmpty { parts += [words(added.isEmpty ? " unassigned " : " and unassigned "), words(list(removed))] + (added.isEmpty ? [Part.place("from")] : []) }
            if added.isEmpty && removed.isEmpty { parts += [words(" changed the operators assigned to "), .target] }
            return parts
        case "account.moved":
            guard let change = facts.takeChange("group") else { return say(words(" moved "), .target, words(" to another group")) }
            let noGroup = ["no group", "top level", "(top level)", "—"]
            if noGroup.contains(change.before.lowercased()) { return say(words(" moved "), .target, words(" into \(change.after)")) }
            if noGroup.contains(change.after.lowercased()) { return say(words(" moved "), .target, words(" out of \(change.before)")) }
            return say(words(" moved "), .target, words(" from \(change.before) to \(change.after)"))
        case "account.details-changed": return say(words(" changed the details of "), .target)
        case "account.subscription-changed":
            if let plan = facts.takeChange("plan") {
                return plan.before == "—"
                    ? say(words(" put "), .target, words(" on the plan "), .quoted(plan.after))
                    : say(words(" moved "), .target, words(" from the plan "), .quoted(plan.before), words(" to "), .quoted(plan.after))
            }
            if let slots = facts.takeChange("staff slots") {
                return say(words(" changed the staff slots"), .place("of"), words(" from \(slots.before) to \(slots.after)"))
            }
            return say(words(" changed the subscription of "), .target)
        case "account.tag-added": return say(quoted(" added the tag ", facts.take("tag"), else: " added a tag"), .place("to"))
        case "account.tag-removed": return say(quoted(" removed the tag ", facts.take("tag"), else: " removed a tag"), .place("from"))
        case "account.note-added": return say(words(" added a note"), .place("to"))
        case "account.location-added":
            let location = facts.takeChange("location")?.after
            return location.map { say(words(" added the location "), .quoted($0), .place("to")) } ?? say(words(" added a location"), .place("to"))
        case "account.location-removed":
            let location = facts.takeChange("location")?.before
            return location.map { say(words(" removed the location "), .quoted($0), .place("from")) } ?? say(words(" removed a location"), .place("from"))
        case "account.owner-password-reset":
            let how = facts.takeProse()
            return say(words(" reset the password of the owner"), .place("of"), words(how.map { " with \($0)" } ?? ""))
        case "account.staff-added":
            let person = facts.takeChange("staff")?.after
            return say(words(" invited "), person.map { .quoted($0) } ?? words("a staff member"), words(" as staff"), .place("of"))
        case "account.staff-removed":
            let person = facts.takeChange("staff")?.before ?? facts.take("staff")
            return say(quoted(" removed the staff member ", person, else: " removed a staff member"), .place("from"))
        case "account.staff-invite-resent":
            let person = facts.take("staff")
            return say(words(" sent a new invitation to "), person.map { .quoted($0) } ?? words("a staff member"), .place("of"))
        case "account.login-as-started": return say(words(" logged in to "), .target)
        case "account.login-as-ended": return say(words(" ended their login to "), .target)
        case "account.support-access-granted":
            let until = facts.takeProse()
            return say(words(" granted support access to "), .target, words(until.map { " \($0)" } ?? ""))
        case "account.support-access-revoked": return say(words(" revoked support access to "), .target)
        case "account.onboarding-step-done":
            let step = facts.takeProse().map { $0.components(separatedBy: ", by ").first ?? $0 }
            return say(quoted(" completed the onboarding step ", step, else: " completed an onboarding step"), .place("of"))
        case "account.profile-changed": return say(words(" changed the business profile"), .place("of"))
        case "account.user-invite-accepted": return say(words(" accepted the invitation"), .place("to"), words(" and chose a password"))
        case "account.user-password-reset": return say(words(" chose a new password from a reset link"), .place("for"))
        case "account.user-password-changed": return say(words(" changed their password"), .place("for"))
        case "account.user-sign-in-failed": return say(words(" failed to sign in"), .place("to"))
        case "account.user-second-factor-locked": return say(words(" was locked out after too many wrong codes"), .place("from"))
        case "account.user-authenticator-added": return say(words(" set up an authenticator app"), .place("for"))
        case "account.user-authenticator-removed": return say(words(" removed their authenticator app"), .place("from"))
        case "account.user-recovery-codes-renewed": return say(words(" made new recovery codes"), .place("for"))
        case "account.user-recovery-code-used": return say(words(" signed in with a recovery code"), .place("to"))
        case "account.booking-added": return say(words(" added a booking"), .place("to"))
        case "account.booking-status-changed": return say(words(" changed the status of a booking"), .place("of"))
        case "account.payment-recorded": return say(words(" recorded a payment"), .place("for"))
        case "account.payment-status-changed": return say(words(" changed the status of a payment"), .place("of"))
        case "account.message-sent": return say(words(" replied to a customer"), .place("of"))
        case "account.announcement-sent": return say(words(" sent an announcement"), .place("from"))
        case "account.message-refused": return say(words(" was stopped from sending a message"), .place("from"))
        case "accounts.exported":
            let filter = facts.takeProse()
            return say(words(filter.map { _ in " exported the client accounts matching a filter as CSV" } ?? " exported every client account as CSV"))
        case "account.template-changed": return say(words(" changed the template "), .target)
        case "account.template-push-started": return say(words(" started pushing the template "), .target, words(" to the accounts made from it"))
        case "account.template-push-finished": return say(words(" finished pushing the template "), .target)
        case "account.template-pushed": return say(words(" pushed its template's changes to "), .target)
        case "account.template-detached": return say(words(" detached "), .target, words(" from its template"))
        case "import.started": return say(words(" started importing "), .target)
        case "import.finished": return say(words(" finished importing "), .target)

        // MARK: Operators and signing in
        case "operator.created": return say(words(" created "), .target, words(facts.takeProse().map { " (\($0))" } ?? ""))
        case "operator.invited": return say(words(" invited "), .target)
        case "operator.invite-resent": return say(words(" sent a new invitation to "), .target)
        case "operator.invite-accepted": return say(words(" accepted their invitation and chose a password"))
        case "operator.edited": return say(words(" changed the details of "), .target)
        case "operator.notifications-changed": return say(words(" changed the notification preferences of "), .target)
        case "operator.blocked": return say(words(" blocked "), .target)
        case "operator.unblocked": return say(words(" unblocked "), .target)
        case "operator.removed": return say(words(" removed "), .target)
        case "operator.grants-changed": return say(words(" changed the roles of "), .target)
        case "operator.second-factor-reset": return say(words(" reset the two-step sign-in of "), .target)
        case "operator.second-factor-enrolled":
            let method = facts.take("method")
            return say(words(" set up two-step sign-in" + (method.map { " with \($0.lowercased())" } ?? "")))
        case "operator.recovery-codes-replaced": return say(words(" made new recovery codes"))
        case "operator.password-changed": return say(words(" changed their password"))
        case "operator.password-confirmation-failed": return say(words(" entered a wrong password to confirm an action"))
        case "operator.password-reset-sent": return say(words(" sent a password reset link to "), .target)
        case "operator.password-reset-requested", "password.reset_requested", "password.reset-requested":
            return say(words(" asked for a password reset link"))
        case "operator.password-reset", "password.reset": return say(words(" chose a new password from a reset link"))
        case "operator.impersonation-started": return say(words(" logged in as "), .target)
        case "operator.impersonation-ended":
            return say(words(" signed out as "), .target)
        case "sign-in.succeeded": return say(words(" signed in"))
        case "sign-in.failed": return say(words(" failed to sign in"))
        case "sign-in.locked": return say(words(" was stopped from signing in after too many wrong codes"))
        case "sign-in.second-factor-locked": return say(words(" had two-step sign-in locked after too many wrong codes"))
        case "sign-in.recovery-code-used": return say(words(" signed in with a recovery code"))
        case "sign-in.blocked", "sign-in.refused-blocked": return say(words(" tried to sign in while their access is blocked"))
        case "api-token.created": return say(words(" created an API token for "), .target)
        case "api-token.revoked": return say(words(" revoked an API token of "), .target)

        // MARK: The partner's set-up
        case "group.created":
            let parent = facts.take("parent")
            return say(words(" created the group "), .target, words(parent.map { isTop($0) ? " at the top level" : " under \($0)" } ?? ""))
        case "group.renamed":
            guard let change = facts.takeChange("name") else { return say(words(" renamed the group "), .target) }
            return say(words(" renamed the group "), .quoted(change.before), words(" to "), .quoted(change.after))
        case "group.moved":
            guard let change = facts.takeChange("parent") else { return say(words(" moved the group "), .target) }
            return say(words(" moved the group "), .target, words(isTop(change.after) ? " to the top level" : " under \(change.after)"))
        case "group.deleted":
            // "moved 3 accounts and 1 subgroup to South", when the group was not empty.
            let moved = facts.takeProse().flatMap { $0.hasPrefix("moved ") ? $0 : nil }
            return say(words(" deleted the group "), .target, words(moved.map { " and \($0)" } ?? ""))
        case "role.created": return say(words(" created the role "), .target)
        case "role.edited": return say(words(" changed the role "), .target)
        case "role.deleted": return say(words(" deleted the role "), .target)
        case "partner-kit.added": return say(words(" added "), .target, words(" to the partner kit"))
        case "partner-kit.deleted": return say(words(" removed "), .target, words(" from the partner kit"))
        case "settings.security-changed": return say(words(" changed the sign-in and security settings"), .place("for"))
        case "settings.retention-changed": return say(words(" changed how long account history is kept"), .place("for"))
        case "settings.branding-changed": return say(words(" changed the brand"), .place("for"))
        case "settings.domains-changed": return say(words(" changed the domains"), .place("for"))
        case "settings.plans-changed": return say(words(" changed the plans"), .place("for"))
        case "settings.onboarding-changed": return say(words(" changed the onboarding steps"), .place("for"))
        case "settings.tasks-changed": return say(words(" changed when accounts and invites become tasks"), .place("for"))
        case "settings.logo-changed": return say(words(" changed the logo"), .place("for"))
        default:
            return bulk(action, who: who)
        }
    }

    /// Actions applied to many accounts at once: "accounts.bulk-lock", "accounts.bulk-tag-added".
    private static func bulk(_ action: String, who: Part) -> [Part]? {
        guard action.hasPrefix("accounts.bulk-") || action.hasPrefix("account.bulk-") else { return nil }
        let verb = action.components(separatedBy: ".bulk-").last ?? ""
        let phrases: [String: String] = [
            "tag": " tagged accounts together", "tag-added": " tagged accounts together", "untag": " removed a tag from accounts together",
            "tag-removed": " removed a tag from accounts together", "assign": " assigned accounts together", "unassign": " unassigned accounts together",
            "move": " moved accounts to a group together", "lock": " locked accounts together", "unlock": " unlocked accounts together",
        ]
        return phrases[verb].map { [who, .words($0)] }
    }

    /// A readable sentence for an action without words of its own: "Maya made a change to
    /// Blue Bakery: bulk retag", never the code alone.
    static func fallback(_ action: String, actor: String, targetType: String) -> [Part] {
        let pieces = action.split(separator: ".", maxSplits: 1).map(String.init)
        let what = (pieces.count == 2 ? pieces[1] : action)
            .replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: ".", with: " ")
            .trimmingCharacters(in: .whitespaces)
        let hasTarget = ["account", "operator", "group", "role", "partner-kit-item", "partner"].contains(targetType)
        return [.actor(actor), .words(" made a change")] + (hasTarget ? [.place("to")] : []) + [.words(what.isEmpty ? "" : ": \(what)")]
    }

    private static func isTop(_ group: String) -> Bool {
        ["(top level)", "top level", "—", "no group"].contains(group.lowercased())
    }

    private static func names(_ list: String) -> [String] {
        list == "—" ? [] : list.components(separatedBy: ", ")
    }

    /// "Ann", "Ann and Bo", "Ann, Bo and Cy".
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }
}
