/// The permission catalogue (PRODUCT.md §3). Raw values are the codes used in the API,
/// the roles matrix and its CSV.
public enum Permission: String, CaseIterable, Codable, Sendable, Comparable {
    // Partner-level
    case portalLogin = "portal.login"
    case notificationsReceive = "notifications.receive"
    case partnerKitView = "partnerKit.view"
    case partnerKitManage = "partnerKit.manage"
    case accountsCreate = "accounts.create"
    case accountsCreateFromTemplate = "accounts.createFromTemplate"
    case accountsExport = "accounts.export"
    case accountsImport = "accounts.import"
    case operatorsView = "operators.view"
    case operatorsInvite = "operators.invite"
    case operatorsEdit = "operators.edit"
    case operatorsBlock = "operators.block"
    case operatorsRemove = "operators.remove"
    case operatorsImpersonate = "operators.impersonate"
    case operatorsManageAdmins = "operators.manageAdmins"
    case rolesManage = "roles.manage"
    case groupsManage = "groups.manage"
    case auditView = "audit.view"
    case settingsManage = "settings.manage"
    case apiTokensManage = "apiTokens.manage"
    // Account-level
    case accountView = "account.view"
    case accountActivityView = "account.activity.view"
    case accountHistoryView = "account.history.view"
    case accountEdit = "account.edit"
    case accountTagsEdit = "account.tags.edit"
    case accountNotesEdit = "account.notes.edit"
    case accountSubscriptionEdit = "account.subscription.edit"
    case accountStaffManage = "account.staff.manage"
    case accountImpersonate = "account.impersonate"
    case accountPasswordReset = "account.password.reset"
    case accountLock = "account.lock"
    case accountSendLinksEnable = "account.sendLinks.enable"
    case accountSecureSet = "account.secure.set"
    case accountNicknameEdit = "account.nickname.edit"
    case accountAssignmentsEdit = "account.assignments.edit"
    case accountTemplateSet = "account.template.set"
    case accountSetupComplete = "account.setup.complete"
    case accountBrandingEdit = "account.branding.edit"
    case accountWidgetsManage = "account.widgets.manage"
    case accountMessagesRead = "account.messages.read"
    case accountMessagesReply = "account.messages.reply"

    /// Whether the permission acts on one client account (and so is subject to scope and
    /// to the secure, locked and setup rules) rather than on the partner as a whole.
    public var isAccountLevel: Bool { rawValue.hasPrefix("account.") }

    public static var partnerLevel: [Permission] { allCases.filter { !$0.isAccountLevel } }
    public static var accountLevel: [Permission] { allCases.filter(\.isAccountLevel) }

    public static func < (lhs: Permission, rhs: Permission) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// A short human name for lists and the roles matrix.
    public var title: String {
        switch self {
        case .portalLogin: "Sign in to the portal"
        case .notificationsReceive: "Receive notification digests"
        case .partnerKitView: "View the partner kit"
        case .partnerKitManage: "Manage the partner kit"
        case .accountsCreate: "Create accounts"
        case .accountsCreateFromTemplate: "Create accounts from a template"
        case .accountsExport: "Export accounts"
        case .accountsImport: "Import accounts"
        case .operatorsView: "View operators"
        case .operatorsInvite: "Invite operators"
        case .operatorsEdit: "Edit operators"
        case .operatorsBlock: "Block and unblock operators"
        case .operatorsRemove: "Remove operators"
        case .operatorsImpersonate: "Log in as another operator"
        case .operatorsManageAdmins: "Manage admins"
        case .rolesManage: "Manage roles"
        case .groupsManage: "Manage groups"
        case .auditView: "View the audit log"
        case .settingsManage: "Manage settings"
        case .apiTokensManage: "Manage API tokens"
        case .accountView: "View the account"
        case .accountActivityView: "View activity"
        case .accountHistoryView: "View history"
        case .accountEdit: "Edit business information"
        case .accountTagsEdit: "Edit tags"
        case .accountNotesEdit: "Write notes"
        case .accountSubscriptionEdit: "Change the subscription"
        case .accountStaffManage: "Manage staff"
        case .accountImpersonate: "Log in as the account"
        case .accountPasswordReset: "Reset the owner's password"
        case .accountLock: "Lock and unlock"
        case .accountSendLinksEnable: "Enable send links"
        case .accountSecureSet: "Mark secure"
        case .accountNicknameEdit: "Set the nickname"
        case .accountAssignmentsEdit: "Assign operators"
        case .accountTemplateSet: "Set as template"
        case .accountSetupComplete: "Mark setup as complete"
        case .accountBrandingEdit: "Edit branding"
        case .accountWidgetsManage: "Manage widgets"
        case .accountMessagesRead: "Read messages"
        case .accountMessagesReply: "Reply to messages"
        }
    }
}
