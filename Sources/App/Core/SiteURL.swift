import Vapor

/// Every page of the portal, used both to register routes and to build links, so that a
/// link cannot point at a route that does not exist.
enum SiteURL: Equatable, Sendable {
    case home
    case signIn
    case signOut
    case setup(token: String)
    case stylesheet
    case healthz
    case readyz

    var path: String {
        switch self {
        case .home: "/"
        case .signIn: "/sign-in"
        case .signOut: "/sign-out"
        case .setup(let token): "/setup/\(token)"
        case .stylesheet: "/assets/portal.css"
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        }
    }

    /// The route's path components for registration (`:token` for parameters).
    var pathComponents: [PathComponent] {
        switch self {
        case .home: []
        case .setup: ["setup", ":token"]
        default: path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
        }
    }

    /// The API's base path. Its own routes are generated from the OpenAPI document.
    static let apiPrefix = "/api/v1"
}
