import Fluent
import Foundation
import SQLKit
import Vapor

/// Limits on guessing the second factor that outlive a single pending sign-in.
///
/// A pending sign-in allows a few wrong codes, but each correct password opens a new one; so
/// wrong codes (and wrong recovery codes) are also counted per operator until a code is
/// right. After `failuresBeforeLock` in a row the second factor is locked, for longer each
/// time, and the operator is emailed once per lock. Text messages are capped per operator per
/// hour so that re-sending cannot flood a phone or spend the partner's credit.
final class SecondFactorGuard: Model, @unchecked Sendable {
    static let schema = "second_factor_guards"

    @ID(key: .id) var id: UUID?
    @Field(key: "operator_id") var operatorID: UUID
    @Field(key: "consecutive_failures") var consecutiveFailures: Int
    /// Locks since the last correct code; each one lasts twice as long as the one before.
    @Field(key: "locks") var locks: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @OptionalField(key: "sms_window_started_at") var smsWindowStartedAt: Date?
    @Field(key: "sms_sent_in_window") var smsSentInWindow: Int

    init() {}

    init(operatorID: UUID) {
        self.operatorID = operatorID
        self.consecutiveFailures = 0
        self.locks = 0
        self.smsSentInWindow = 0
    }

    /// Wrong codes in a row, across pending sign-ins, that lock the second factor.
    static let failuresBeforeLock = 10
    static let firstLock: TimeInterval = 15 * 60
    static let longestLock: TimeInterval = 24 * 60 * 60
    /// Failed sign-in steps (wrong codes and wrong passwords) from one client address per
    /// minute before further codes from it are refused with 429.
    static let failuresPerAddressPerMinute = 20
    static let addressWindow: TimeInterval = 60
    static let textsPerHour = 5
    static let textWindow: TimeInterval = 60 * 60

    /// 15 minutes for the first lock, doubling for each further one, at most a day.
    static func lockDuration(forLock number: Int) -> TimeInterval {
        let doublings = Double(max(0, min(number - 1, 20)))
        return min(firstLock * pow(2, doublings), longestLock)
    }

    // MARK: - Reading

    static func find(operatorID: UUID, on db: any Database) async throws -> SecondFactorGuard? {
        try await SecondFactorGuard.query(on: db).filter(\.$operatorID == operatorID).first()
    }

    /// When the operator's second factor unlocks, if it is locked at `now`.
    static func lockedUntil(operatorID: UUID, now: Date, on db: any Database) async throws -> Date? {
        guard let until = try await find(operatorID: operatorID, on: db)?.lockedUntil, until > now else { return nil }
        return until
    }

    /// Whether the client address has failed too often in the last minute.
    static func addressIsThrottled(_ ip: String, now: Date, on db: any Database) async throws -> Bool {
        let failures = try await SignInAttempt.query(on: db)
            .filter(\.$ip == ip).filter(\.$succeeded == false).filter(\.$at > now.addingTimeInterval(-addressWindow)).count()
        return failures >= failuresPerAddressPerMinute
    }

    // MARK: - Counting

    /// Counts a wrong code. Returns the end of the lock when this failure started one (only
    /// the request that starts a lock gets it back, so the email goes out once).
    static func recordFailure(operatorID: UUID, now: Date, on db: any Database) async throws -> Date? {
        let sql = try db.sql
        try await ensureRow(operatorID: operatorID, on: sql)
        return try await WrongCodeCount.countFailure(in: schema, ownerColumn: "operator_id", owner: operatorID, now: now, on: sql)
    }

    /// A right code: the count and the growing lock start again.
    static func recordSuccess(operatorID: UUID, on db: any Database) async throws {
        try await WrongCodeCount.clear(in: schema, ownerColumn: "operator_id", owner: operatorID, on: try db.sql)
    }

    /// Takes one text message from the operator's hourly allowance; returns when the next
    /// one may be sent if none is left.
    static func takeText(operatorID: UUID, now: Date, on db: any Database) async throws -> Date? {
        let guardRow = try await find(operatorID: operatorID, on: db) ?? SecondFactorGuard(operatorID: operatorID)
        if let started = guardRow.smsWindowStartedAt, started > now.addingTimeInterval(-textWindow) {
            guard guardRow.smsSentInWindow < textsPerHour else { return started.addingTimeInterval(textWindow) }
            guardRow.smsSentInWindow += 1
        } else {
            guardRow.smsWindowStartedAt = now
            guardRow.smsSentInWindow = 1
        }
        try await guardRow.save(on: db)
        return nil
    }

