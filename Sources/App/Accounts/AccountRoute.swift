/// The sub-routes of one account's page, `/accounts/:uid/<route>`: its tabs, the Account
/// tab's switches and its forms. The same values register the routes (routes.swift) and build
/// every link and form action on the page, so neither can name a route that does not exist.
enum AccountRoute: Sendable, Equatable {
    case tab(AccountPageView.Tab)
    case toggle(AccountAdministration.Toggle)
    case form(AccountForm)

    var pathComponent: String {
        switch self {
        case .tab(let tab): tab.rawValue
        case .toggle(let toggle): toggle.rawValue
        case .form(let form): form.rawValue
        }
    }
}

/// The forms of the account page, each posted to its own route.
enum AccountForm: String, CaseIterable, Sendable {
    case nickname, assignments, group, details, tags, notes, locations, subscription, staff
    case resetPassword = "reset-password"
    case removeTag = "remove-tag"
    case removeLocation = "remove-location"
    case removeStaff = "remove-staff"
}
