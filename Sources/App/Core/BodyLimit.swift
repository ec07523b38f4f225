import Vapor

/// How large a request body a route accepts: `MAX_BODY_BYTES`, unless the route takes files
/// and declares its own limit when it is registered. The middleware that read a body before
/// the handler (the CSRF check of forms, the API's) collect it through `collectBody()`, so
/// they honour the route's limit and refuse anything larger with 413 in the route's words.
struct BodyLimit: Sendable, Equatable {
    var bytes: Int
    /// What a refused client is told.
    var refusal: String

    init(bytes: Int, refusal: String? = nil) {
        self.bytes = bytes
        self.refusal = refusal ?? PortalError.payloadTooLarge(limit: bytes).detail
    }

    var error: PortalError {
        PortalError(status: .payloadTooLarge, title: "Payload too large", detail: refusal)
    }
}

extension Route {
    private static let bodyLimitKey = "portal.bodyLimit"

    /// Set for the routes that take more than `MAX_BODY_BYTES`.
    var bodyLimit: BodyLimit? {
        get { userInfo[Self.bodyLimitKey] as? BodyLimit }
        set { userInfo[Self.bodyLimitKey] = newValue }
    }
}

extension RoutesBuilder {
    /// A POST route whose body may be as large as `limit` (collected before the handler runs).
    @discardableResult
    func post(_ path: [PathComponent], bodyLimit limit: BodyLimit, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        let route = on(.POST, path, body: .collect(maxSize: ByteCount(integerLiteral: limit.bytes)), use: handler)
        route.bodyLimit = limit
        return route
    }
}

extension Request {
    /// The limit of the route this request is for. A route's larger limit applies only once
    /// an operator is signed in, so that nobody anonymous can make the server hold a large body.
    var bodyLimit: BodyLimit {
        guard signedIn != nil, let own = route?.bodyLimit else { return BodyLimit(bytes: application.portalConfig.maxBodyBytes) }
        return own
    }

    /// Reads the whole body into memory, refusing with 413 anything over the route's limit,
    /// declared or sent.
    func collectBody() async throws {
        let limit = bodyLimit
        if let declared = headers.first(name: .contentLength).flatMap(Int.init), declared > limit.bytes { throw limit.error }
        do {
            let body = try await self.body.collect(max: limit.bytes).get()
            if (body?.readableBytes ?? 0) > limit.bytes { throw limit.error }
        } catch let abort as Abort where abort.status == .payloadTooLarge {
            throw limit.error
        }
    }
}
