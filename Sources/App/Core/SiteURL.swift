import Vapor

/// Every page of the portal, used both to register routes and to build links, so that a
/// link cannot point at a route that does not exist.
enum SiteURL: Equatable, Sendable {
    case home
    /// The signed-in operator's outstanding work.
    case tasks
    case signIn
    case signOut
    case signInCode
    /// An operator asks for a password-reset link.
    case forgotPassword
    case accounts
    case newAccount
    case account(uid: String)
    case accountAction(uid: String, action: AccountRoute)
    case signInCodeResend
    case signInEnrol
    case profileSecondFactor
    case signOutAs
    case setup(token: String)
    case stylesheet
    /// The tab icon in the partner's colour; `version` (its digest) makes a new icon a new address.
    case favicon(version: String?)
    /// The icon's old address, which browsers ask for on their own.
    case faviconICO
    /// The script that fills a time-zone field from the browser's own zone.
    case timeZoneScript
    case healthz
    case readyz
    case roles
    case rolesMatrixCSV
    case newRole(from: String?)
    case role(id: String)
    case editRole(id: String)
    case deleteRole(id: String)
    case groups
    case devMailbox
    /// The public business page, by nickname or, without one, by Business UID.
    case businessPage(key: String)
    case businessPageBooking(key: String)
    case businessPageContact(key: String)
    /// The embeddable widget script, and the ping it sends from the embedding page.
    case widgetScript(uid: String)
    case widgetSeen(uid: String)
    case profile
    case profileEmail
    case profileNotifications
    case profilePassword
    case operators
    case newOperator
    case operatorDetail(id: String)
    case operatorAction(id: String, action: OperatorAction)
    case renameGroup(id: String)
    case moveGroup(id: String)
    case deleteGroup(id: String)
    case partnerKit
    case partnerKitLinks
    case partnerKitFiles
    case partnerKitFile(id: String)
    case deletePartnerKitItem(id: String)
    case accountUserSetup(token: String)
    case workspace
    case workspaceSignIn
    case workspaceSignOut
    case workspacePassword
    case workspaceForgot
    case workspaceOnboarding
    case workspaceProfile
    case workspaceStaff
    case workspaceStaffRemove
    case workspaceStaffResend
    case accountLoginAs(uid: String)
    case accountStaffLoginAs(uid: String, userID: String)
    case workspaceLoginLink(token: String)
    case workspaceSignOutAs
    case workspaceSupportAccess
    case workspaceSupportAccessRevoke
    case accountsExport
    case accountsBulk
    /// CSV imports: the upload form of each kind, the upload, an import's page (its mapping,
    /// check, progress and results), its mapping, its start and its report.
    case newImport(ImportKind)
    /// A template's push page (and the push it starts), its contents, a push's progress, and
    /// an account's "detach from its template".
    case templatePush(uid: String)
    case templateContent(uid: String)
    case templatePushProgress(id: String)
    case detachTemplate(uid: String)
    case imports
    case importDetail(id: String)
    case importMapping(id: String)
    case importStart(id: String)
    case importReport(id: String)
    /// A bulk change running in the background: its progress, for the operator who started it.
    case bulkOperation(id: String)
    case audit
    case auditExport
    case workspaceMessages
    case workspaceConversation(id: String)
    case workspaceConversationReply(id: String)
    case workspaceAnnouncements
    case accountConversation(uid: String, id: String)
    case accountConversationReply(uid: String, id: String)
    case workspaceBookings
    case workspacePastBookings
    case workspaceBookingStatus(id: String)
    case workspacePayments
    case workspacePaymentStatus(id: String)
    case workspaceSecurity
    case workspaceAuthenticator
    case workspaceAuthenticatorConfirm
    case workspaceAuthenticatorRemove
    case workspaceRecoveryCodes
    /// The recovery codes just shown, as a text file (operators' and the workspace's).
    case profileRecoveryCodesFile
    case workspaceRecoveryCodesFile
    /// The script behind the Copy buttons.
    case copyScript
    case bulkProgressScript
    /// The accounts list's group and assignee filters: a page of every choice (it works
    /// without a script) and the suggestions its type-ahead asks for; and the type-ahead's script.
    case accountsGroupChoices
    case operatorsGroupChoices
    case accountsAssigneeChoices
    case groupSuggestions
    case assigneeSuggestions
    case filterPickerScript
    case workspaceSignInCode
    /// The partner's settings, and the form of each section.
    case settings
    case settingsSection(PartnerSettings.Section)
    case settingsDomainRemove
    /// The background jobs and the partner's outbox backlog.
    case operations
    /// The partner's uploaded logo; `version` (its digest) makes a new logo a new address.
    case brandLogo(version: String?)
    /// A digest's unsubscribe link: the confirmation page (GET) and the one-click unsubscribe (POST).
    case unsubscribe(token: String)
    /// The signed-in operator's API tokens, and every operator's for those who manage them.
    case apiTokens
    case revokeAPIToken(id: String)

