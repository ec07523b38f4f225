import Vapor

/// The portal's two cookies: the session and the anonymous CSRF token. Both are HttpOnly,
/// SameSite=Lax, and Secure whenever the request came over HTTPS.
enum SessionCookies {
    static let session = "portal_session"
    static let csrf = "portal_csrf"

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
