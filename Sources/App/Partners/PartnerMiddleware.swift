import Fluent
import Vapor

/// Selects the partner from the request's `Host`. An unknown host is answered by the
/// default partner while that partner has no domain of its own, and refused after that.
struct PartnerMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let host = Self.host(of: request)
        guard let partner = try await PartnerDirectory.partner(forHost: host, on: request.db) else {
            throw PortalError.notFound("This address (\(host.isEmpty ? "no host" : host)) is not configured for any portal.")
        }
        request.setPartner(partner)
        return try await next.respond(to: request)
    }

    /// The host name without port, lower-cased.
    static func host(of request: Request) -> String {
        let raw = request.headers.first(name: .host) ?? request.url.host ?? ""
        if raw.hasPrefix("[") { // IPv6 literal: [::1]:8080
            return String(raw.prefix { $0 != "]" }.dropFirst()).lowercased()
        }
        return String(raw.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
    }
}

enum PartnerDirectory {
    static func partner(forHost host: String, on db: any Database) async throws -> Partner? {
        if !host.isEmpty, let domain = try await PartnerDomain.query(on: db).filter(\.$host == host).with(\.$partner).first() {
            return domain.partner
        }
        guard let fallback = try await Partner.query(on: db).filter(\.$slug == Partner.defaultSlug).first(),
              let fallbackID = fallback.id,
              try await PartnerDomain.query(on: db).filter(\.$partner.$id == fallbackID).count() == 0
        else { return nil }
        return fallback
    }
}