    var path: String {
        switch self {
        case .home: "/"
        case .tasks: "/tasks"
        case .signIn: "/sign-in"
        case .signOut: "/sign-out"
        case .signInCode: "/sign-in/code"
        case .forgotPassword: "/forgot-password"
        case .accounts: "/accounts"
        case .newAccount: "/accounts/new"
        case .account(let uid): "/accounts/\(uid)"
        case .accountAction(let uid, let action): "/accounts/\(uid)/\(action.pathComponent)"
        case .signInCodeResend: "/sign-in/code/resend"
        case .signInEnrol: "/sign-in/enrol"
        case .profileSecondFactor: "/profile/second-factor"
        case .signOutAs: "/sign-out-as"
        case .setup(let token): "/setup/\(token)"
        case .stylesheet: "/assets/portal.css"
        case .favicon(let version): version.map { "/favicon.svg?v=\($0)" } ?? "/favicon.svg"
        case .faviconICO: "/favicon.ico"
        case .timeZoneScript: "/assets/time-zone.js"
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .roles: "/roles"
        case .rolesMatrixCSV: "/roles/matrix.csv"
        case .newRole(let from): from.map { "/roles/new?from=\($0)" } ?? "/roles/new"
        case .role(let id): "/roles/\(id)"
        case .editRole(let id): "/roles/\(id)/edit"
        case .deleteRole(let id): "/roles/\(id)/delete"
        case .groups: "/groups"
        case .devMailbox: "/dev/mailbox"
        case .businessPage(let key): "/b/\(key)"
        case .businessPageBooking(let key): "/b/\(key)/booking"
        case .businessPageContact(let key): "/b/\(key)/contact"
        case .widgetScript(let uid): "/w/\(uid).js"
        case .widgetSeen(let uid): "/w/\(uid)/seen"
        case .profile: "/profile"
        case .profileEmail: "/profile/email"
        case .profileNotifications: "/profile/notifications"
        case .profilePassword: "/profile/password"
        case .operators: "/operators"
        case .newOperator: "/operators/new"
        case .operatorDetail(let id): "/operators/\(id)"
        case .operatorAction(let id, let action): "/operators/\(id)/\(action.rawValue)"
        case .renameGroup(let id): "/groups/\(id)/rename"
        case .moveGroup(let id): "/groups/\(id)/move"
        case .deleteGroup(let id): "/groups/\(id)/delete"
        case .partnerKit: "/partner-kit"
        case .partnerKitLinks: "/partner-kit/links"
        case .partnerKitFiles: "/partner-kit/files"
        case .partnerKitFile(let id): "/partner-kit/\(id)/file"
        case .deletePartnerKitItem(let id): "/partner-kit/\(id)/delete"
        case .accountUserSetup(let token): "/app/setup/\(token)"
        case .workspace: "/app"
        case .workspaceSignIn: "/app/sign-in"
        case .workspaceSignOut: "/app/sign-out"
        case .workspacePassword: "/app/password"
        case .workspaceForgot: "/app/forgot-password"
        case .workspaceOnboarding: "/app/onboarding"
        case .workspaceProfile: "/app/profile"
        case .workspaceStaff: "/app/staff"
        case .workspaceStaffRemove: "/app/staff/remove"
        case .workspaceStaffResend: "/app/staff/resend"
        case .accountLoginAs(let uid): "/accounts/\(uid)/login-as"
        case .accountStaffLoginAs(let uid, let userID): "/accounts/\(uid)/staff/\(userID)/login-as"
        case .workspaceLoginLink(let token): "/app/login-as/\(token)"
        case .workspaceSignOutAs: "/app/sign-out-as"
        case .workspaceSupportAccess: "/app/support-access"
        case .workspaceSupportAccessRevoke: "/app/support-access/revoke"
        case .accountsExport: "/accounts/export.csv"
        case .accountsBulk: "/accounts/bulk"
        case .newImport(let kind): kind == .accounts ? "/accounts/import" : "/operators/import"
        case .imports: "/imports"
        case .templatePush(let uid): "/accounts/\(uid)/push"
        case .templateContent(let uid): "/accounts/\(uid)/template-content"
        case .templatePushProgress(let id): "/template-pushes/\(id)"
        case .detachTemplate(let uid): "/accounts/\(uid)/detach-template"
        case .importDetail(let id): "/imports/\(id)"
        case .importMapping(let id): "/imports/\(id)/mapping"
        case .importStart(let id): "/imports/\(id)/start"
        case .importReport(let id): "/imports/\(id)/report.csv"
        case .bulkOperation(let id): "/accounts/bulk/\(id)"
        case .audit: "/audit"
        case .auditExport: "/audit/export.csv"
        case .workspaceMessages: "/app/messages"
        case .workspaceConversation(let id): "/app/messages/\(id)"
        case .workspaceConversationReply(let id): "/app/messages/\(id)/reply"
        case .workspaceAnnouncements: "/app/announcements"
        case .accountConversation(let uid, let id): "/accounts/\(uid)/messages/\(id)"
        case .accountConversationReply(let uid, let id): "/accounts/\(uid)/messages/\(id)/reply"
        case .workspaceBookings: "/app/bookings"
        case .workspacePastBookings: "/app/bookings/past"
        case .workspaceBookingStatus(let id): "/app/bookings/\(id)/status"
        case .workspacePayments: "/app/payments"
        case .workspacePaymentStatus(let id): "/app/payments/\(id)/status"
        case .workspaceSecurity: "/app/security"
        case .workspaceAuthenticator: "/app/security/authenticator"
        case .workspaceAuthenticatorConfirm: "/app/security/authenticator/confirm"
        case .workspaceAuthenticatorRemove: "/app/security/authenticator/remove"
        case .workspaceRecoveryCodes: "/app/security/recovery-codes"
        case .profileRecoveryCodesFile: "/profile/recovery-codes.txt"
        case .workspaceRecoveryCodesFile: "/app/security/recovery-codes.txt"
        case .copyScript: "/assets/copy.js"
        case .bulkProgressScript: "/assets/bulk-progress.js"
        case .accountsGroupChoices: "/accounts/groups"
        case .operatorsGroupChoices: "/operators/groups"
        case .accountsAssigneeChoices: "/accounts/assignees"
        case .groupSuggestions: "/groups/suggest"
        case .assigneeSuggestions: "/accounts/assignees/suggest"
        case .filterPickerScript: "/assets/picker.js"
        case .workspaceSignInCode: "/app/sign-in/code"
        case .settings: "/settings"
        case .settingsSection(let section): "/settings/\(section.rawValue)"
        case .settingsDomainRemove: "/settings/domains/remove"
        case .operations: "/operations"
        case .brandLogo(let version): version.map { "/brand/logo?v=\($0)" } ?? "/brand/logo"
        case .unsubscribe(let token): "/unsubscribe/\(token)"
        case .apiTokens: "/settings/api-tokens"
        case .revokeAPIToken(let id): "/settings/api-tokens/\(id)/revoke"
        }
    }

