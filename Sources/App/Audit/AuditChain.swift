import Crypto
import Fluent
import Foundation
import SQLKit

/// The audit log's proof that it was not edited: each partner's entries form a chain of
/// SHA-256 hashes, and the chain's head is signed with a key derived from the installation's
/// secret key, which the database does not hold.
///
/// - **Sealing** (`seal`, the `audit-seal` job, every few seconds): the partner's entries not
///   yet in the chain, oldest first, each given the next place (`seq`, from 1), the hash of the
///   entry before it (`prev_hash`) and its own `hash`; then the head (the last place and hash)
///   signed again. Writing an entry stays one INSERT that waits for nobody.
/// - **An entry's hash** covers its place, id, time and target type, and the digest of the rest
///   of its content (`contentDigest`): so an entry that retention pruning deletes leaves a
///   tombstone (place, id, time, target type, digest, hashes) across which the chain still
///   verifies, and which shows that what went was account history past its retention period.
/// - **Verifying** (`verify`, `portal audit verify`, the daily `audit-verify` job) walks the
///   chain from place 1 and names the first entry that was changed, removed or inserted, then
///   checks the head and its signature. The result is kept on the head row for the Audit page.
///
/// What this does not prove: an entry written straight into the database before the next seal
/// is sealed like the portal's own. Every entry is in the chain within seconds of being
/// written; from then on, any change to it, or to the chain around it, is found.
enum AuditChain {
    static let heads = "audit_chain_heads"
    static let tombstones = "audit_tombstones"
    /// The hash before the first entry.
    static let genesis = String(repeating: "0", count: 64)
    /// Entries sealed in one transaction.
    static let batchSize = 2000
    /// Entries given their place by one UPDATE.
    static let updateBatch = 400

    // MARK: - Hashes

    /// An entry as the chain sees it, read from the database.
    struct Entry: Sendable {
        var seq: Int64?
        var id: UUID
        var partnerID: UUID
        var at: Date
        var actorID: UUID?
        var actorName: String
        var impersonatorID: UUID?
        var impersonatorName: String?
        var action: String
        var targetType: String
        var targetID: String?
        var targetLabel: String
        var details: String
        var ip: String
        var prevHash: String?
        var hash: String?
    }

    /// A value as the hashes take it: its length in UTF-8 bytes, a colon, the value (so that
    /// no two lists of values give the same text).
    static func field(_ value: String) -> String { "\(value.utf8.count):\(value)" }

    static func id(_ value: UUID?) -> String { value?.uuidString.lowercased() ?? "" }

