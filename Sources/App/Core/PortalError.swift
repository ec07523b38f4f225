import Vapor

/// An error a person or a client can act on. Maps to an HTML error page in the UI and to
/// `application/problem+json` (RFC 9457) in the API; its text is safe to show.
struct PortalError: AbortError, Equatable {
    var status: HTTPResponseStatus
    /// A short, stable summary of the kind of problem.
    var title: String
    /// What happened in this case and, where it helps, what to do.
    var detail: String
    var headers: HTTPHeaders = [:]

    var reason: String { detail }

    static func notFound(_ detail: String = "There is nothing at this address.") -> PortalError {
        PortalError(status: .notFound, title: "Not found", detail: detail)
    }

    static func forbidden(_ detail: String) -> PortalError {
        PortalError(status: .forbidden, title: "Forbidden", detail: detail)
    }

    static func badRequest(_ detail: String) -> PortalError {
        PortalError(status: .badRequest, title: "Bad request", detail: detail)
    }

    static func unauthorized(_ detail: String = "Sign in, or send a valid API token as `Authorization: Bearer …`.") -> PortalError {
        PortalError(status: .unauthorized, title: "Unauthorized", detail: detail,
                    headers: ["WWW-Authenticate": "Bearer realm=\"portal\""])
    }

    static func tooManyRequests(retryAfterSeconds: Int, detail: String) -> PortalError {
        PortalError(status: .tooManyRequests, title: "Too many requests", detail: detail,
                    headers: ["Retry-After": String(retryAfterSeconds)])
    }

    static func payloadTooLarge(limit: Int) -> PortalError {
        PortalError(status: .payloadTooLarge, title: "Payload too large",
                    detail: "The request body is larger than the \(limit) bytes this server accepts.")
    }

    static func unsupportedMediaType(_ detail: String) -> PortalError {
        PortalError(status: .unsupportedMediaType, title: "Unsupported media type", detail: detail)
    }

    /// The request names another object (in its body) that does not exist for this partner.
    /// 409, not 404: the addressed resource itself exists.
    static func unknownReference(_ detail: String) -> PortalError {
        PortalError(status: .conflict, title: "Unknown reference", detail: detail)
    }

    /// Well-formed, but refused in the resource's present state.
    static func conflict(_ detail: String, title: String = "Conflict") -> PortalError {
        PortalError(status: .conflict, title: title, detail: detail)
    }

    static func methodNotAllowed(allowed: [HTTPMethod]) -> PortalError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return PortalError(status: .methodNotAllowed, title: "Method not allowed",
                           detail: "This resource accepts \(list).", headers: ["Allow": list])
    }
}
