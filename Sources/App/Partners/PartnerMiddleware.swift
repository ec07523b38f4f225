import Fluent
import Vapor

/// Selects the partner from the request's `Host`. An unknown host is answered by the
/// default partner while that partner has no domain of its own, and refused after that.
struct PartnerMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Links in emails and scripts are built from this header: only a host name (or an IP
        // literal) and a port are accepted, never "portal.test@evil.example" or a path.
        if let raw = request.headers.first(name: .host), Self.validHostHeader(raw) == nil {
            throw PortalError.badRequest("The Host header is not a host name with an optional port.")
        }
        let host = Self.host(of: request)
        let found = try await request.application.partnerHosts.partner(forHost: host) {
            try await PartnerDirectory.partner(forHost: host, on: request.db)
        }
        guard let (partner, registered) = found else {
            throw PortalError.notFound("This address is not configured for any portal.")
        }
        request.setPartner(partner, hostIsRegistered: registered)
        return try await next.respond(to: request)
    }

    /// The Host header when it is `name`, `name:port` or `[IPv6]:port`, lower-cased; else nil.
    static func validHostHeader(_ raw: String) -> String? {
        let value = raw.lowercased()
        guard !value.isEmpty, value.utf8.count <= 260 else { return nil }
        var name = Substring(value), port: Substring? = nil
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            let literal = value[value.index(after: value.startIndex)..<close]
            guard !literal.isEmpty, literal.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let rest = value[value.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                port = rest.dropFirst()
            }
            name = ""
        } else if let colon = value.firstIndex(of: ":") {
            name = value[..<colon]
            port = value[value.index(after: colon)...]
            guard !name.isEmpty else { return nil }
        }
        if let port, port.isEmpty || port.count > 5 || !port.allSatisfy(\.isASCIIDigitCharacter) { return nil }
        guard name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." }) else { return nil }
        return value
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
    /// The partner for `host`, and whether `host` is one of its registered domains (rather
    /// than any address answered by the default partner while it has none).
    static func partner(forHost host: String, on db: any Database) async throws -> (Partner, Bool)? {
        if !host.isEmpty, let domain = try await PartnerDomain.query(on: db).filter(\.$host == host).with(\.$partner).first() {
            return (domain.partner, true)
        }
        guard let fallback = try await Partner.query(on: db).filter(\.$slug == Partner.defaultSlug).first(),
              let fallbackID = fallback.id,
              try await PartnerDomain.query(on: db).filter(\.$partner.$id == fallbackID).count() == 0
        else { return nil }
        return (fallback, false)
    }
}

private extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
