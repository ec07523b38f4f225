@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The partner of each host is kept a few seconds; every request gets a copy of its own, and a
/// change on the partner's domain shows on the next request.
@Suite struct PartnerHostCacheTests {
    @Test func aHostIsReadOnceWithinTheLifetimeAndEachRequestGetsItsOwnCopy() async throws {
        try await TestPortal.run { portal in
            let cache = PartnerHostCache(lifetime: 60)
            var reads = 0
            func lookup() async throws -> Partner? {
                try await cache.partner(forHost: "portal.test") {
                    reads += 1
                    return try await PartnerDirectory.partner(forHost: "portal.test", on: portal.db)
                }?.0
            }
            let first = try #require(try await lookup())
            let second = try #require(try await lookup())
            #expect(reads == 1)
            #expect(first !== second)
            // A handler that changes its copy changes no one else's.
            first.name = "Changed in one request"
            #expect(try #require(try await lookup()).name == "Acme Partners")
            // A copy saves as an update of the stored partner, not as a new one.
            second.name = "Renamed"
            try await second.save(on: portal.db)
            #expect(try await Partner.query(on: portal.db).count() == 1)
            #expect(try await Partner.find(portal.partner.id, on: portal.db)?.name == "Renamed")
            // Until dropped, the cache still has the old name; dropped, it reads again.
            cache.invalidate(partnerID: try portal.partner.requireID())
            #expect(try #require(try await lookup()).name == "Renamed")
            #expect(reads == 2)
        }
    }

    @Test func aCopyHasEveryStoredValueOfThePartner() async throws {
        try await TestPortal.run { portal in
            let stored = try #require(try await Partner.find(portal.partner.id, on: portal.db))
            stored.logoURL = "https://cdn.example.com/logo.png"
            let copy = stored.copy()
            #expect(copy !== stored)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            // A field the copy missed would be absent from it.
            #expect(String(decoding: try encoder.encode(copy), as: UTF8.self) == String(decoding: try encoder.encode(stored), as: UTF8.self))
            #expect(try encoder.encode(copy).count > 600)
        }
    }

    @Test func anUnknownHostIsNotKeptAndAnyNameTheDefaultPartnerAnswersIsBounded() async throws {
        try await TestPortal.run { portal in
            let cache = PartnerHostCache(lifetime: 60, capacity: 50)
            var reads = 0
            for index in 0..<200 {
                _ = try await cache.partner(forHost: "name-\(index).example") {
                    reads += 1
                    return try await PartnerDirectory.partner(forHost: "name-\(index).example", on: portal.db)
                }
            }
            #expect(reads == 200)
            #expect(cache.entryCount <= 50)
            let refused = try await cache.partner(forHost: "nobody.example") { nil }
            #expect(refused == nil)
        }
    }

    @Test func aValueReadWhileThePartnerChangesIsNotKept() async throws {
        try await TestPortal.run { portal in
            let cache = PartnerHostCache(lifetime: 60)
            let partnerID = try portal.partner.requireID()
            _ = try await cache.partner(forHost: "portal.test") {
                let found = try await PartnerDirectory.partner(forHost: "portal.test", on: portal.db)
                cache.invalidate(partnerID: partnerID) // a change lands while this read is under way
                return found
            }
            #expect(cache.entryCount == 0)
        }
    }

    @Test func aChangeMadeOnThePartnersDomainShowsOnTheNextRequest() async throws {
        try await TestPortal.run(adjust: { $0.partnerCacheLifetime = 300 }) { portal in
            try await portal.makeOperator()
            let browser = Browser()
            try await portal.signIn(browser: browser)
            let home = try await portal.visit("/", browser: browser)
            #expect(home.body.string.contains("Acme Partners"))
            #expect(portal.app.partnerHosts.entryCount == 1)
            // Any successful change on the domain drops the partner's entries.
            let response = try await portal.submit("/sign-out", ["csrf_token": home.csrfToken ?? ""], browser: browser)
            #expect(response.status == .seeOther)
            #expect(portal.app.partnerHosts.entryCount == 0)
        }
    }
}
