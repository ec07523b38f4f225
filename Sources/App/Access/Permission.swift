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

    /// One bit per permission, in catalogue order (41 of 64 used).
    private static let bits: [Permission: UInt64] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($0.element, UInt64(1) << UInt64($0.offset)) })

    var bit: UInt64 { Self.bits[self] ?? 0 }

    static func mask(_ permissions: Set<Permission>) -> UInt64 {
        permissions.reduce(0) { $0 | $1.bit }
    }

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

    /// What the permission allows, in a sentence.
    public var summary: String {
        switch self {
        case .portalLogin: "Sign in to this operator portal."
        case .notificationsReceive: "Receive the daily or weekly digest of outstanding tasks."
        case .partnerKitView: "Open the partner kit of marketing materials."
        case .partnerKitManage: "Add, change and remove partner kit materials."
        case .accountsCreate: "Create new client accounts (inside the grant's group when group-scoped)."
        case .accountsCreateFromTemplate: "Create client accounts from a template account."
        case .accountsExport: "Download the client accounts list as CSV."
        case .accountsImport: "Import client accounts in bulk."
        case .operatorsView: "See the operators list and each operator's roles."
        case .operatorsInvite: "Invite new operators by email."
        case .operatorsEdit: "Change operators' names, emails, phones and roles."
        case .operatorsBlock: "Block and unblock operators; a blocked operator is signed out at once."
        case .operatorsRemove: "Remove operators from the portal."
        case .operatorsImpersonate: "Log in as another operator to see what they see."
        case .operatorsManageAdmins: "Act on operators who hold Admin, and grant Admin."
        case .rolesManage: "Create, change and delete custom roles."
        case .groupsManage: "Create, rename, move and delete groups."
        case .auditView: "Read the partner-wide audit log."
        case .settingsManage: "Change branding, security policy, plans, onboarding steps and retention."
        case .apiTokensManage: "See and revoke every operator's API tokens; everyone who may sign in manages their own."
        case .accountView: "See the account and its business information."
        case .accountActivityView: "See bookings, payments, onboarding progress and sites."
        case .accountHistoryView: "Read the history of operator actions on the account."
        case .accountEdit: "Change the account's business information."
        case .accountTagsEdit: "Add and remove the account's tags."
        case .accountNotesEdit: "Write internal notes on the account."
        case .accountSubscriptionEdit: "Change the account's plan and staff slots."
        case .accountStaffManage: "Add, change and remove the account's staff."
        case .accountImpersonate: "Log in to the account as its owner or a staff member."
        case .accountPasswordReset: "Reset the account owner's password."
        case .accountLock: "Lock and unlock the account."
        case .accountSendLinksEnable: "Let a new account send external links before its screening ends."
        case .accountSecureSet: "Mark the account secure, or clear the mark."
        case .accountNicknameEdit: "Set the account's nickname (its business page address)."
        case .accountAssignmentsEdit: "Assign operators to the account."
        case .accountTemplateSet: "Make the account a template for new accounts."
        case .accountSetupComplete: "Mark the account's setup as complete."
        case .accountBrandingEdit: "Change the account's branding."
        case .accountWidgetsManage: "Set up the account's website widgets."
        case .accountMessagesRead: "Read the account's messages."
        case .accountMessagesReply: "Reply to the account's messages."
        }
    }
}
