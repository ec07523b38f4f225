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

    /// The same inside the lists of a body (`add`, `update`, …), whose items allow no null.
    static func refuseNestedNulls(in request: Request) throws {
        guard let data = request.body.data,
              let object = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        else { return }
        func path(of value: Any, at place: String) -> String? {
            if value is NSNull { return place }
            if let list = value as? [Any] {
                for (index, item) in list.enumerated() { if let found = path(of: item, at: "\(place)[\(index)]") { return found } }
            }
            if let nested = value as? [String: Any] {
                for (key, item) in nested.sorted(by: { $0.key < $1.key }) { if let found = path(of: item, at: "\(place).\(key)") { return found } }
            }
            return nil
        }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) where !(value is NSNull) {
            if let place = path(of: value, at: key) { throw PortalError.badRequest("'\(place)' must not be null; leave it out instead.") }
        }
    }
}

extension Request {
    private struct RawResponseHeadersKey: StorageKey { typealias Value = HTTPHeaders }

    /// Header fields an API handler sends exactly as given. The generated code writes header
    /// values percent-encoded (RFC 6570), which `Content-Disposition` cannot be.
    var rawResponseHeaders: HTTPHeaders {
        get { storage[RawResponseHeadersKey.self] ?? [:] }
        set { storage[RawResponseHeadersKey.self] = newValue }
    }
}

/// For every `/api/v1` route: authenticates the bearer token against the request's partner,
/// bounds the body (`BodyLimit`), then runs the handler with the request in `APIContext`.
struct APIMiddleware: AsyncMiddleware {
    /// Paths readable without a token.
    static let publicPaths: Set<String> = [SiteURL.apiPrefix + "/openapi.yaml"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // The token first: a route's larger body limit applies only to a signed-in operator.
        if !Self.publicPaths.contains(request.url.path) {
            request.signedIn = try await Self.authenticate(request)
        }
        if [.GET, .HEAD].contains(request.method) {
            let limit = request.bodyLimit
            if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > limit.bytes { throw limit.error }
        } else {
            try await request.collectBody()
        }
        let response = try await APIContext.$request.withValue(request) {
            try await next.respond(to: request)
        }
        for (name, value) in request.rawResponseHeaders { response.headers.replaceOrAdd(name: name, value: value) }
        // An operator's answers are theirs alone, and some carry a secret (a new token's value):
        // nothing keeps them unless a handler says otherwise.
        if !Self.publicPaths.contains(request.url.path), !response.headers.contains(name: .cacheControl) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }

    /// The usual case in one query (`SignedInLookup`): an unexpired token of an active
    /// operator who may use tokens, not made by logging in as someone. Nil leaves the request
    /// to the full path, which explains a refusal and handles login-as tokens.
    static func authenticateDirectly(bearer: String, partner: Partner, now: Date, on db: any Database) async throws -> (SignedIn, Actor)? {
        let partnerID = try partner.requireID()
        guard let found = try await SignedInLookup.find(.apiToken, digest: SecretToken.digest(of: bearer), partnerID: partnerID, on: db),
              found.impersonatorID == nil, found.status == .active,
              let expires = found.expiresAt, expires > now
        else { return nil }
        let actor = try await SignedInLookup.actor(found, partnerID: partnerID, on: db)
        guard AccessPolicy.mayUseOwnTokens(actor).isAllowed else { return nil }
        if found.lastSeenAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await APIToken.query(on: db).filter(\.$id == found.credentialID).set(\.$lastUsedAt, to: now).update()
        }
        let signedIn = SignedIn(operatorID: found.operatorID, partnerID: partnerID, name: found.name, email: found.email,
                                grants: found.grants, credential: .apiToken(id: found.credentialID))
        return (signedIn, actor)
    }

    static func authenticate(_ request: Request) async throws -> SignedIn {
        guard let bearer = request.headers.bearerAuthorization?.token, bearer.hasPrefix(APIToken.prefix) else {
            throw PortalError.unauthorized()
        }
        let partner = try request.partner
        let now = Date()
        if let direct = try await authenticateDirectly(bearer: bearer, partner: partner, now: now, on: request.db) {
            request.remember(direct.1)
            return direct.0
        }
        let found = try await APIToken.query(on: request.db)
            .filter(\.$tokenDigest == SecretToken.digest(of: bearer))
            .with(\.$operator) { $0.with(\.$grants) }
            .first()
        guard let token = found,
            token.partnerID == partner.id,
            // A token without an expiry is refused: every token is made with one (migration 017 gave old ones 90 days).
            token.expiresAt.map({ $0 > now }) ?? false,
            token.operator.status == .active
        else {
            request.logger.notice("API token refused", metadata: ["partner": "\(partner.slug)"])
            throw PortalError.unauthorized("The API token is unknown, expired, or its operator cannot act.")
        }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            token.lastUsedAt = now
            try await token.update(on: request.db)
        }
        // A token acts for someone who may still sign in: an operator moved to a role that
        // cannot (Notifications, say) keeps no API access through tokens made before.
        guard let actor = try await AccessLoader.actor(operatorID: try token.operator.requireID(), partnerID: token.partnerID, on: request.db),
              AccessPolicy.mayUseOwnTokens(actor).isAllowed else {
            request.logger.notice("API token refused: its operator may not sign in", metadata: ["partner": "\(partner.slug)"])
            throw PortalError.unauthorized("The API token is unknown, expired, or its operator cannot act.")
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
        request.remember(actor)
        return signedIn
    }
}
