import Foundation

/// How often an operator gets the digest of outstanding tasks, and which kinds (seed 002).
/// No category at all means no digest.
struct NotificationPreferences: Sendable, Equatable {
    enum Frequency: String, Sendable, CaseIterable {
        case daily
        /// Monday morning, in the operator's time zone.
        case weekly
    }

    enum Category: String, Sendable, CaseIterable {
        case stuckInSetup = "stuck-in-setup"
        case inactiveAccounts = "inactive-accounts"
        case newAssignments = "new-assignments"
        case pendingInvites = "pending-invites"
        case lockedAccounts = "locked-accounts"

        var title: String {
            switch self {
            case .stuckInSetup: "Accounts stuck in setup"
            case .inactiveAccounts: "Inactive accounts"
            case .newAssignments: "New assignments"
            case .pendingInvites: "Pending invites"
            case .lockedAccounts: "Locked accounts"
            }
        }
    }

    var frequency: Frequency
    var categories: Set<Category>

    static let `default` = NotificationPreferences(frequency: .daily, categories: Set(Category.allCases))

    /// Stored as "daily|stuck-in-setup,locked-accounts".
    var stored: String {
        frequency.rawValue + "|" + Category.allCases.filter(categories.contains).map(\.rawValue).joined(separator: ",")
    }

    init(frequency: Frequency, categories: Set<Category>) {
        self.frequency = frequency
        self.categories = categories
    }

    init(stored: String) {
        let parts = stored.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        frequency = Frequency(rawValue: parts.first ?? "") ?? .daily
        categories = Set((parts.count > 1 ? parts[1] : "").split(separator: ",").compactMap { Category(rawValue: String($0)) })
    }
}

extension NotificationPreferences {
    /// From a form: an unknown frequency means daily, unknown categories are ignored.
    init(form frequency: String?, categories: [String]?) {
        self.init(frequency: frequency.flatMap(Frequency.init(rawValue:)) ?? .daily,
                  categories: Set((categories ?? []).compactMap(Category.init(rawValue:))))
    }
}
