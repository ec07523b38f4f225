import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Values read from a partner's data, kept for a few seconds: the accounts list's header
/// counts, the Groups page's counts and Home's task counts (counting reads every visible
/// account) and cards, and the list's group labels. The list and Home are the pages operators open most; these need only be exact to
/// within a few seconds.
///
/// - A change made through this instance (any successful POST, PUT, PATCH or DELETE on the
///   partner's domain, in the UI or the API) drops the partner's values at once, so the next
///   page shows it.
/// - A change made elsewhere (another instance, a command) shows within `lifetime` (and the
///   time one read takes), and so does an account turning from new to active as time passes.
final class PartnerCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let generation: UInt64
        let expires: Date
    }

    /// A read under way, which every request that misses meanwhile shares.
    private struct Flight {
        let generation: UInt64
        let task: Task<Value, any Error>
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Bumped by every change to a partner's data; entries of an older one are stale.
        var generations: [UUID: UInt64] = [:]
        var flights: [Key: Flight] = [:]
    }

    let lifetime: TimeInterval
    /// Entries kept at most; past this, expired ones go, then all of them.
    let capacity: Int
    private let partnerOf: @Sendable (Key) -> UUID
    private let state = NIOLockedValueBox(State())

    init(lifetime: TimeInterval = 5, capacity: Int = 10_000, partner: @escaping @Sendable (Key) -> UUID) {
        self.lifetime = lifetime
        self.capacity = capacity
        partnerOf = partner
    }

    private enum Step {
        case cached(Value)
        case wait(Task<Value, any Error>)
        case lead(Task<Value, any Error>, generation: UInt64)
    }

    /// The value for `key`, from the cache when fresh, otherwise from `read`. Requests that
    /// miss together share one read instead of each counting the same rows. While an expired
    /// (not invalidated) value is read again, the others are given it, so that only the
    /// request that started the read waits for it.
    ///
    /// `now` is asked when the value is looked up and again when a read ends: a value is kept
    /// for `lifetime` from when it was read, not from when it was asked for (under load, the
    /// read may wait for a thread longer than its lifetime).
    func value(_ key: Key, now: @autoclosure @escaping @Sendable () -> Date = Date(),
               read: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let partnerID = partnerOf(key)
        let askedAt = now()
        let step = state.withLockedValue { state -> Step in
            let generation = state.generations[partnerID, default: 0]
            let current = state.entries[key].flatMap { $0.generation == generation ? $0 : nil }
            if let current, current.expires > askedAt { return .cached(current.value) }
            if let flight = state.flights[key], flight.generation == generation {
                if let current { return .cached(current.value) }
                return .wait(flight.task)
            }
            let task = Task { try await read() }
            state.flights[key] = Flight(generation: generation, task: task)
            return .lead(task, generation: generation)
        }
        switch step {
        case .cached(let value):
            return value
        case .wait(let task):
            return try await task.value
        case .lead(let task, let generation):
            let result = await task.result
            let readEnded = now()
            let expires = readEnded.addingTimeInterval(lifetime)
            state.withLockedValue { state in
                // A newer flight (after a change) is not this one's to end.
                if state.flights[key]?.generation == generation { state.flights[key] = nil }
                // A change while reading makes this value stale already: keep it out.
                guard case .success(let value) = result, state.generations[partnerID, default: 0] == generation else { return }
                if state.entries.count >= capacity {
                    state.entries = state.entries.filter { $0.value.expires > readEnded }
                    if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
                }
                state.entries[key] = Entry(value: value, generation: generation, expires: expires)
            }
            return try result.get()
        }
    }

    /// Something of the partner's changed: its values are read again.
    func invalidate(partnerID: UUID) {
        state.withLockedValue { state in
            state.generations[partnerID, default: 0] &+= 1
            state.entries = state.entries.filter { partnerOf($0.key) != partnerID }
        }
    }

    var entryCount: Int { state.withLockedValue { $0.entries.count } }
}

extension Application {
    private struct HeaderCountsKey: StorageKey { typealias Value = HeaderCounts.Cache }
    private struct GroupPathsKey: StorageKey { typealias Value = PartnerCache<UUID, GroupPaths> }
    private struct TaskCountsKey: StorageKey { typealias Value = PartnerCache<TaskCounts.Key, [OutstandingTasks.Section]> }
    private struct GroupAccountCountsKey: StorageKey { typealias Value = PartnerCache<HeaderCounts.Key, [UUID: Int]> }

    /// The Groups page's accounts in each group that the reader may see. Set up by `configure`.
    var groupAccountCounts: PartnerCache<HeaderCounts.Key, [UUID: Int]> {
        get {
            guard let cache = storage[GroupAccountCountsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[GroupAccountCountsKey.self] = newValue }
    }

    /// Set up by `configure`, before the application serves.
    var headerCounts: HeaderCounts.Cache {
        get {
            guard let cache = storage[HeaderCountsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[HeaderCountsKey.self] = newValue }
    }

    /// Home's task counts (every category's rows counted, none listed). Set up by `configure`.
    var taskCounts: PartnerCache<TaskCounts.Key, [OutstandingTasks.Section]> {
        get {
            guard let cache = storage[TaskCountsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[TaskCountsKey.self] = newValue }
    }

    /// Each partner's group labels, by partner id. Set up by `configure`.
    var groupPaths: PartnerCache<UUID, GroupPaths> {
        get {
            guard let cache = storage[GroupPathsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[GroupPathsKey.self] = newValue }
    }
}

/// Home's task counts, per operator and thresholds.
enum TaskCounts {
    struct Key: Hashable, Sendable {
        /// What decides which accounts and operators the reader sees, as for the header counts.
        let reader: HeaderCounts.Key
        /// The partner's thresholds, which decide what is a task (a change made elsewhere
        /// shows at once, not when the cached counts expire).
        let thresholds: TaskThresholds

        init(actor: Actor, thresholds: TaskThresholds) {
            reader = HeaderCounts.Key(actor: actor, filter: .init())
            self.thresholds = thresholds
        }
    }
}

/// Drops the partner's cached values after every successful change on its domain.
struct PartnerCacheInvalidation: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if ![.GET, .HEAD, .OPTIONS].contains(request.method), response.status.code < 400,
           let partnerID = request.partnerIfResolved?.id {
            request.application.headerCounts.invalidate(partnerID: partnerID)
            request.application.taskCounts.invalidate(partnerID: partnerID)
            request.application.groupPaths.invalidate(partnerID: partnerID)
            request.application.groupAccountCounts.invalidate(partnerID: partnerID)
            request.application.logoVersions.invalidate(partnerID: partnerID)
            request.application.homeCards.invalidate(partnerID: partnerID)
            request.application.listChoices.invalidate(partnerID: partnerID)
            request.application.partnerHosts.invalidate(partnerID: partnerID)
        }
        return response
    }
}
