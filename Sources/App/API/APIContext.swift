import Fluent
import Vapor

/// Carries the Vapor request into the generated API handlers, which see only typed input.
enum APIContext {
    @TaskLocal static var request: Request?

    static func current() throws -> Request {
        guard let request else { throw PortalError(status: .internalServerError, title: "Internal server error", detail: "No request context.") }
        return request
    }

    /// Whether the JSON body sets `property` to an explicit null.
    static func hasNull(_ property: String, in request: Request) -> Bool {
        guard let data = request.body.data,
              let object = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        else { return false }
        return object[property] is NSNull
    }

    /// The generated decoders read an explicit `null` as an absent optional property; where
    /// the schema does not allow null, say so instead of silently ignoring it.
    static func refuseNulls(for properties: [String], in request: Request) throws {
        guard let data = request.body.data,
              let object = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        else { return }
        if let property = properties.first(where: { object[$0] is NSNull }) {
            throw PortalError.badRequest("'\(property)' must not be null; leave it out to keep the current value.")
        }
    }
}

/// For every `/api/v1` route: bounds the body, authenticates the bearer token against the
/// request's partner, then runs the handler with the request in `APIContext`.
struct APIMiddleware: AsyncMiddleware {
    /// Paths readable without a token.
    static let publicPaths: Set<String> = [SiteURL.apiPrefix + "/openapi.yaml"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let limit = request.application.portalConfig.maxBodyBytes
        if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > limit {
            throw PortalError.payloadTooLarge(limit: limit)
        }
        if ![.GET, .HEAD].contains(request.method) {
            do {
                let body = try await request.body.collect(max: limit).get()
                if (body?.readableBytes ?? 0) > limit { throw PortalError.payloadTooLarge(limit: limit) }
            } catch let abort as Abort where abort.status == .payloadTooLarge {
                throw PortalError.payloadTooLarge(limit: limit)
            }
        }
        if !Self.publicPaths.contains(request.url.path) {
            request.signedIn = try await Self.authenticate(request)
        }
        return try await APIContext.$request.withValue(request) {
            try await next.respond(to: request)
        }
    }

    static func authenticate(_ request: Request) async throws -> SignedIn {
        guard let bearer = request.headers.bearerAuthorization?.token, bearer.hasPrefix(APIToken.prefix) else {
            throw PortalError.unauthorized()
        }
        let partner = try request.partner
        let now = Date()
        let found = try await APIToken.query(on: request.db)
            .filter(\.$tokenDigest == SecretToken.digest(of: bearer))
            .with(\.$operator) { $0.with(\.$grants) }
            .first()
        guard let token = found,
            token.partnerID == partner.id,
            token.expiresAt.map({ $0 > now }) ?? true,
            token.operator.status == .active
        else {
            request.logger.notice("API token refused", metadata: ["partner": "\(partner.slug)"])
            throw PortalError.unauthorized("The API token is unknown, expired, or its operator cannot act.")
        }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            token.lastUsedAt = now
            try await token.update(on: request.db)
        }
        var signedIn = try SignedIn(operator: token.operator, credential: .apiToken(id: try token.requireID()))
        if let impersonatorID = token.impersonatorID {
            guard let impersonator = try await Operator.find(impersonatorID, on: request.db), impersonator.status == .active else {
                try await token.delete(on: request.db)
                throw PortalError.unauthorized("The API token is unknown, expired, or its operator cannot act.")
            }
            signedIn.impersonator = .init(id: impersonatorID, name: impersonator.name, expiresAt: token.expiresAt)
            request.logger[metadataKey: "impersonator"] = "\(impersonatorID)"
        }
        return signedIn
    }
}