    private static func ensureRow(operatorID: UUID, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: schema)
            .columns("id", "operator_id", "consecutive_failures", "locks", "sms_sent_in_window")
            .values(SQLBind(UUID()), SQLBind(operatorID), SQLBind(0), SQLBind(0), SQLBind(0))
            .ignoringConflicts(with: ["operator_id"])
            .run()
    }
}

/// Text for the person about a lock.
extension SecondFactorGuard {
    /// "14:20 UTC on 3 March 2025", in the operator's time zone.
    static func describe(_ date: Date, timeZone identifier: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm zzz 'on' d MMMM yyyy"
        return formatter.string(from: date)
    }

    static func lockedMessage(until: Date, timeZone: String) -> String {
        "Two-step sign-in is locked after too many wrong codes, until \(describe(until, timeZone: timeZone)). "
            + "We emailed you about it. Try again after that time."
    }

    static let addressThrottledMessage = "Too many wrong codes from your network. Wait a minute, then try again."

    static func textCapMessage(until: Date, timeZone: String) -> String {
        "No more text messages can be sent to you for now. Try again after \(describe(until, timeZone: timeZone)), or use a recovery code."
    }
}

/// The time the second-factor rules read, injectable so tests can move it.
extension Application {
    private struct SecondFactorClockKey: StorageKey {
        typealias Value = @Sendable () -> Date
    }

    var secondFactorClock: @Sendable () -> Date {
        get { storage[SecondFactorClockKey.self] ?? { Date() } }
        set { storage[SecondFactorClockKey.self] = newValue }
    }
}

/// Wrong codes in a row and the growing lock that follows them, for a guard table keyed by
/// its owner (an operator, or an owner or staff member of a client account).
enum WrongCodeCount {
    /// Counts a wrong code; returns the end of the lock when this failure started one (only
    /// the request that starts a lock gets it back, so the email goes out once).
    static func countFailure(in table: String, ownerColumn: String, owner: UUID, now: Date, on sql: any SQLDatabase) async throws -> Date? {
        // Counted in the database so that concurrent wrong codes all count.
        guard let counted = try await sql.update(table)
            .set("consecutive_failures", to: SQLRaw("consecutive_failures + 1"))
            .where(SQLIdentifier(ownerColumn), .equal, SQLBind(owner))
            .returning("consecutive_failures", "locks")
            .first()
        else { return nil }
        let failures = try counted.decode(column: "consecutive_failures", as: Int.self)
        let locks = try counted.decode(column: "locks", as: Int.self)
        guard failures >= SecondFactorGuard.failuresBeforeLock else { return nil }
        let until = now.addingTimeInterval(SecondFactorGuard.lockDuration(forLock: locks + 1))
        // Compare-and-set: of two requests that both reached the limit, one starts the lock.
        let locked = try await sql.update(table)
            .set("consecutive_failures", to: 0)
            .set("locks", to: locks + 1)
            .set("locked_until", to: until)
            .where(SQLIdentifier(ownerColumn), .equal, SQLBind(owner))
            .where("consecutive_failures", .equal, failures)
            .where("locks", .equal, locks)
            .returning("id")
            .all()
        return locked.isEmpty ? nil : until
    }

    /// A right code: the count and the growing lock start again.
    static func clear(in table: String, ownerColumn: String, owner: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update(table)
            .set("consecutive_failures", to: 0)
            .set("locks", to: 0)
            .set("locked_until", to: SQLLiteral.null)
            .where(SQLIdentifier(ownerColumn), .equal, SQLBind(owner))
            .run()
    }
}

/// The tries of one pending sign-in, taken before a code is checked: the count goes up in the
/// database first, so that codes sent at once cannot all be checked before any is counted.
enum CodeAttempts {
    /// This try's number (1 for the first), or nil when the attempt has had all its tries.
    static func take(in table: String, id: UUID, on db: any Database) async throws -> Int? {
        let rows = try await db.sql.update(table)
            .set("failures", to: SQLRaw("failures + 1"))
            .where("id", .equal, id)
            .where("failures", .lessThanOrEqual, SignInChallenge.allowedFailures)
            .returning("failures")
            .all()
        return try rows.first?.decode(column: "failures", as: Int.self)
    }
}
