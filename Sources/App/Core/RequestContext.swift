import Vapor

/// What the middleware learned about a request: which partner it is for and who is signed in.
extension Request {
    private struct PartnerKey: StorageKey { typealias Value = Partner }
    private struct SignedInKey: StorageKey { typealias Value = SignedIn }

    /// The partner selected by the request's `Host`. Set by `PartnerMiddleware`.
    var partner: Partner {
        get throws {
            guard let partner = storage[PartnerKey.self] else { throw PortalError.notFound("This address is not configured for any portal.") }
            return partner
        }
    }

    var partnerIfResolved: Partner? { storage[PartnerKey.self] }

    func setPartner(_ partner: Partner) { storage[PartnerKey.self] = partner }

    /// The operator behind this request, signed in by session cookie or API token.
    var signedIn: SignedIn? {
        get { storage[SignedInKey.self] }
        set { storage[SignedInKey.self] = newValue }
    }

    func requireSignedIn() throws -> SignedIn {
        guard let signedIn else { throw PortalError.unauthorized() }
        return signedIn
    }

    /// The client's address, from `X-Forwarded-For` only when the proxy is trusted.
    var clientIP: String {
        if application.portalConfig.trustProxy,
           let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }

    /// Whether the client reached us over HTTPS (directly or through a trusted proxy).
    var isSecureTransport: Bool {
        if url.scheme == "https" { return true }
        if application.portalConfig.trustProxy, headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https" { return true }
        return application.portalConfig.publicURL?.hasPrefix("https://") ?? false
    }
}

/// The signed-in operator, how they are signed in, and what they hold.
struct SignedIn: Sendable {
    enum Credential: Sendable {
        case session(id: UUID, csrfToken: String)
        case apiToken(id: UUID)
    }

    let operatorID: UUID
    let partnerID: UUID
    let name: String
    let email: String
    let grants: [GrantSummary]
    let credential: Credential
    /// The operator really acting, when this one is being logged in as.
    var impersonator: Impersonator? = nil

    struct Impersonator: Sendable, Equatable {
        let id: UUID
        let name: String
        let expiresAt: Date?
    }

    struct GrantSummary: Sendable, Equatable {
        let role: String
        let scope: Grant.ScopeKind
        let scopeID: UUID?
    }

    var csrfToken: String? {
        if case .session(_, let token) = credential { return token }
        return nil
    }
}

extension Application {
    private struct ConfigKey: StorageKey { typealias Value = AppConfig }

    var portalConfig: AppConfig {
        get { storage[ConfigKey.self] ?? AppConfig(storage: .sqliteMemory) }
        set { storage[ConfigKey.self] = newValue }
    }
}
