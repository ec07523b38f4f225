import Foundation

/// A kind of outstanding work on the Tasks page, on Home and in the API. The first five are
/// the digest categories of the notification preferences (the same codes as
/// `NotificationPreferences.Category`); the last is shown on the page and in the API only.
enum TaskCategory: String, CaseIterable, Sendable, Hashable {
    case stuckInSetup = "stuck-in-setup"
    case inactiveAccounts = "inactive-accounts"
    case newAssignments = "new-assignments"
    case pendingInvites = "pending-invites"
    case lockedAccounts = "locked-accounts"
    case screeningEnding = "screening-ending"

    /// What a task is about: the access layer decides who sees each kind.
    enum Subject: Sendable, Equatable {
        case accounts
        case operators
    }

    var subject: Subject { self == .pendingInvites ? .operators : .accounts }

    var title: String {
        switch self {
        case .stuckInSetup: "Stuck in setup"
        case .inactiveAccounts: "Inactive accounts"
        case .newAssignments: "Newly assigned to you"
        case .pendingInvites: "Pending invites"
        case .lockedAccounts: "Locked accounts"
        case .screeningEnding: "Link screening ends this week"
        }
    }

    /// The rule, in the words the page shows beside the list.
    func rule(_ thresholds: TaskThresholds) -> String {
        switch self {
        case .stuckInSetup: "Created more than \(thresholds.stuckInSetupDays) days ago and still in setup."
        case .inactiveAccounts: "No activity in the last \(thresholds.inactiveDays) days (or never, and created more than \(thresholds.inactiveDays) days ago)."
        case .newAssignments: "Assigned to you in the last \(thresholds.newAssignmentDays) days."
        case .pendingInvites: "Invited more than \(thresholds.pendingInviteDays) days ago and not accepted yet."
        case .lockedAccounts: "Owner and staff cannot sign in until the account is unlocked."
        case .screeningEnding: "Their first \(thresholds.screeningDays) days end within \(thresholds.screeningNoticeDays) days, and sending links is not enabled."
        }
    }

    /// What the time shown on each row is.
    var timeLabel: String {
        switch self {
        case .stuckInSetup: "Created"
        case .inactiveAccounts, .lockedAccounts: "Last activity"
        case .newAssignments: "Assigned"
        case .pendingInvites: "Invited"
        case .screeningEnding: "Screening ends"
        }
    }
}

/// When work becomes a task, in days. Each partner sets its own in Settings → Tasks
/// (`init(partner:)`); `standard` is where a new partner starts, and what the queries use when
/// they are given none.
struct TaskThresholds: Sendable, Hashable {
    var stuckInSetupDays = 14
    var inactiveDays = 30
    var newAssignmentDays = 7
    var pendingInviteDays = 3
    /// A new account's link screening lasts this long (`MessageScreening.period`)…
    var screeningDays = Int(MessageScreening.period / 86_400)
    /// …and is a task once it ends within this many days.
    var screeningNoticeDays = 7

    static let standard = TaskThresholds()

    static func days(_ count: Int) -> TimeInterval { TimeInterval(count) * 86_400 }
}

extension TaskThresholds {
    /// The partner's own thresholds (the screening period itself is the product's, not theirs).
    init(partner: Partner) {
        self.init(stuckInSetupDays: partner.taskStuckInSetupDays, inactiveDays: partner.taskInactiveDays,
                  newAssignmentDays: partner.taskNewAssignmentDays, pendingInviteDays: partner.taskPendingInviteDays,
                  screeningNoticeDays: partner.taskScreeningNoticeDays)
    }
}
