import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The partner each host answers for, kept a few seconds so that a request does not read the
/// partner's domain and settings before it can start. Every request gets its own copy of the
/// partner (handlers change and save it), `Partner.copy()` of the one kept.
///
/// - A change on the partner's domain (any successful POST, PUT, PATCH or DELETE, which is
///   how settings, branding and domains change in the UI and the API) drops its entries at
///   once, through `PartnerCacheInvalidation`.
/// - A change made elsewhere (a command, another instance) shows within `lifetime`.
/// - Only hosts that answer are kept, at most `capacity` of them (the default partner answers
///   any name until it has a domain; past the limit the oldest go).
final class PartnerHostCache: Sendable {
    private struct Entry {
        let partnerID: UUID
        /// Never handed out: each request gets a copy.
        let partner: Partner
        let registered: Bool
        let expires: Date
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generations: [UUID: UInt64] = [:]
        var generation: UInt64 = 0
    }

    let lifetime: TimeInterval
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(lifetime: TimeInterval = 5, capacity: Int = 2_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The partner for `host` and whether `host` is one of its registered domains.
    func partner(forHost host: String, now: Date = Date(), read: () async throws -> (Partner, Bool)?) async throws -> (Partner, Bool)? {
        let (cached, generation) = state.withLockedValue { state -> (Entry?, UInt64) in
            guard let entry = state.entries[host], entry.expires > now else { return (nil, state.generation) }
            return (entry, state.generation)
        }
        if let cached {
            return (cached.partner.copy(), cached.registered)
        }
        guard let (partner, registered) = try await read(), let id = partner.id else { return nil }
        let kept = partner.copy()
        state.withLockedValue { state in
            // Dropped while reading: what was read may be the old partner.
            guard state.generation == generation else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[host] = Entry(partnerID: id, partner: kept, registered: registered, expires: now.addingTimeInterval(lifetime))
        }
        return (partner, registered)
    }

    /// The partner changed: its hosts are read again (and so is any host a new domain may
    /// take from the default partner).
    func invalidate(partnerID: UUID) {
        state.withLockedValue { state in
            state.generation &+= 1
            state.entries = state.entries.filter { $0.value.partnerID != partnerID && $0.value.registered }
        }
    }

    var entryCount: Int { state.withLockedValue { $0.entries.count } }
}

extension Application {
    private struct PartnerHostsKey: StorageKey { typealias Value = PartnerHostCache }

    /// Set up by `configure`, before the application serves.
    var partnerHosts: PartnerHostCache {
        get {
            guard let cache = storage[PartnerHostsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[PartnerHostsKey.self] = newValue }
    }
}
