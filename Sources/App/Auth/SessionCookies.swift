import Vapor

/// The portal's cookies: the session, the anonymous CSRF token and the pending sign-in. All
/// are HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
///
/// Code everywhere reads and sets them by the plain names below. Over HTTPS the browser
/// holds them as `__Host-portal_session` and so on (Secure, Path=/, no Domain): a browser
/// accepts such a cookie only from this exact host over HTTPS, so a neighbouring subdomain or
/// a plain-HTTP attacker cannot plant a session. `TransportSecurityMiddleware` translates
/// between the two names at the edge, choosing by the request's scheme.
enum SessionCookies {
    static let session = "portal_session"
    static let csrf = "portal_csrf"
    /// Also named `SignInFlow.cookie`.
    static let challenge = "portal_challenge"

    /// The cookies that take the `__Host-` prefix over HTTPS.
    static let prefixed = [session, csrf, challenge, workspaceSession, workspaceChallenge]
    /// A workspace sign-in waiting for the authenticator's code (`WorkspaceTwoFactor`).
    static let workspaceChallenge = "portal_app_challenge"
    /// A client owner or staff member's session in the workspace (`/app`).
    static let workspaceSession = "portal_app_session"
    static let hostPrefix = "__Host-"

    /// The name the browser holds `name` under for this request.
    static func wireName(_ name: String, for request: Request) -> String {
        request.isSecureTransport && prefixed.contains(name) ? hostPrefix + name : name
    }

    static func make(_ value: String, for request: Request, maxAge: Int? = nil) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: value, expires: nil, maxAge: maxAge, domain: nil, path: "/",
            isSecure: request.isSecureTransport, isHTTPOnly: true, sameSite: .lax
        )
    }

    static func expired(for request: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
            isSecure: request.isSecureTransport, isHTTPOnly: true, sameSite: .lax
        )
    }
}
