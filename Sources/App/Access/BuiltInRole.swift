/// A role that ships with the product (PRODUCT.md §3, "the permissions spreadsheet").
/// Built-in roles cannot be edited or deleted; their codes are stable.
public struct BuiltInRole: Sendable, Hashable {
    public let code: String
    public let name: String
    public let description: String
    public let permissions: Set<Permission>
    /// Permissions the role holds on an account only while that account is still in setup.
    public let whileInSetup: Set<Permission>
    public let secureClearance: Bool

    /// Everything a role that can sign in holds in addition to its own list.
    static let signInBasics: Set<Permission> = [.portalLogin, .notificationsReceive]

    private static func role(
        _ code: String, _ name: String, _ description: String,
        _ permissions: Set<Permission>, whileInSetup: Set<Permission> = [], canSignIn: Bool = true
    ) -> BuiltInRole {
        BuiltInRole(
            code: code, name: name, description: description,
            permissions: canSignIn ? permissions.union(signInBasics) : permissions,
            whileInSetup: whileInSetup, secureClearance: false
        )
    }

    /// The roles without their secure twins, in the order the matrix shows them.
    public static let base: [BuiltInRole] = [
        role("admin", "Admin", "Full access to every feature, operator, account and setting.", Set(Permission.allCases)),
        role("system-manager", "System Manager", "Broad control over operators and accounts, except admins.",
             Set(Permission.allCases).subtracting([.operatorsManageAdmins])),
        role("support", "Support", "Day-to-day support: logs in as accounts, resets passwords, reads history.",
             [.accountView, .accountActivityView, .accountHistoryView, .accountNotesEdit, .accountImpersonate,
              .accountPasswordReset, .accountSetupComplete, .accountMessagesRead]),
        role("web-consultant", "Web Consultant", "Helps accounts with their website and widget implementation.",
             [.accountView, .accountActivityView, .accountEdit, .accountImpersonate, .accountWidgetsManage,
              .accountBrandingEdit, .accountSetupComplete]),
        role("campaign-manager", "Campaign Manager", "Marketing work: tags, notes and templates.",
             [.accountsCreateFromTemplate, .accountsExport, .partnerKitView, .accountView, .accountActivityView,
              .accountTagsEdit, .accountNotesEdit, .accountTemplateSet]),
        role("designer", "Designer", "Branding changes, tags and templates.",
             [.accountView, .accountImpersonate, .accountBrandingEdit, .accountTagsEdit, .accountTemplateSet]),
        role("sales", "Sales", "Sets up new accounts; loses edit and log-in once setup is completed.",
             [.accountsCreate, .accountsCreateFromTemplate, .accountView, .accountNotesEdit],
             whileInSetup: [.accountEdit, .accountImpersonate]),
        role("account-manager", "Account Manager", "Looks after the accounts assigned to them.",
             [.accountView, .accountActivityView, .accountHistoryView, .accountEdit, .accountTagsEdit,
              .accountNotesEdit, .accountImpersonate, .accountPasswordReset, .accountStaffManage,
              .accountSetupComplete, .accountMessagesRead, .accountMessagesReply]),
        role("account-admin", "Account Admin", "Runs a group: creates accounts and operators inside it.",
             Set([.accountsCreate, .operatorsView, .operatorsInvite, .operatorsEdit, .operatorsRemove] as [Permission])
                .union(Permission.accountLevel).subtracting([.accountSecureSet, .accountSubscriptionEdit])),
        role("viewer", "Viewer", "Read-only access to accounts, without messages.",
             [.accountView, .accountActivityView, .accountHistoryView]),
        role("messaging-agent", "Messaging Agent", "Reads and replies to account messages.",
             [.accountView, .accountMessagesRead, .accountMessagesReply]),
        role("marketing", "Marketing", "The partner kit only: no customer data.", [.partnerKitView]),
        role("notifications", "Notifications", "Receives digests; cannot sign in.", [.notificationsReceive], canSignIn: false),
    ]

    /// Every built-in role: each base role followed by its "… Secure" twin when it has
    /// account permissions.
    public static let all: [BuiltInRole] = base.flatMap { role -> [BuiltInRole] in
        guard role.permissions.union(role.whileInSetup).contains(where: \.isAccountLevel) else { return [role] }
        let twin = BuiltInRole(
            code: role.code + "-secure", name: role.name + " Secure",
            description: role.description + " Also acts on secure accounts.",
            permissions: role.permissions, whileInSetup: role.whileInSetup, secureClearance: true
        )
        return [role, twin]
    }

    private static let byCode: [String: BuiltInRole] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    public static func named(_ code: String) -> BuiltInRole? { byCode[code] }

    /// Whether this is Admin or its secure twin.
    public var isAdmin: Bool { code == "admin" || code == "admin-secure" }
}
