@testable import App
import Fluent
import Foundation
import SQLKit
import Testing

/// The audit log's chain of hashes: sealing, verifying, and what each kind of tampering with
/// the rows (as someone with the database open would do it, in SQL) makes verification say.
@Suite struct AuditChainTests {
    /// `count` entries on the test partner, a second apart, oldest first.
    @discardableResult
    func write(_ portal: TestPortal, _ count: Int, type: String = "operator", daysAgo: Double = 1) async throws -> [AuditEvent] {
        let start = Date().addingTimeInterval(-daysAgo * 86_400)
        var events: [AuditEvent] = []
        for index in 0..<count {
            let event = Audit.entry("operator.updated", by: AuditActor(id: UUID(), name: "Ada \(index)"), partnerID: try portal.partner.requireID(),
                                    target: (type, UUID().uuidString.lowercased(), "Target \(index)"), details: "name: A → B\nline \(index)",
                                    ip: "203.0.113.\(index % 250)", now: start.addingTimeInterval(Double(index)))
            try await event.create(on: portal.db)
            events.append(event)
        }
        return events
    }

    func verify(_ portal: TestPortal, retentionDays: Int = 183) async throws -> AuditChain.Report {
        try await AuditChain.verify(partnerID: try portal.partner.requireID(), signer: portal.auditSigner, retentionDays: retentionDays, on: portal.db)
    }

    func sql(_ portal: TestPortal) throws -> any SQLDatabase { try portal.db.sql }

    func seq(_ portal: TestPortal, _ event: AuditEvent) async throws -> Int64 {
        try await sql(portal).raw("SELECT seq FROM audit_events WHERE id = \(bind: event.requireID())").first()!.decode(column: "seq", as: Int64.self)
    }

    @Test func sealingNumbersEachPartnersEntriesOnceAndLinksEachToTheOneBefore() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let events = try await write(portal, 5)
            try await Audit.record("partner.updated", by: .system, partnerID: globex.requireID(), target: ("partner", nil, "Globex"), on: portal.db)
            #expect(try await verify(portal).unsealed == 5)

            // Two instances sealing at once seal each entry once.
            async let first = AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            async let second = AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            #expect(try await first + second == 6)
            #expect(try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db) == 0)

