@testable import App
import Fluent
import Foundation
import Testing

@Suite struct HistoryRetentionTests {
    @Test func accountHistoryOlderThanEachPartnersRetentionIsDeletedOnce() async throws {
        try await TestPortal.run { portal in
            let now = Date()
            let acme = try portal.partner.requireID()
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            globex.historyRetentionDays = 30
            try await globex.update(on: portal.db)
            func event(_ partnerID: UUID, _ type: String, daysAgo: Double, _ label: String) async throws {
                try await AuditEvent(partnerID: partnerID, actorID: nil, actorName: "Ada", action: "account.lock", targetType: type,
                                     targetID: UUID().uuidString, targetLabel: label, details: "", ip: "",
                                     at: now.addingTimeInterval(-daysAgo * 86_400)).create(on: portal.db)
            }
            try await event(acme, "account", daysAgo: 200, "acme old")        // past 183 days: goes
            try await event(acme, "account", daysAgo: 100, "acme recent")     // kept
            try await event(acme, "operator", daysAgo: 400, "acme operator")  // not account history: kept
            try await event(globex.requireID(), "account", daysAgo: 40, "globex old")    // past its 30 days: goes
            try await event(globex.requireID(), "account", daysAgo: 10, "globex recent") // kept

            // Two instances running it at once delete the same rows, once.
            async let first = HistoryRetention.prune(now: now, signer: portal.auditSigner, on: portal.db)
            async let second = HistoryRetention.prune(now: now, signer: portal.auditSigner, on: portal.db)
            #expect(try await first + second == 2)
            let left = try await AuditEvent.query(on: portal.db).all().map(\.targetLabel).sorted()
            #expect(left == ["acme operator", "acme recent", "globex recent"])
            #expect(try await HistoryRetention.prune(now: now, signer: portal.auditSigner, on: portal.db) == 0)
        }
    }
}
