import Foundation

/// Who the client is when the portal runs behind reverse proxies (`TRUST_PROXY`).
///
/// Each proxy appends the address it received the request from to `X-Forwarded-For`, so the
/// list reads client, proxy 1, proxy 2…; everything left of the first proxy we trust was
/// written by whoever sent the request and proves nothing. Walking from the right, the first
/// address that is not one of our proxies is the client. Headers are believed only when the
/// peer that connected to us is itself a trusted proxy.
struct TrustedProxies: Sendable, Equatable {
    let ranges: [CIDR]

    /// Loopback, private and link-local ranges: where a proxy of one's own usually sits.
    static let defaultRanges = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"]
    static let `default` = TrustedProxies(ranges: defaultRanges.compactMap { CIDR($0) })

    /// Parses a comma-separated list of ranges; the failure names the first entry that is not one.
    static func parse(_ list: String) -> Result<TrustedProxies, ParseFailure> {
        var ranges: [CIDR] = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let range = CIDR(entry) else { return .failure(ParseFailure(entry: entry)) }
            ranges.append(range)
        }
        return .success(TrustedProxies(ranges: ranges))
    }

    struct ParseFailure: Error { let entry: String }

    func trusts(_ address: IPAddress) -> Bool { ranges.contains { $0.contains(address) } }

    /// The client's address: the peer itself unless it is a trusted proxy, else the rightmost
    /// forwarded address that is not a trusted proxy. `forwardedFor` holds every
    /// `X-Forwarded-For` header in order. A value that is not an address stops the walk there:
    /// nothing left of it can be believed, so the last proxy read so far is taken as the client.
    func clientAddress(peer: IPAddress?, forwardedFor: [String]) -> IPAddress? {
        guard let peer, trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }
        var client = peer
        for hop in hops.reversed() {
            guard let address = IPAddress(forwardedValue: hop) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client
    }

    /// The scheme the client used: the value nearest to us in `X-Forwarded-Proto` (the last of
    /// a comma list, over every header), only from a trusted peer; nil when none applies.
    func forwardedScheme(peer: IPAddress?, forwardedProto: [String]) -> String? {
        guard let peer, trusts(peer) else { return nil }
        let values = forwardedProto.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let nearest = values.last, ["http", "https"].contains(nearest) else { return nil }
        return nearest
    }
}
