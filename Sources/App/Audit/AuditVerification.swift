import Fluent
import Foundation
import SQLKit

/// Walking a partner's audit chain (see `AuditChain`).
extension AuditChain {
    struct Report: Sendable {
        /// The signed head the walk checked against.
        var head: Head
        /// Entries checked, tombstones among them.
        var checked = 0
        var tombstones = 0
        /// Entries written but not yet sealed (they are checked once sealed).
        var unsealed = 0
        /// The time of the last entry checked.
        var through: Date?
        var problem: Problem?

        var isIntact: Bool { problem == nil }
    }

    /// The first thing wrong with a chain.
    enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The entry's content, time, target type or stored hashes are not what was sealed.
        case changed(seq: Int64, id: UUID)
        /// No entry, and no tombstone, holds this place.
        case removed(seq: Int64)
        /// The entry does not follow the one before it: one was inserted or removed there, or
        /// entries were renumbered.
        case brokenLink(seq: Int64, id: UUID)
        /// A tombstone for an entry that retention may not have deleted (not account history,
        /// or not yet past the partner's retention period).
        case prunedEarly(seq: Int64, id: UUID)
        /// An entry numbered past the signed head, which no seal wrote.
        case pastHead(seq: Int64, id: UUID)
        /// The head's signature does not verify under any of the installation's keys.
        case unsigned
        /// A row the portal could not have written (an id that is not a UUID, a time that is
        /// not a time): written or changed outside the portal.
        case malformed(seq: Int64)

