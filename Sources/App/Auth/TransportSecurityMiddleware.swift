import Vapor

/// What an HTTPS request gets that a plain one does not: `Strict-Transport-Security`, so the
/// browser never tries plain HTTP again, and the `__Host-` names of the portal's cookies
/// (see `SessionCookies`). Over plain HTTP nothing changes.
struct TransportSecurityMiddleware: AsyncMiddleware {
    static let strictTransportSecurity = "max-age=31536000; includeSubDomains"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.isSecureTransport else { return try await next.respond(to: request) }
        Self.unprefixIncoming(request)
        let response = try await next.respond(to: request)
        Self.prefixOutgoing(response)
        response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: Self.strictTransportSecurity)
        return response
    }

    /// Presents `__Host-portal_session` to the rest of the portal as `portal_session`. A cookie
    /// sent under the plain name over HTTPS may have been planted (it can be set by a sibling
    /// host or over plain HTTP), so it is ignored.
    static func unprefixIncoming(_ request: Request) {
        var cookies = request.cookies
        for name in SessionCookies.prefixed {
            cookies[name] = cookies[SessionCookies.hostPrefix + name]
            cookies[SessionCookies.hostPrefix + name] = nil
        }
        request.cookies = cookies
    }

    /// Renames the portal's cookies in `Set-Cookie` to their `__Host-` names, with the
    /// attributes that prefix requires.
    static func prefixOutgoing(_ response: Response) {
        var cookies = response.cookies
        var changed = false
        for name in SessionCookies.prefixed {
            guard var value = cookies[name] else { continue }
            value.isSecure = true
            value.path = "/"
            value.domain = nil
            cookies[name] = nil
            cookies[SessionCookies.hostPrefix + name] = value
            changed = true
        }
        if changed { response.cookies = cookies }
    }
}
