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

    private struct RegisteredHostKey: StorageKey { typealias Value = Bool }

    func setPartner(_ partner: Partner, hostIsRegistered: Bool = true) {
        storage[PartnerKey.self] = partner
        storage[RegisteredHostKey.self] = hostIsRegistered
    }

    /// Whether the request's host is one of the partner's registered domains. When it is
    /// not (the default partner answers any address until it has a domain), links are built
    /// from PUBLIC_URL where one is set.
    var hostIsRegistered: Bool { storage[RegisteredHostKey.self] ?? false }

    /// The operator behind this request, signed in by session cookie or API token.
    var signedIn: SignedIn? {
        get { storage[SignedInKey.self] }
        set { storage[SignedInKey.self] = newValue }
    }

    func requireSignedIn() throws -> SignedIn {
        guard let signedIn else { throw PortalError.unauthorized() }
        return signedIn
    }

    /// The client's address. With `TRUST_PROXY` and a peer in `TRUSTED_PROXIES`, the rightmost
    /// `X-Forwarded-For` address that is not one of our proxies (see `TrustedProxies`);
    /// otherwise the peer that connected.
    var clientIP: String {
        let direct = remoteAddress?.ipAddress ?? "unknown"
        let config = application.portalConfig
        guard config.trustProxy, let peer = peerAddress, config.trustedProxies.trusts(peer) else { return direct }
        return config.trustedProxies.clientAddress(peer: peer, forwardedFor: headers["X-Forwarded-For"])?.description ?? direct
    }

    /// The address of whoever connected to us. A connection without one (a Unix domain socket,
    /// or a request made inside the process) can only come from this host, so it counts as loopback.
    var peerAddress: IPAddress? {
        guard let remote = remoteAddress, let ip = remote.ipAddress else { return IPAddress("127.0.0.1") }
        return IPAddress(ip)
    }

    /// Whether the client reached us over HTTPS: directly, or by `X-Forwarded-Proto` from a
    /// trusted proxy; with neither, whether the installation's public address is HTTPS.
    var isSecureTransport: Bool {
        if url.scheme?.lowercased() == "https" || application.http.server.configuration.tlsConfiguration != nil { return true }
        let config = application.portalConfig
        if config.trustProxy,
           let scheme = config.trustedProxies.forwardedScheme(peer: peerAddress, forwardedProto: headers["X-Forwarded-Proto"]) {
            return scheme == "https"
        }
        return config.publicURL?.hasPrefix("https://") ?? false
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
    /// Whether a notice waits for this session (`Flash`), when the sign-in's own query read it
    /// (`SignedInLookup`); nil when not known, and the notice is looked for.
    var noticeWaiting: Bool? = nil

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
