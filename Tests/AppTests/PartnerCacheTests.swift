@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct PartnerCacheTests {
    private func actor(partnerID: UUID = UUID(), role: String = "admin") throws -> Actor {
        let definition = RoleDefinition(builtIn: try #require(BuiltInRole.named(role)))
        return Actor(operatorID: UUID(), partnerID: partnerID, isActive: true, grants: [ActorGrant(role: definition, scope: .all)], hasAssignments: false)
    }

    /// Counts the calls of `count`, answering `value` each time.
    private final class Counter: @unchecked Sendable {
        var calls = 0
        func count(_ value: Int) -> HeaderCounts.Counts {
            calls += 1
            return [.new: value, .active: 0, .inactive: 0]
        }
    }

    @Test func countsAreKeptForTheirLifetimeThenCountedAgain() async throws {
        let cache = HeaderCounts.makeCache()
        let counter = Counter()
        let key = HeaderCounts.Key(actor: try actor(), filter: .init())
        let start = Date()
        #expect(try await cache.value(key, now: start) { counter.count(1) }[.new] == 1)
        #expect(try await cache.value(key, now: start.addingTimeInterval(cache.lifetime - 0.1)) { counter.count(2) }[.new] == 1)
        #expect(counter.calls == 1)
        #expect(try await cache.value(key, now: start.addingTimeInterval(cache.lifetime + 1)) { counter.count(3) }[.new] == 3)
        #expect(counter.calls == 2)
    }

    /// A read that waits for a thread longer than the lifetime does not hand back a value that
    /// is already expired: it is kept for its lifetime from when the read ended.
    @Test func aValueIsKeptForItsLifetimeFromWhenItsReadEnded() async throws {
        let cache = HeaderCounts.makeCache()
        let counter = Counter()
        let key = HeaderCounts.Key(actor: try actor(), filter: .init())
        let clock = SteppedClock(Date())
        let start = clock.now
        _ = try await cache.value(key, now: clock.now) { () -> HeaderCounts.Counts in
            clock.advance(by: cache.lifetime * 3)
            return counter.count(1)
        }
        #expect(try await cache.value(key, now: start.addingTimeInterval(cache.lifetime * 4 - 0.1)) { counter.count(2) }[.new] == 1)
        #expect(try await cache.value(key, now: start.addingTimeInterval(cache.lifetime * 4 + 0.1)) { counter.count(3) }[.new] == 3)
        #expect(counter.calls == 2)
    }

    private final class SteppedClock: @unchecked Sendable {
        private let lock = NSLock()
        private var time: Date
        init(_ time: Date) { self.time = time }
        var now: Date { lock.withLock { time } }
        func advance(by seconds: TimeInterval) { lock.withLock { time = time.addingTimeInterval(seconds) } }
    }

    @Test func statusAndOrderShareAnEntryButOtherFiltersAndOperatorsDoNot() async throws {
        let cache = HeaderCounts.makeCache()
        let counter = Counter()
        let ada = try actor()
        var active = AccountDirectory.Filter()
        active.status = .active
        active.sort = .newest
        _ = try await cache.value(.init(actor: ada, filter: .init())) { counter.count(1) }
        _ = try await cache.value(.init(actor: ada, filter: active)) { counter.count(1) }
        #expect(counter.calls == 1)
        var search = AccountDirectory.Filter()
        search.search = "bakery"
        _ = try await cache.value(.init(actor: ada, filter: search)) { counter.count(1) }
        #expect(counter.calls == 2)
        // Another operator of the same partner, and the same operator with another grant, count on their own.
        _ = try await cache.value(.init(actor: try actor(partnerID: ada.partnerID), filter: .init())) { counter.count(1) }
        let viewer = Actor(operatorID: ada.operatorID, partnerID: ada.partnerID, isActive: true,
                           grants: [ActorGrant(role: RoleDefinition(builtIn: try #require(BuiltInRole.named("viewer"))), scope: .all)], hasAssignments: false)
        _ = try await cache.value(.init(actor: viewer, filter: .init())) { counter.count(1) }
        #expect(counter.calls == 4)
        // The same grants listed in another order (PostgreSQL returns them in any) share the entry.
        let support = ActorGrant(role: RoleDefinition(builtIn: try #require(BuiltInRole.named("support"))), scope: .all)
        let marketing = ActorGrant(role: RoleDefinition(builtIn: try #require(BuiltInRole.named("marketing"))), scope: .assigned)
        let one = Actor(operatorID: ada.operatorID, partnerID: ada.partnerID, isActive: true, grants: [support, marketing], hasAssignments: false)
        let other = Actor(operatorID: ada.operatorID, partnerID: ada.partnerID, isActive: true, grants: [marketing, support], hasAssignments: false)
        _ = try await cache.value(.init(actor: one, filter: .init())) { counter.count(1) }
        _ = try await cache.value(.init(actor: other, filter: .init())) { counter.count(1) }
        #expect(counter.calls == 5)
    }

    @Test func aChangeDropsThePartnersCountsOnlyAndACountRacingItIsNotKept() async throws {
        let cache = HeaderCounts.makeCache()
        let counter = Counter()
        let ada = try actor(), bob = try actor()
        let adaKey = HeaderCounts.Key(actor: ada, filter: .init()), bobKey = HeaderCounts.Key(actor: bob, filter: .init())
        _ = try await cache.value(adaKey) { counter.count(1) }
        _ = try await cache.value(bobKey) { counter.count(1) }
        cache.invalidate(partnerID: ada.partnerID)
        #expect(try await cache.value(adaKey) { counter.count(2) }[.new] == 2)
        #expect(try await cache.value(bobKey) { counter.count(2) }[.new] == 1)
        // A change lands while the count runs: that count is answered but not kept.
        let raced = try await cache.value(adaKey, now: Date().addingTimeInterval(cache.lifetime + 1)) { () -> HeaderCounts.Counts in
            cache.invalidate(partnerID: ada.partnerID)
            return counter.count(3)
        }
        #expect(raced[.new] == 3)
        #expect(try await cache.value(adaKey, now: Date().addingTimeInterval(cache.lifetime + 1)) { counter.count(4) }[.new] == 4)
    }

    private struct TimedOut: Error {}

    /// Waits for `condition`, failing after 30 s instead of waiting for ever.
    private static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A read that waits until it is let go, counting how often it was started.
    private final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var started = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private var open = false
        var reads: Int { lock.withLock { started } }
        func read(_ value: Int) async -> HeaderCounts.Counts {
            let mustWait = lock.withLock { () -> Bool in started += 1; return !open }
            if mustWait {
                await withCheckedContinuation { continuation in
                    let resumeNow = lock.withLock { () -> Bool in
                        if open { return true }
                        waiting.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            return [.new: value, .active: 0, .inactive: 0]
        }
        func letGo() {
            let resumed = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
                open = true
                defer { waiting = [] }
                return waiting
            }
            resumed.forEach { $0.resume() }
        }
    }

    @Test func requestsThatMissTogetherShareOneReadAndAnExpiredValueIsServedWhileItIsReadAgain() async throws {
        let cache = HeaderCounts.makeCache()
        let key = HeaderCounts.Key(actor: try actor(), filter: .init())
        let gate = Gate()
        let start = Date()
        let values = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.value(key, now: start) { await gate.read(1) }[.new] } }
            // Every request is waiting on the one read before it is let go.
            try await Self.waitUntil { gate.reads > 0 }
            try await Task.sleep(for: .milliseconds(50))
            gate.letGo()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(gate.reads == 1 && values == Array(repeating: 1, count: 20))

        // Expired: the first request reads again (and waits for it); the others get the old value meanwhile.
        let later = start.addingTimeInterval(cache.lifetime + 1)
        let slow = Gate()
        let leader = Task { try await cache.value(key, now: later) { await slow.read(2) }[.new] }
        try await Self.waitUntil { slow.reads > 0 }
        #expect(try await cache.value(key, now: later) { [.new: 99] }[.new] == 1)
        #expect(slow.reads == 1)
        slow.letGo()
        #expect(try await leader.value == 2)
        #expect(try await cache.value(key, now: later) { [.new: 99] }[.new] == 2)

        // After a change nobody is given the old value: a read that fails fails for its waiters and is not kept.
        cache.invalidate(partnerID: key.partnerID)
        struct Failed: Error {}
        await #expect(throws: Failed.self) { try await cache.value(key, now: later) { throw Failed() } }
        #expect(try await cache.value(key, now: later) { [.new: 3] }[.new] == 3)
    }

    @Test func theCacheHoldsAtMostItsCapacity() async throws {
        let cache = HeaderCounts.makeCache()
        let ada = try actor()
        for index in 0..<(cache.capacity + 10) {
            var filter = AccountDirectory.Filter()
            filter.search = "term \(index)"
            _ = try await cache.value(.init(actor: ada, filter: filter)) { [.new: index] }
        }
        #expect(cache.entryCount <= cache.capacity)
    }

    /// Through the pages: an account created in the UI shows in the list's counts at once,
    /// although the counts were just cached; and every answer carries the server's time.
    @Test func theListShowsAChangeAtOnceAndAnswersCarryServerTiming() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            func newCount() async throws -> String? {
                let page = try await portal.visit("/accounts", browser: browser)
                #expect(page.headers.first(name: "Server-Timing")?.hasPrefix("app;dur=") == true)
                // A new account is in setup until its owner finishes the onboarding: counted there.
                let pattern = /<div class="label">In setup<\/div><div class="value">(\d+)<\/div>/
                return page.text.firstMatch(of: pattern).map { String($0.1) }
            }
            #expect(try await newCount() == "0")
            #expect(portal.app.headerCounts.entryCount == 1)
            let form = try await portal.visit("/accounts/new", browser: browser)
            let made = try await portal.submit("/accounts", ["name": "Corner Shop", "email": "shop@example.com", "csrf_token": form.csrfToken ?? ""],
                                               browser: browser)
            #expect(made.status == .seeOther)
            #expect(try await newCount() == "1")

            // The group labels of the list are kept too, and a rename shows at once.
            let groupsPage = try await portal.visit("/groups", browser: browser)
            #expect(try await portal.submit("/groups", ["csrf_token": groupsPage.csrfToken ?? "", "name": "North", "parent": ""], browser: browser).status == .seeOther)
            let north = try #require(try await AccountGroup.query(on: portal.db).filter(\.$name == "North").first())
            let filtered = "/accounts?group=\(try north.requireID().uuidString.lowercased())"
            #expect(try await portal.visit(filtered, browser: browser).text.contains("id=\"group-search\" type=\"text\" value=\"North\""))
            #expect(try await portal.submit("/groups/\(try north.requireID().uuidString.lowercased())/rename",
                                            ["csrf_token": groupsPage.csrfToken ?? "", "name": "Northern"], browser: browser).status == .seeOther)
            let renamed = try await portal.visit(filtered, browser: browser)
            #expect(renamed.text.contains("id=\"group-search\" type=\"text\" value=\"Northern\"") && !renamed.text.contains("value=\"North\""))
        }
    }
}
