import Fluent
import Foundation
import SQLKit

/// Writing messages to the outbox, and claiming due ones for sending. Claims are leases:
/// several instances (or workers) never hold the same row at once, and a crashed worker's
/// lease runs out so another picks the row up.
enum Outbox {
    /// Messages queued while this is set wait until then: an import spreads the invitations
    /// it queues over time, so that thousands of rows do not send thousands of emails at once.
    @TaskLocal static var notBefore: Date?

    /// Adds a message; call it on the database of the transaction that makes the change.
    @discardableResult
    static func enqueue(partnerID: UUID, channel: OutboundMessage.Channel, to recipient: String, subject: String, body: String,
                        about accountID: UUID? = nil, headers: [MailHeader] = [], now: Date = Date(), on db: any Database) async throws -> OutboundMessage {
        let message = message(partnerID: partnerID, channel: channel, to: recipient, subject: subject, body: body, about: accountID,
                              headers: headers, now: now)
        try await message.create(on: db)
        return message
    }

    /// The message `enqueue` adds, for adding many in one statement.
    static func message(partnerID: UUID, channel: OutboundMessage.Channel, to recipient: String, subject: String, body: String,
                        about accountID: UUID? = nil, headers: [MailHeader] = [], now: Date = Date()) -> OutboundMessage {
        let message = OutboundMessage(partnerID: partnerID, channel: channel, recipient: recipient, subject: subject, body: body, now: now)
        message.accountID = accountID
        message.headers = headers
        if let later = notBefore, later > now { message.nextAttemptAt = later }
        return message
    }

    /// Claims up to `limit` due messages for `worker` until `now + lease`.
    static func claim(worker: String, limit: Int, lease: TimeInterval, now: Date, on db: any Database) async throws -> [OutboundMessage] {
        let sql = try db.sql
        let until = now.addingTimeInterval(lease)
        // The outer condition repeats the inner one: under concurrent claims, PostgreSQL
        // re-checks it on the latest row version, so a row claimed meanwhile is skipped.
        let rows = try await sql.raw("""
            UPDATE outbound_messages SET claimed_by = \(bind: worker), claimed_until = \(bind: until)
            WHERE id IN (
                SELECT id FROM outbound_messages
                WHERE status = \(bind: OutboundMessage.Status.pending.rawValue) AND next_attempt_at <= \(bind: now)
                  AND (claimed_until IS NULL OR claimed_until < \(bind: now))
                ORDER BY next_attempt_at LIMIT \(unsafeRaw: String(max(1, limit))))
            AND status = \(bind: OutboundMessage.Status.pending.rawValue)
            AND (claimed_until IS NULL OR claimed_until < \(bind: now))
            RETURNING id
            """).all()
        let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return [] }
        return try await OutboundMessage.query(on: db).filter(\.$id ~~ ids).filter(\.$claimedBy == worker).sort(\.$nextAttemptAt).all()
    }

    /// Gives back the claims `worker` still holds (it is shutting down), so that another
    /// instance, or this one after a restart, sends those messages without waiting out the lease.
    @discardableResult
    static func release(worker: String, on db: any Database) async throws -> Int {
        let released = try await db.sql.update(OutboundMessage.schema)
            .set("claimed_by", to: SQLLiteral.null).set("claimed_until", to: SQLLiteral.null)
            .where("claimed_by", .equal, worker)
            .where("status", .equal, OutboundMessage.Status.pending.rawValue)
            .returning("id")
            .all()
        return released.count
    }

    /// Records that the server accepted the message. Done right after it did.
    static func markSent(_ message: OutboundMessage, now: Date, on db: any Database) async throws {
        try await OutboundMessage.query(on: db).filter(\.$id == message.requireID())
            .set(\.$status, to: .sent).set(\.$sentAt, to: now).set(\.$attempts, to: message.attempts + 1)
            .set(\.$claimedBy, to: nil).set(\.$claimedUntil, to: nil).set(\.$lastError, to: nil)
            .update()
    }

    /// Keeps the message in the development mailbox (no transport for its channel).
    static func markHeld(_ message: OutboundMessage, now: Date, on db: any Database) async throws {
        try await OutboundMessage.query(on: db).filter(\.$id == message.requireID())
            .set(\.$status, to: .held).set(\.$sentAt, to: now)
            .set(\.$claimedBy, to: nil).set(\.$claimedUntil, to: nil)
            .update()
    }

    /// Schedules another attempt with exponential backoff, or gives up after `maxAttempts`.
    static func markFailedAttempt(_ message: OutboundMessage, error: String, now: Date, maxAttempts: Int,
                                  retryCap: TimeInterval = 900, on db: any Database) async throws {
        let attempts = message.attempts + 1
        let giveUp = attempts >= maxAttempts
        try await OutboundMessage.query(on: db).filter(\.$id == message.requireID())
            .set(\.$attempts, to: attempts)
            .set(\.$status, to: giveUp ? .failed : .pending)
            .set(\.$nextAttemptAt, to: now.addingTimeInterval(backoff(afterAttempt: attempts, cap: retryCap)))
            .set(\.$lastError, to: String(error.prefix(500)))
            .set(\.$claimedBy, to: nil).set(\.$claimedUntil, to: nil)
            .update()
    }

    /// 5 s, 10 s, 20 s … capped (15 minutes by default).
    static func backoff(afterAttempt attempts: Int, cap: TimeInterval = 900) -> TimeInterval {
        min(5 * pow(2, Double(max(0, attempts - 1))), cap)
    }
}