    /// The route's path components for registration (`:token` for parameters).
    var pathComponents: [PathComponent] {
        switch self {
        case .home: []
        case .setup: ["setup", ":token"]
        case .unsubscribe: ["unsubscribe", ":token"]
        case .accountUserSetup: ["app", "setup", ":token"]
        case .businessPage: ["b", ":pageKey"]
        case .businessPageBooking: ["b", ":pageKey", "booking"]
        case .businessPageContact: ["b", ":pageKey", "contact"]
        // "{uid}.js" is one path segment: the handler takes the suffix off.
        case .widgetScript: ["w", ":businessUid"]
        case .widgetSeen: ["w", ":businessUid", "seen"]
        case .newRole: ["roles", "new"]
        case .brandLogo: ["brand", "logo"]
        case .favicon: ["favicon.svg"]
        case .role: ["roles", ":roleId"]
        case .editRole: ["roles", ":roleId", "edit"]
        case .deleteRole: ["roles", ":roleId", "delete"]
        case .renameGroup: ["groups", ":groupId", "rename"]
        case .moveGroup: ["groups", ":groupId", "move"]
        case .deleteGroup: ["groups", ":groupId", "delete"]
        case .partnerKitFile: ["partner-kit", ":itemId", "file"]
        case .deletePartnerKitItem: ["partner-kit", ":itemId", "delete"]
        case .operatorDetail: ["operators", ":operatorId"]
        case .revokeAPIToken: ["settings", "api-tokens", ":tokenId", "revoke"]
        case .accountLoginAs: ["accounts", ":businessUid", "login-as"]
        case .accountStaffLoginAs: ["accounts", ":businessUid", "staff", ":userId", "login-as"]
        case .workspaceLoginLink: ["app", "login-as", ":token"]
        case .workspaceConversation: ["app", "messages", ":conversationId"]
        case .workspaceConversationReply: ["app", "messages", ":conversationId", "reply"]
        case .accountConversation: ["accounts", ":businessUid", "messages", ":conversationId"]
        case .accountConversationReply: ["accounts", ":businessUid", "messages", ":conversationId", "reply"]
        case .workspaceBookingStatus: ["app", "bookings", ":bookingId", "status"]
        case .workspacePaymentStatus: ["app", "payments", ":paymentId", "status"]
        case .bulkOperation: ["accounts", "bulk", ":operationId"]
        case .importDetail: ["imports", ":importId"]
        case .templatePush: ["accounts", ":businessUid", "push"]
        case .templateContent: ["accounts", ":businessUid", "template-content"]
        case .templatePushProgress: ["template-pushes", ":pushId"]
        case .detachTemplate: ["accounts", ":businessUid", "detach-template"]
        case .importMapping: ["imports", ":importId", "mapping"]
        case .importStart: ["imports", ":importId", "start"]
        case .importReport: ["imports", ":importId", "report.csv"]
        case .account: ["accounts", ":businessUid"]
        case .accountAction(_, let action): ["accounts", ":businessUid", PathComponent(stringLiteral: action.pathComponent)]
        case .operatorAction(_, let action): ["operators", ":operatorId", PathComponent(stringLiteral: action.rawValue)]
        default: path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
        }
    }

    /// The API's base path. Its own routes are generated from the OpenAPI document.
    static let apiPrefix = "/api/v1"
}
