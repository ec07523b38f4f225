import OpenAPIRuntime
import Vapor

/// Turns every error into the right answer for who asked: `application/problem+json` under
/// `/api/`, an HTML page everywhere else. Client errors are logged at notice, server errors
/// at error, and a server error never shows its internals.
struct PortalErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            request.application.portalMetrics.noteFailure(error)
            var described = Self.describe(error, for: request)
            if described.status == .notFound, Self.isAPI(request), let allowed = Self.allowedMethods(for: request), !allowed.isEmpty {
                described = .methodNotAllowed(allowed: allowed)
            }
            if described.status.code >= 500 {
                request.logger.error("request failed", metadata: ["error": "\(Self.loggable(error))", "path": "\(request.url.path)"])
            } else {
                request.logger.notice("request refused", metadata: ["status": "\(described.status.code)", "detail": "\(described.detail)", "path": "\(request.url.path)"])
            }
            return Self.isAPI(request) ? Self.problemResponse(described, request: request) : await Self.htmlResponse(described, request: request)
        }
    }

    /// What a server error says in the log. An API handler's error carries the whole request
    /// (its headers, with the bearer token, and the decoded body): only the operation and the
    /// cause are kept.
    static func loggable(_ error: any Error) -> String {
        guard let server = error as? ServerError else { return String(reflecting: error) }
        return "\(server.operationID): \(server.causeDescription): \(String(reflecting: server.underlyingError))"
    }

    static func isAPI(_ request: Request) -> Bool {
        request.url.path == SiteURL.apiPrefix || request.url.path.hasPrefix(SiteURL.apiPrefix + "/")
    }

    /// What to tell the client about an error, without internals for server errors.
    static func describe(_ error: any Error, for request: Request) -> PortalError {
        switch error {
        case let portal as PortalError:
            return portal
        case let server as ServerError:
            if let portal = server.underlyingError as? PortalError { return portal }
            if DatabaseAvailability.isUnavailable(server.underlyingError) { return databaseUnavailable }
            if let decoding = server.underlyingError as? DecodingError {
                // Without a JSON body, what failed to decode was a query parameter.
                let hasJSONBody = request.headers.contentType == .json && (request.body.data?.readableBytes ?? 0) > 0
                guard hasJSONBody else { return .badRequest("A query parameter is missing or not valid: \(describeParameter(decoding))") }
                return .badRequest("The request body is not valid for this operation: \(describeDecoding(decoding))")
            }
            let status = HTTPResponseStatus(statusCode: server.httpStatus.code)
            if status == .unsupportedMediaType {
                // The runtime says which type the operation takes: "… expected: application/octet-stream, received: …".
                let expected = server.causeDescription.components(separatedBy: "expected: ").dropFirst().first?
                    .components(separatedBy: ",").first ?? "application/json"
                return .unsupportedMediaType("Send the request body as \(expected).")
            }
            if (400..<500).contains(status.code) {
                return PortalError(status: status, title: status.reasonPhrase, detail: server.causeDescription)
            }
            return internalError(request)
        case let abort as any AbortError:
            if abort.status.code >= 500 { return internalError(request) }
            let detail: String = switch abort.status {
            case .notFound: "There is nothing at this address."
            case .payloadTooLarge: "The request body is larger than this server accepts."
            case .unsupportedMediaType: "Send the request body as application/json."
            default: abort.reason
            }
            return PortalError(status: abort.status, title: abort.status.reasonPhrase, detail: detail, headers: abort.headers)
        case is DecodingError:
            return .badRequest("The request could not be read: \(describeDecoding(error as! DecodingError))")
        case _ where DatabaseAvailability.isUnavailable(error):
            return databaseUnavailable
        default:
            return internalError(request)
        }
    }

    static let databaseUnavailable = PortalError(
        status: .serviceUnavailable, title: "Service unavailable",
        detail: "The database cannot be reached just now. Try again in a few seconds.",
        headers: ["Retry-After": String(DatabaseAvailability.retryAfterSeconds)])

    private static func internalError(_ request: Request) -> PortalError {
        PortalError(status: .internalServerError, title: "Internal server error",
                    detail: "Something went wrong on our side. Reference: \(request.id).")
    }

    private static func describeDecoding(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "the body" : "'" + keys.joined(separator: ".") + "'"
        }
        switch error {
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "malformed JSON." : "\(path(context)) is malformed."
        case .keyNotFound(let key, let context): return "'\(key.stringValue)' is missing in \(path(context))."
        case .typeMismatch(_, let context): return "\(path(context)) has the wrong type."
        case .valueNotFound(_, let context): return "\(path(context)) must not be null."
        @unknown default: return "unreadable body."
        }
    }

    private static func describeParameter(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): return context.debugDescription.isEmpty ? "a value is malformed." : context.debugDescription + "."
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is required."
        case .valueNotFound: return "a required parameter is missing; see the operation's parameters in the OpenAPI document."
        case .typeMismatch(let type, _): return "a value is not a valid \(type)."
        @unknown default: return "a value is not valid."
        }
    }

    /// The methods registered for the request's path, when it is not the request's own.
    /// Like the router, a constant segment wins over a parameter: `/roles/matrix.csv` is its
    /// own resource, not a role called "matrix.csv".
    private static func allowedMethods(for request: Request) -> [HTTPMethod]? {
        let components = request.url.path.split(separator: "/").map(String.init)
        let matching = request.application.routes.all.filter { route in
            route.path.count == components.count && zip(route.path, components).allSatisfy { pattern, part in
                switch pattern {
                case .constant(let constant): constant == part
                case .parameter, .anything, .catchall: true
                }
            }
        }
        /// 1 for each constant segment, position by position: higher is more specific.
        func specificity(_ route: Route) -> [Int] {
            route.path.map { if case .constant = $0 { 1 } else { 0 } }
        }
        guard let best = matching.map(specificity).max(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
        let methods = matching.filter { specificity($0) == best }.map(\.method.rawValue)
        let unique = Array(Set(methods)).sorted().map { HTTPMethod(rawValue: $0) }
        return unique.contains(request.method) ? nil : unique
    }

    static func problemResponse(_ error: PortalError, request: Request) -> Response {
        Problem(status: error.status, title: error.title, detail: error.detail, instance: request.url.path)
            .response(headers: error.headers)
    }

    static func htmlResponse(_ error: PortalError, request: Request) async -> Response {
        let response = await request.page(error.title, status: error.status, content: ErrorPageView.render(status: error.status, title: error.title, detail: error.detail))
        for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}