    /// A time as whole microseconds since 1970: what both databases keep exactly.
    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    static func hex(_ digest: SHA256.Digest) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The SHA-256, in hex, of everything about the entry but its place, id, time and target type.
    static func contentDigest(_ entry: Entry) -> String {
        let text = [id(entry.partnerID), id(entry.actorID), entry.actorName, id(entry.impersonatorID), entry.impersonatorName ?? "",
                    entry.action, entry.targetID ?? "", entry.targetLabel, entry.details, entry.ip].map(field).joined()
        return hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// The entry's hash: SHA-256, in hex, of the previous hash, a line break, then the place,
    /// id, time, target type and content digest, each as `field`.
    static func hash(previous: String, seq: Int64, id entryID: UUID, at: Date, targetType: String, contentDigest: String) -> String {
        let text = previous + "\n" + [String(seq), id(entryID), String(micros(at)), targetType, contentDigest].map(field).joined()
        return hex(SHA256.hash(data: Data(text.utf8)))
    }

    // MARK: - Signing

    /// Signs heads with the current key; any of the installation's keys verifies them, so a
    /// head signed before a key rotation still verifies after it.
    struct Signer: Sendable {
        let current: Curve25519.Signing.PrivateKey
        let all: [Curve25519.Signing.PublicKey]

        /// Throws only if a derived seed were not 32 bytes (HKDF gives 32).
        init(_ secrets: SecretBox) throws {
            self.current = try Self.key(secrets.current)
            self.all = try secrets.keys.map { try Self.key($0).publicKey }
        }

        private static func key(_ key: SecretBox.Key) throws -> Curve25519.Signing.PrivateKey {
            // `rawRepresentation` is a 32-byte seed.
            try Curve25519.Signing.PrivateKey(rawRepresentation: key.auditSigning.withUnsafeBytes { Data($0) })
        }

        /// The current public key, base64, for checking heads elsewhere.
        var publicKey: String { current.publicKey.rawRepresentation.base64EncodedString() }

        func sign(_ head: Head, partnerID: UUID) -> String {
            ((try? current.signature(for: Data(head.signedText(partnerID: partnerID).utf8))) ?? Data()).base64EncodedString()
        }

        func verifies(_ signature: String, of head: Head, partnerID: UUID) -> Bool {
            guard let data = Data(base64Encoded: signature) else { return false }
            let text = Data(head.signedText(partnerID: partnerID).utf8)
            return all.contains { $0.isValidSignature(data, for: text) }
        }
    }

    /// A partner's last sealed place and its hash.
    struct Head: Sendable, Equatable {
        var seq: Int64
        var hash: String

        func signedText(partnerID: UUID) -> String { "operator-portal audit head v1\n\(AuditChain.id(partnerID))\n\(seq)\n\(hash)" }
    }

    // MARK: - Sealing

    /// Seals every entry not yet in a chain, partner by partner, a batch per transaction.
    /// Returns how many it sealed. Running it twice, or on two instances at once, seals each
    /// entry once: a partner's head row is locked while its batch is sealed.
    @discardableResult
    static func sealAll(signer: Signer, now: Date = Date(), on db: any Database) async throws -> Int {
        let partners = try await db.sql.raw("SELECT DISTINCT partner_id FROM audit_events WHERE seq IS NULL")
            .all().map { try $0.decode(column: "partner_id", as: UUID.self) }
        var sealed = 0
        for partnerID in partners {
            while true {
                let count = try await seal(partnerID: partnerID, signer: signer, now: now, on: db)
                sealed += count
                if count < batchSize { break }
            }
        }
        return sealed
    }

    /// Seals up to `batchSize` of the partner's entries not yet in its chain, oldest first.
    static func seal(partnerID: UUID, signer: Signer, now: Date = Date(), limit: Int = batchSize, on db: any Database) async throws -> Int {
        try await writes.run { try await db.transaction { tx in
            let sql = try tx.sql
            // Writing first takes SQLite's write lock, so that two instances do not both read the head.
            try await sql.raw("""
                INSERT INTO audit_chain_heads (partner_id, seq, hash) VALUES (\(bind: partnerID), 0, \(bind: genesis)) \
                ON CONFLICT (partner_id) DO NOTHING
                """).run()
            let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
            guard var head = try await readHead(partnerID: partnerID, lock: lock, on: sql) else { return 0 }
            let rows = try await sql.raw("""
                SELECT \(unsafeRaw: entryColumns) FROM audit_events WHERE partner_id = \(bind: partnerID) AND seq IS NULL \
                ORDER BY at, id LIMIT \(literal: limit)
                """).all()
            guard !rows.isEmpty else { return 0 }
            var sealed: [(id: UUID, seq: Int64, previous: String, hash: String)] = []
            sealed.reserveCapacity(rows.count)
            for row in rows {
                // A row the portal could not have written (an id that is not a UUID) is left
                // unsealed, and counted as waiting by verify, instead of stopping every seal.
                guard let entry = try? decodeEntry(row) else { continue }
                let seq = head.seq + 1
                let hash = hash(previous: head.hash, seq: seq, id: entry.id, at: entry.at, targetType: entry.targetType,
                                contentDigest: contentDigest(entry))
                sealed.append((entry.id, seq, head.hash, hash))
                head = Head(seq: seq, hash: hash)
            }
            guard !sealed.isEmpty else { return 0 }
            // A few hundred rows per UPDATE, from a VALUES list (columns column1…column4 on both databases).
            for start in stride(from: 0, to: sealed.count, by: updateBatch) {
                let part = sealed[start..<min(start + updateBatch, sealed.count)]
                let values = SQLList(part.map { row in
                    SQLGroupExpression([SQLBind(row.id), SQLBind(row.seq), SQLBind(row.previous), SQLBind(row.hash)])
                })
                try await sql.raw("""
                    UPDATE audit_events SET seq = v.column2, prev_hash = v.column3, hash = v.column4 \
                    FROM (VALUES \(values)) AS v WHERE audit_events.id = v.column1 AND audit_events.seq IS NULL
                    """).run()
            }
            try await sql.raw("""
                UPDATE audit_chain_heads SET seq = \(bind: head.seq), hash = \(bind: head.hash), \
                signature = \(bind: signer.sign(head, partnerID: partnerID)), sealed_at = \(bind: now) \
                WHERE partner_id = \(bind: partnerID)
                """).run()
            return sealed.count
        } }
    }

    /// This process's writes to the chains (seals and retention's tombstones), one at a time;
    /// instances on PostgreSQL wait for each other at the partner's head row.
    static let writes = SerialGate()

    static let entryColumns = "seq, id, partner_id, at, actor_id, actor_name, impersonator_id, impersonator_name, action, target_type, "
        + "target_id, target_label, details, ip, prev_hash, hash"

    static func decodeEntry(_ row: any SQLRow) throws -> Entry {
        Entry(seq: try row.decodeNil(column: "seq") ? nil : row.decode(column: "seq", as: Int64.self),
              id: try row.decode(column: "id", as: UUID.self),
              partnerID: try row.decode(column: "partner_id", as: UUID.self),
              at: try row.decode(column: "at", as: Date.self),
              actorID: try row.decode(column: "actor_id", as: UUID?.self),
              actorName: try row.decode(column: "actor_name", as: String.self),
              impersonatorID: try row.decode(column: "impersonator_id", as: UUID?.self),
              impersonatorName: try row.decode(column: "impersonator_name", as: String?.self),
              action: try row.decode(column: "action", as: String.self),
              targetType: try row.decode(column: "target_type", as: String.self),
              targetID: try row.decode(column: "target_id", as: String?.self),
              targetLabel: try row.decode(column: "target_label", as: String.self),
              details: try row.decode(column: "details", as: String.self),
              ip: try row.decode(column: "ip", as: String.self),
              prevHash: try row.decode(column: "prev_hash", as: String?.self),
              hash: try row.decode(column: "hash", as: String?.self))
    }

    struct StoredHead: Sendable {
        var head: Head
        var signature: String?
        var sealedAt: Date?
        var verifiedAt: Date?
        var verifiedThrough: Date?
        var problem: String?
    }

    private static func readHead(partnerID: UUID, lock: SQLQueryString = "", on sql: any SQLDatabase) async throws -> Head? {
        try await readStoredHead(partnerID: partnerID, lock: lock, on: sql)?.head
    }

    static func readStoredHead(partnerID: UUID, lock: SQLQueryString = "", on sql: any SQLDatabase) async throws -> StoredHead? {
        guard let row = try await sql.raw("""
            SELECT seq, hash, signature, sealed_at, verified_at, verified_through, verify_problem FROM audit_chain_heads \
            WHERE partner_id = \(bind: partnerID)\(lock)
            """).first() else { return nil }
        return StoredHead(head: Head(seq: try row.decode(column: "seq", as: Int64.self), hash: try row.decode(column: "hash", as: String.self)),
                          signature: try row.decode(column: "signature", as: String?.self),
                          sealedAt: try row.decode(column: "sealed_at", as: Date?.self),
                          verifiedAt: try row.decode(column: "verified_at", as: Date?.self),
                          verifiedThrough: try row.decode(column: "verified_through", as: Date?.self),
                          problem: try row.decode(column: "verify_problem", as: String?.self))
    }
}
