import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The accounts list's header counts (active, new, inactive), kept for a few seconds per
/// operator and filter. Counting reads every visible account, and the list is the page
/// operators open most; the counts need only be exact to within a few seconds.
///
/// - A change made through this instance (any successful POST, PUT, PATCH or DELETE on the
///   partner's domain, in the UI or the API) drops the partner's counts at once, so the next
///   list shows it.
/// - A change made elsewhere (another instance, a command) shows within `lifetime`, and so
///   does an account turning from new to active as time passes.
final class HeaderCounts: Sendable {
    typealias Counts = [AccountDirectory.Status: Int]

    struct Key: Hashable, Sendable {
        let partnerID: UUID
        let operatorID: UUID
        /// Everything that decides which accounts the operator sees.
        let isActive: Bool
        let hasAssignments: Bool
        let grants: [ActorGrant]
        /// The list's filter without its status and order, which do not change the counts.
        let filter: AccountDirectory.Filter

        init(actor: Actor, filter: AccountDirectory.Filter) {
            partnerID = actor.partnerID
            operatorID = actor.operatorID
            isActive = actor.isActive
            hasAssignments = actor.hasAssignments
            grants = actor.grants
            var unordered = filter
            unordered.status = nil
            unordered.sort = .name
            self.filter = unordered
        }
    }

    private struct Entry {
        let counts: Counts
        let generation: UInt64
        let expires: Date
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Bumped by every change to a partner's accounts; entries of an older one are stale.
        var generations: [UUID: UInt64] = [:]
    }

    static let lifetime: TimeInterval = 5
    /// Entries kept at most; past this, expired ones go, then all of them.
    static let capacity = 10_000

    private let state = NIOLockedValueBox(State())

    /// The counts for `key`, from the cache when fresh, otherwise from `count`.
    func counts(_ key: Key, now: Date = Date(), count: () async throws -> Counts) async throws -> Counts {
        let (cached, generation) = state.withLockedValue { state -> (Counts?, UInt64) in
            let generation = state.generations[key.partnerID, default: 0]
            guard let entry = state.entries[key], entry.generation == generation, entry.expires > now else { return (nil, generation) }
            return (entry.counts, generation)
        }
        if let cached { return cached }
        let counts = try await count()
        state.withLockedValue { state in
            // A change while counting makes this result stale already: keep it out.
            guard state.generations[key.partnerID, default: 0] == generation else { return }
            if state.entries.count >= Self.capacity {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = Entry(counts: counts, generation: generation, expires: now.addingTimeInterval(Self.lifetime))
        }
        return counts
    }

    /// Something about the partner's accounts changed: its counts are counted again.
    func invalidate(partnerID: UUID) {
        state.withLockedValue { state in
            state.generations[partnerID, default: 0] &+= 1
            state.entries = state.entries.filter { $0.key.partnerID != partnerID }
        }
    }

    var entryCount: Int { state.withLockedValue { $0.entries.count } }
}

extension Application {
    private struct HeaderCountsKey: StorageKey { typealias Value = HeaderCounts }

    /// Set up by `configure`, before the application serves.
    var headerCounts: HeaderCounts {
        get {
            guard let counts = storage[HeaderCountsKey.self] else { fatalError("configure(_:config:) sets up the header counts") }
            return counts
        }
        set { storage[HeaderCountsKey.self] = newValue }
    }
}

/// Drops the partner's cached header counts after every successful change on its domain.
struct HeaderCountsInvalidation: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if ![.GET, .HEAD, .OPTIONS].contains(request.method), response.status.code < 400,
           let partnerID = request.partnerIfResolved?.id {
            request.application.headerCounts.invalidate(partnerID: partnerID)
        }
        return response
    }
}
