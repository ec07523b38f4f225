import Vapor

/// Every page of the portal, used both to register routes and to build links, so that a
/// link cannot point at a route that does not exist.
enum SiteURL: Equatable, Sendable {
    case home
    case signIn
    case signOut
    case signInCode
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
    case accountsExport
    case accountsBulk
    case audit
    case auditExport

    var path: String {
        switch self {
        case .home: "/"
        case .signIn: "/sign-in"
        case .signOut: "/sign-out"
        case .signInCode: "/sign-in/code"
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
        case .accountsExport: "/accounts/export.csv"
        case .accountsBulk: "/accounts/bulk"
        case .audit: "/audit"
        case .auditExport: "/audit/export.csv"
        }
    }

    /// The route's path components for registration (`:token` for parameters).
    var pathComponents: [PathComponent] {
        switch self {
        case .home: []
        case .setup: ["setup", ":token"]
        case .accountUserSetup: ["app", "setup", ":token"]
        case .newRole: ["roles", "new"]
        case .role: ["roles", ":roleId"]
        case .editRole: ["roles", ":roleId", "edit"]
        case .deleteRole: ["roles", ":roleId", "delete"]
        case .renameGroup: ["groups", ":groupId", "rename"]
        case .moveGroup: ["groups", ":groupId", "move"]
        case .deleteGroup: ["groups", ":groupId", "delete"]
        case .partnerKitFile: ["partner-kit", ":itemId", "file"]
        case .deletePartnerKitItem: ["partner-kit", ":itemId", "delete"]
        case .operatorDetail: ["operators", ":operatorId"]
        case .account: ["accounts", ":businessUid"]
        case .accountAction(_, let action): ["accounts", ":businessUid", PathComponent(stringLiteral: action.pathComponent)]
        case .operatorAction(_, let action): ["operators", ":operatorId", PathComponent(stringLiteral: action.rawValue)]
        default: path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
        }
    }

    /// The API's base path. Its own routes are generated from the OpenAPI document.
    static let apiPrefix = "/api/v1"
}
