import Foundation

/// What deciding a read of `/metrics` looks at: the connection and the credential, never a
/// session. The figures are the installation's, not a partner's, so no operator right reaches them.
struct MetricsCaller: Sendable, Equatable {
    /// The TCP peer that connected (`Request.peerAddress`): never an address a header names.
    var peer: IPAddress?
    /// The request carries `X-Forwarded-For`, `Forwarded` or `X-Real-IP`: a proxy on this host
    /// relays clients from elsewhere, so its loopback address says nothing about them.
    var forwarded: Bool
    /// Whether an `Authorization` header was sent at all, and its bearer token if it is one.
    var sentAuthorization: Bool
    var bearerToken: String?
}

extension AccessPolicy {
    static let loopbackRanges = ["127.0.0.0/8", "::1/128"].compactMap { CIDR($0) }

    /// `/metrics` answers the monitoring of the installation itself: a request from this host
    /// that no proxy relayed, or one with `Authorization: Bearer <METRICS_TOKEN>` when a token
    /// is configured. A credential that is sent is checked, from this host too: a wrong one
    /// is refused rather than passed over, so that a scraper learns its token is wrong. Everyone
    /// else is answered as if there were no such address.
    static func mayReadMetrics(_ caller: MetricsCaller, configuredToken: String?) -> Bool {
        if caller.sentAuthorization {
            guard let configuredToken, let sent = caller.bearerToken else { return false }
            // Digests first, so that the comparison takes as long whatever the sent token's length.
            return SecretToken.constantTimeEquals(SecretToken.digest(of: sent), SecretToken.digest(of: configuredToken))
        }
        guard !caller.forwarded, let peer = caller.peer else { return false }
        return loopbackRanges.contains { $0.contains(peer) }
    }
}
