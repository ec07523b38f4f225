import Vapor

/// Refuses any state-changing browser request whose form does not carry the right token:
/// the session's token when signed in, otherwise the one in the anonymous `portal_csrf`
/// cookie (double submit). Hands out that cookie to visitors who have none.
struct CSRFMiddleware: AsyncMiddleware {
    static let safeMethods: [HTTPMethod] = [.GET, .HEAD, .OPTIONS]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let cookieToken = request.cookies[SessionCookies.csrf]?.string.nilIfEmpty
        let anonymousToken = cookieToken ?? SecretToken.generate().value
        request.anonymousCSRFToken = anonymousToken

        if !Self.safeMethods.contains(request.method) {
            try await request.collectBody()
            let sent = (try? request.content.get(String.self, at: Forms.csrfFieldName)) ?? ""
            let expected = request.signedIn?.csrfToken ?? request.workspaceUser?.csrfToken ?? cookieToken ?? ""
            guard !expected.isEmpty, SecretToken.constantTimeEquals(sent, expected) else {
                throw PortalError.forbidden("This form has expired or did not come from this site. Go back, reload the page and try again.")
            }
        }

        let response = try await next.respond(to: request)
        if cookieToken == nil, response.cookies[SessionCookies.csrf] == nil {
            response.cookies[SessionCookies.csrf] = SessionCookies.make(anonymousToken, for: request)
        }
        return response
    }
}

extension Request {
    private struct AnonymousCSRFKey: StorageKey { typealias Value = String }

    /// The CSRF token for forms shown to a visitor who is not signed in.
    var anonymousCSRFToken: String {
        get { storage[AnonymousCSRFKey.self] ?? "" }
        set { storage[AnonymousCSRFKey.self] = newValue }
    }
}