        var description: String {
            switch self {
            case .changed(let seq, let id): "entry #\(seq) (\(AuditChain.id(id))) was changed after it was sealed"
            case .removed(let seq): "entry #\(seq) was removed"
            case .brokenLink(let seq, let id):
                "entry #\(seq) (\(AuditChain.id(id))) does not follow entry #\(seq - 1): an entry was inserted or removed there"
            case .prunedEarly(let seq, let id): "entry #\(seq) (\(AuditChain.id(id))) was deleted, but retention pruning may not delete it"
            case .pastHead(let seq, let id): "entry #\(seq) (\(AuditChain.id(id))) was inserted after the last sealed entry"
            case .unsigned: "the chain's signed head does not verify: entries were removed from its end, or the head was rewritten"
            case .malformed(let seq): "entry #\(seq) holds values the portal never writes (its id or its time): it was inserted or changed outside the portal"
            }
        }
    }

    /// Entries read per query.
    static let verifyBatch = 5000

    /// Walks the partner's chain from place 1 to its signed head. `retentionDays` is the
    /// partner's history retention, which every tombstone must respect.
    static func verify(partnerID: UUID, signer: Signer, retentionDays: Int, now: Date = Date(), on db: any Database) async throws -> Report {
        let sql = try db.sql
        let stored = try await readStoredHead(partnerID: partnerID, on: sql)
        var report = Report(head: stored?.head ?? Head(seq: 0, hash: genesis))
        report.unsealed = try await count("SELECT COUNT(*) AS n FROM audit_events WHERE partner_id = \(bind: partnerID) AND seq IS NULL", on: sql)
        let head = report.head
        if head.seq > 0, !(stored?.signature.map { signer.verifies($0, of: head, partnerID: partnerID) } ?? false) {
            report.problem = .unsigned
            return report
        }
        let cutoff = now.addingTimeInterval(-TimeInterval(retentionDays) * 86_400)
        var last = Head(seq: 0, hash: genesis)
        walk: while last.seq < head.seq {
            let rows = try await sql.raw("""
                SELECT \(unsafeRaw: entryColumns), NULL AS content_digest, 0 AS tombstone FROM audit_events \
                WHERE partner_id = \(bind: partnerID) AND seq > \(bind: last.seq) AND seq <= \(bind: head.seq) \
                UNION ALL \
                SELECT seq, id, partner_id, at, NULL, '', NULL, NULL, '', target_type, NULL, '', '', '', prev_hash, hash, content_digest, 1 \
                FROM audit_tombstones WHERE partner_id = \(bind: partnerID) AND seq > \(bind: last.seq) AND seq <= \(bind: head.seq) \
                ORDER BY seq LIMIT \(literal: verifyBatch)
                """).all()
            if rows.isEmpty { break }
            for row in rows {
                let seq = try row.decode(column: "seq", as: Int64.self)
                guard let id = try? row.decode(column: "id", as: UUID.self), let at = try? row.decode(column: "at", as: Date.self),
                      let targetType = try? row.decode(column: "target_type", as: String.self)
                else {
                    report.problem = .malformed(seq: seq)
                    break walk
                }
                let isTombstone = try row.decode(column: "tombstone", as: Int.self) == 1
                guard seq == last.seq + 1 else {
                    report.problem = seq > last.seq + 1 ? .removed(seq: last.seq + 1) : .brokenLink(seq: seq, id: id)
                    break walk
                }
                let digest = isTombstone ? try row.decode(column: "content_digest", as: String.self) : contentDigest(try decodeEntry(row))
                let computed = hash(previous: last.hash, seq: seq, id: id, at: at, targetType: targetType, contentDigest: digest)
                let storedHash = try row.decode(column: "hash", as: String?.self)
                let storedPrevious = try row.decode(column: "prev_hash", as: String?.self)
                guard computed == storedHash, storedPrevious == last.hash else {
                    report.problem = storedPrevious == last.hash || computed == storedHash ? .changed(seq: seq, id: id) : .brokenLink(seq: seq, id: id)
                    break walk
                }
                if isTombstone {
                    guard targetType == "account", at < cutoff else {
                        report.problem = .prunedEarly(seq: seq, id: id)
                        break walk
                    }
                    report.tombstones += 1
                }
                report.checked += 1
                report.through = at
                last = Head(seq: seq, hash: computed)
            }
        }
        if report.problem == nil, last != head {
            report.problem = last.seq < head.seq ? .removed(seq: last.seq + 1) : .unsigned
        }
        if report.problem == nil {
            // An entry numbered past the head that a seal made since the walk began is the
            // next seal's; one past the head read again now, no seal wrote.
            let current = try await readStoredHead(partnerID: partnerID, on: sql)?.head ?? head
            if let row = try await sql.raw("""
                SELECT seq, id FROM audit_events WHERE partner_id = \(bind: partnerID) AND seq > \(bind: current.seq) ORDER BY seq LIMIT 1
                """).first() {
                let seq = try row.decode(column: "seq", as: Int64.self)
                report.problem = (try? row.decode(column: "id", as: UUID.self)).map { .pastHead(seq: seq, id: $0) } ?? .malformed(seq: seq)
            }
        }
        return report
    }

    /// Keeps the result on the partner's head row, for the Audit page.
    static func record(_ report: Report, partnerID: UUID, now: Date = Date(), on db: any Database) async throws {
        try await db.sql.raw("""
            UPDATE audit_chain_heads SET verified_at = \(bind: now), verified_seq = \(bind: report.problem == nil ? report.head.seq : nil), \
            verified_through = \(bind: report.problem == nil ? report.through : nil), verify_problem = \(bind: report.problem?.description) \
            WHERE partner_id = \(bind: partnerID)
            """).run()
    }

    /// Verifies every partner's chain and keeps each result; returns how many chains were checked.
    @discardableResult
    static func verifyAll(signer: Signer, now: Date = Date(), on db: any Database) async throws -> Int {
        let partners = try await Partner.query(on: db).all()
        for partner in partners {
            let id = try partner.requireID()
            let report = try await verify(partnerID: id, signer: signer, retentionDays: partner.historyRetentionDays, now: now, on: db)
            try await record(report, partnerID: id, now: now, on: db)
        }
        return partners.count
    }

    static func count(_ query: SQLQueryString, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
