import Foundation

/// The text of a digest: a subject that counts each chosen category, and a plain-text body
/// with up to `rowsPerCategory` rows each, every row an absolute link, then the links to the
/// Tasks page, the preferences and the unsubscribe link. Names come from anyone who can type
/// one: CR, LF and every other control character is flattened to a space, so no name starts
/// a line of its own or a header.
enum DigestEmail {
    static let rowsPerCategory = 10

    struct Row: Sendable, Equatable {
        let label: String
        let link: SiteURL
    }

    struct Section: Sendable, Equatable {
        let category: NotificationPreferences.Category
        let total: Int
        let rows: [Row]
    }

    struct Model: Sendable, Equatable {
        let partnerName: String
        let operatorName: String
        let frequency: NotificationPreferences.Frequency
        /// "Monday 30 March": the day (daily) or the week's Monday (weekly).
        let day: String
        let sections: [Section]
        /// "https://portal.partner.com", without a trailing slash.
        let baseURL: String
        let unsubscribe: SiteURL
    }

    static func subject(_ model: Model) -> String {
        let when = model.frequency == .weekly ? "the week of \(model.day)" : model.day
        let counts = model.sections.map { count($0.total, $0.category) }.joined(separator: ", ")
        return flattened("Your tasks for \(when): \(counts)")
    }

    static func body(_ model: Model) -> String {
        let base = model.baseURL
        var lines = ["Hello \(flattened(model.operatorName)),", ""]
        let period = model.frequency == .weekly ? "this week" : "today"
        lines.append("Here is your outstanding work in the \(flattened(Emails.portal(model.partnerName))) \(period) (\(model.day)).")
        for section in model.sections {
            lines.append("")
            lines.append("\(section.category.title) (\(section.total))")
            for row in section.rows.prefix(rowsPerCategory) {
                lines.append("- \(flattened(row.label)): \(base)\(row.link.path)")
            }
            let more = section.total - min(section.rows.count, rowsPerCategory)
            if more > 0 {
                lines.append("  and \(more) more: \(base)\(SiteURL.tasks.path)#\(section.category.rawValue)")
            }
        }
        lines += [
            "",
            "All your tasks: \(base)\(SiteURL.tasks.path)",
            "",
            "Choose which tasks you receive, and how often: \(base)\(SiteURL.profile.path)",
            "Stop receiving these emails: \(base)\(model.unsubscribe.path)",
        ]
        return lines.joined(separator: "\n")
    }

    /// RFC 2369 and RFC 8058: one-click unsubscribe by the mail client.
    static func headers(_ model: Model) -> [MailHeader] {
        [MailHeader(name: "List-Unsubscribe", value: "<\(model.baseURL)\(model.unsubscribe.path)>"),
         MailHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")].compactMap { $0 }
    }

    /// "3 accounts stuck in setup", "1 pending invite".
    static func count(_ n: Int, _ category: NotificationPreferences.Category) -> String {
        let one = n == 1
        return switch category {
        case .stuckInSetup: "\(n) \(one ? "account" : "accounts") stuck in setup"
        case .inactiveAccounts: "\(n) inactive \(one ? "account" : "accounts")"
        case .newAssignments: "\(n) new \(one ? "assignment" : "assignments")"
        case .pendingInvites: "\(n) pending \(one ? "invite" : "invites")"
        case .lockedAccounts: "\(n) locked \(one ? "account" : "accounts")"
        }
    }

    /// Control characters and the Unicode line separators (`LogSanitizer.needsEscape`) become
    /// spaces; the bidirectional formatting characters go, so that a name cannot turn the rest
    /// of its line (the link beside it) around.
    static func flattened(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.compactMap { scalar -> Unicode.Scalar? in
            if isBidiControl(scalar) { return nil }
            return LogSanitizer.needsEscape(scalar) ? " " : scalar
        }))
    }

    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        [0x200E, 0x200F, 0x061C].contains(scalar.value) || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}