            let rows = try await sql(portal).raw("SELECT \(unsafeRaw: AuditChain.entryColumns) FROM audit_events WHERE partner_id = \(bind: portal.partner.requireID()) ORDER BY seq")
                .all().map(AuditChain.decodeEntry)
            #expect(rows.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(rows.map(\.id) == events.map(\.id))
            #expect(rows.first?.prevHash == AuditChain.genesis)
            for (before, entry) in zip(rows, rows.dropFirst()) { #expect(entry.prevHash == before.hash) }

            let report = try await verify(portal)
            #expect(report.isIntact && report.checked == 5 && report.unsealed == 0 && report.head.seq == 5)
            let other = try await AuditChain.verify(partnerID: globex.requireID(), signer: portal.auditSigner, retentionDays: 183, on: portal.db)
            #expect(other.isIntact && other.checked == 1)
        }
    }

    @Test func anEditedEntryIsNamed() async throws {
        try await TestPortal.run { portal in
            let events = try await write(portal, 6)
            try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            let target = events[3]
            let targetID = try target.requireID()
            // Any column the hash covers: the content, the time, the target type, the stored hashes.
            let edits: [SQLQueryString] = [
                "UPDATE audit_events SET details = 'nothing happened' WHERE id = \(bind: targetID)",
                "UPDATE audit_events SET actor_name = 'Someone else' WHERE id = \(bind: targetID)",
                "UPDATE audit_events SET at = \(bind: target.at.addingTimeInterval(-3600)) WHERE id = \(bind: targetID)",
                "UPDATE audit_events SET target_type = 'account' WHERE id = \(bind: targetID)",
                "UPDATE audit_events SET prev_hash = \(bind: String(repeating: "a", count: 64)) WHERE id = \(bind: targetID)",
            ]
            for edit in edits {
                let original = try await sql(portal).raw("SELECT \(unsafeRaw: AuditChain.entryColumns) FROM audit_events WHERE id = \(bind: target.requireID())")
                    .first().map(AuditChain.decodeEntry)!
                try await sql(portal).raw(edit).run()
                #expect(try await verify(portal).problem == .changed(seq: 4, id: target.requireID()), "\(edit)")
                try await sql(portal).raw("""
                    UPDATE audit_events SET details = \(bind: original.details), actor_name = \(bind: original.actorName), at = \(bind: original.at), \
                    target_type = \(bind: original.targetType), prev_hash = \(bind: original.prevHash) WHERE id = \(bind: target.requireID())
                    """).run()
                #expect(try await verify(portal).isIntact)
            }
        }
    }

    @Test func aRemovedEntryIsNamedInTheMiddleAndAtTheEnd() async throws {
        try await TestPortal.run { portal in
            let events = try await write(portal, 6)
            try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            try await sql(portal).raw("DELETE FROM audit_events WHERE id = \(bind: events[5].requireID())").run()
            #expect(try await verify(portal).problem == .removed(seq: 6))
            try await sql(portal).raw("DELETE FROM audit_events WHERE id = \(bind: events[2].requireID())").run()
            #expect(try await verify(portal).problem == .removed(seq: 3))
        }
    }

    @Test func anInsertedEntryIsNamedWhereverItGoes() async throws {
        try await TestPortal.run { portal in
            let events = try await write(portal, 5)
            try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            let partnerID = try portal.partner.requireID()
            func insert(seq: Int64, prevHash: String, at: Date) async throws -> UUID {
                let id = UUID()
                var entry = AuditChain.Entry(seq: seq, id: id, partnerID: partnerID, at: at, actorID: nil, actorName: "Ghost", impersonatorID: nil,
                                             impersonatorName: nil, action: "operator.updated", targetType: "operator", targetID: nil,
                                             targetLabel: "Nobody", details: "", ip: "", prevHash: prevHash, hash: nil)
                entry.hash = AuditChain.hash(previous: prevHash, seq: seq, id: id, at: at, targetType: "operator", contentDigest: AuditChain.contentDigest(entry))
                try await sql(portal).raw("""
                    INSERT INTO audit_events (id, partner_id, actor_name, action, target_type, target_label, details, ip, at, seq, prev_hash, hash) \
                    VALUES (\(bind: id), \(bind: partnerID), 'Ghost', 'operator.updated', 'operator', 'Nobody', '', '', \(bind: at), \(bind: seq), \
                    \(bind: prevHash), \(bind: entry.hash))
                    """).run()
                return id
            }
            let head = try #require(try await AuditChain.readStoredHead(partnerID: partnerID, on: sql(portal))).head

            // An entry written straight into the table before the next seal is sealed like the
            // portal's own: until then it counts as waiting, and the chain stays intact.
            let waiting = UUID()
            try await sql(portal).raw("""
                INSERT INTO audit_events (id, partner_id, actor_name, action, target_type, target_label, details, ip, at) \
                VALUES (\(bind: waiting), \(bind: partnerID), 'Ghost', 'operator.updated', 'operator', 'Nobody', '', '', \(bind: Date()))
                """).run()
            let report = try await verify(portal)
            #expect(report.isIntact && report.unsealed == 1)
            try await sql(portal).raw("DELETE FROM audit_events WHERE id = \(bind: waiting)").run()

            // After the signed head, with a correct hash: no seal wrote it.
            let after = try await insert(seq: 6, prevHash: head.hash, at: Date())
            #expect(try await verify(portal).problem == .pastHead(seq: 6, id: after))
            try await sql(portal).raw("DELETE FROM audit_events WHERE id = \(bind: after)").run()
            #expect(try await verify(portal).isIntact)
            if try sql(portal).dialect.name == "sqlite" {
                // SQLite keeps ids as text: one that is not a UUID names its place instead of stopping the walk.
                try await sql(portal).raw("""
                    INSERT INTO audit_events (id, partner_id, actor_name, action, target_type, target_label, details, ip, at, seq, prev_hash, hash) \
                    VALUES ('not-a-uuid', \(bind: partnerID), 'Ghost', 'operator.updated', 'operator', 'Nobody', '', '', \(bind: Date()), 6, \(bind: head.hash), 'x')
                    """).run()
                #expect(try await verify(portal).problem == .malformed(seq: 6))
                try await sql(portal).raw("UPDATE audit_events SET seq = seq + 1000 WHERE partner_id = \(bind: partnerID) AND seq = 4").run()
                try await sql(portal).raw("UPDATE audit_events SET seq = 4 WHERE id = 'not-a-uuid'").run()
                #expect(try await verify(portal).problem == .malformed(seq: 4))
                try await sql(portal).raw("DELETE FROM audit_events WHERE id = 'not-a-uuid'").run()
                try await sql(portal).raw("UPDATE audit_events SET seq = 4 WHERE partner_id = \(bind: partnerID) AND seq = 1004").run()
                #expect(try await verify(portal).isIntact)
                // Not yet sealed, it waits, and the portal's own entries are still sealed after it.
                try await sql(portal).raw("""
                    INSERT INTO audit_events (id, partner_id, actor_name, action, target_type, target_label, details, ip, at) \
                    VALUES ('not-a-uuid', \(bind: partnerID), 'Ghost', 'operator.updated', 'operator', 'Nobody', '', '', \(bind: Date()))
                    """).run()
                try await Audit.record("role.created", by: AuditActor(id: nil, name: "Ada"), partnerID: partnerID, target: ("role", nil, "Role"), on: portal.db)
                #expect(try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db) == 1)
                let waiting = try await verify(portal)
                #expect(waiting.isIntact && waiting.unsealed == 1 && waiting.head.seq == 6)
                try await sql(portal).raw("DELETE FROM audit_events WHERE id = 'not-a-uuid'").run()
            }

            // In the middle: the entries from there on renumbered to make room.
            try await sql(portal).raw("UPDATE audit_events SET seq = seq + 100 WHERE partner_id = \(bind: partnerID) AND seq >= 3").run()
            try await sql(portal).raw("UPDATE audit_events SET seq = seq - 99 WHERE partner_id = \(bind: partnerID) AND seq >= 103").run()
            let second = try await sql(portal).raw("SELECT hash FROM audit_events WHERE seq = 2 AND partner_id = \(bind: partnerID)").first()!
                .decode(column: "hash", as: String.self)
            // A time both databases keep exactly (PostgreSQL keeps whole microseconds), so that its hash is right.
            _ = try await insert(seq: 3, prevHash: second, at: Date(timeIntervalSince1970: events[1].at.timeIntervalSince1970.rounded(.down) + 0.5))
            #expect(try await verify(portal).problem == .brokenLink(seq: 4, id: events[2].requireID()))

        }
    }

    @Test func aRewrittenChainDoesNotVerifyWithoutTheKey() async throws {
        try await TestPortal.run { portal in
            let events = try await write(portal, 4)
            try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            let partnerID = try portal.partner.requireID()
            // Drop the last entry and point the head at the one before it, signature kept.
            try await sql(portal).raw("DELETE FROM audit_events WHERE id = \(bind: events[3].requireID())").run()
            let third = try await sql(portal).raw("SELECT hash FROM audit_events WHERE seq = 3 AND partner_id = \(bind: partnerID)").first()!
                .decode(column: "hash", as: String.self)
            try await sql(portal).raw("UPDATE audit_chain_heads SET seq = 3, hash = \(bind: third) WHERE partner_id = \(bind: partnerID)").run()
            #expect(try await verify(portal).problem == .unsigned)
            // Signed with another installation's key, it fails the same way.
            let other = try AuditChain.Signer(SecretBox(secret: Data(repeating: 7, count: 32)))
            let forged = other.sign(.init(seq: 3, hash: third), partnerID: partnerID)
            try await sql(portal).raw("UPDATE audit_chain_heads SET signature = \(bind: forged) WHERE partner_id = \(bind: partnerID)").run()
            #expect(try await verify(portal).problem == .unsigned)
            // Signed with this installation's key (as a seal would), it verifies.
            try await sql(portal).raw("UPDATE audit_chain_heads SET signature = \(bind: portal.auditSigner.sign(.init(seq: 3, hash: third), partnerID: partnerID)) WHERE partner_id = \(bind: partnerID)").run()
            #expect(try await verify(portal).isIntact)
        }
    }

    @Test func aHeadSignedBeforeAKeyRotationStillVerifies() async throws {
        let old = Data(repeating: 1, count: 32), new = Data(repeating: 2, count: 32)
        let before = try AuditChain.Signer(SecretBox(secret: old))
        let after = try AuditChain.Signer(SecretBox(secret: new, previous: [old]))
        let head = AuditChain.Head(seq: 9, hash: String(repeating: "b", count: 64))
        let partner = UUID()
        let signature = before.sign(head, partnerID: partner)
        #expect(after.verifies(signature, of: head, partnerID: partner))
        #expect(try !AuditChain.Signer(SecretBox(secret: new)).verifies(signature, of: head, partnerID: partner))
        #expect(!after.verifies(signature, of: .init(seq: 10, hash: head.hash), partnerID: partner))
        #expect(!after.verifies(signature, of: head, partnerID: UUID()))
    }

    @Test func pruningLeavesTombstonesSoThatTheChainStillVerifies() async throws {
        try await TestPortal.run { portal in
            let old = try await write(portal, 3, type: "account", daysAgo: 400)
            let kept = try await write(portal, 2, type: "operator", daysAgo: 300)
            let recent = try await write(portal, 2, type: "account", daysAgo: 1)
            try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            try await write(portal, 1, type: "account", daysAgo: 500)   // written late, sealed by the prune itself
            #expect(try await HistoryRetention.prune(signer: portal.auditSigner, on: portal.db) == 4)
            let left = try await AuditEvent.query(on: portal.db).all().compactMap(\.id)
            #expect(Set(left) == Set((kept + recent).compactMap(\.id)))
            let report = try await verify(portal)
            #expect(report.isIntact && report.checked == 8 && report.tombstones == 4)
            #expect(try await AuditChain.count("SELECT COUNT(*) AS n FROM audit_tombstones", on: sql(portal)) == 4)
            // A tombstone says nothing of what the entry said.
            let columns = try await sql(portal).raw("SELECT * FROM audit_tombstones").first()!.allColumns
            #expect(Set(columns) == ["partner_id", "seq", "id", "at", "target_type", "content_digest", "prev_hash", "hash"])

            // Passing off a recent entry, or one that is not account history, as pruned is found.
            for (event, expected) in [(recent[0], Int64(6)), (kept[0], Int64(4))] {
                let entry = try await sql(portal).raw("SELECT \(unsafeRaw: AuditChain.entryColumns) FROM audit_events WHERE id = \(bind: event.requireID())")
                    .first().map(AuditChain.decodeEntry)!
                #expect(entry.seq == expected)
                try await sql(portal).raw("""
                    INSERT INTO audit_tombstones (partner_id, seq, id, at, target_type, content_digest, prev_hash, hash) VALUES \
                    (\(bind: entry.partnerID), \(bind: entry.seq), \(bind: entry.id), \(bind: entry.at), \(bind: entry.targetType), \
                    \(bind: AuditChain.contentDigest(entry)), \(bind: entry.prevHash), \(bind: entry.hash))
                    """).run()
                try await sql(portal).raw("DELETE FROM audit_events WHERE id = \(bind: entry.id)").run()
                #expect(try await verify(portal).problem == .prunedEarly(seq: expected, id: entry.id))
                try await sql(portal).raw("DELETE FROM audit_tombstones WHERE id = \(bind: entry.id)").run()
                try await sql(portal).raw("""
                    INSERT INTO audit_events (id, partner_id, actor_id, actor_name, action, target_type, target_id, target_label, details, ip, at, seq, prev_hash, hash) \
                    VALUES (\(bind: entry.id), \(bind: entry.partnerID), \(bind: entry.actorID), \(bind: entry.actorName), \(bind: entry.action), \
                    \(bind: entry.targetType), \(bind: entry.targetID), \(bind: entry.targetLabel), \(bind: entry.details), \(bind: entry.ip), \
                    \(bind: entry.at), \(bind: entry.seq), \(bind: entry.prevHash), \(bind: entry.hash))
                    """).run()
                #expect(try await verify(portal).isIntact)
            }
            _ = old
        }
    }

    @Test func theSealJobSealsAndTheVerifyJobKeepsTheResultForTheAuditPage() async throws {
        try await TestPortal.run { portal in
            try await write(portal, 3)
            let signer = portal.auditSigner
            #expect(try await AuditChain.verifyAll(signer: signer, on: portal.db) >= 1)
            let partnerID = try portal.partner.requireID()
            // Nothing sealed yet: no head to keep a result on.
            #expect(try await AuditChain.readStoredHead(partnerID: partnerID, on: sql(portal)) == nil)
            try await AuditChain.sealAll(signer: signer, on: portal.db)
            try await AuditChain.verifyAll(signer: signer, on: portal.db)
            let kept = try #require(try await AuditChain.readStoredHead(partnerID: partnerID, on: sql(portal)))
            #expect(kept.verifiedAt != nil && kept.problem == nil && kept.verifiedThrough != nil)
            try await sql(portal).raw("UPDATE audit_events SET details = 'edited' WHERE seq = 2 AND partner_id = \(bind: partnerID)").run()
            try await AuditChain.verifyAll(signer: signer, on: portal.db)
            let broken = try #require(try await AuditChain.readStoredHead(partnerID: partnerID, on: sql(portal)))
            #expect(broken.problem?.hasPrefix("entry #2 ") == true && broken.verifiedThrough == nil)
        }
    }
}
