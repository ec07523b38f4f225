import Fluent
import Foundation
import SQLKit

/// What bookings and payments share: the signed-in person's account, times as the forms
/// give them, text checks, and ids of records made here.
enum WorkspaceRecords {
    static func account(of user: WorkspaceUser, on db: any Database) async throws -> Account {
        guard let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        return account
    }

    static let utc = TimeZone(identifier: "UTC")!

    /// The Gregorian calendar in UTC, the workspace's clock.
    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar
    }

    /// A time as a `datetime-local` field sends it (`2026-03-14T09:30`, seconds optional),
    /// read as UTC, the workspace's clock.
    static func time(_ raw: String) -> Parsed<Date> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .failure("Enter a date and time.") }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc
        formatter.isLenient = false
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            // Round-tripping refuses dates the formatter would otherwise roll over (31 February).
            if text.count <= 19, let date = formatter.date(from: text), formatter.string(from: date) == text { return .success(date) }
        }
        return .failure("Enter a date and time like 2026-03-14 09:30.")
    }

    /// "14 Mar 2026, 09:30 UTC".
    static func describe(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = utc
        formatter.dateFormat = "d MMM yyyy, HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// The value a `datetime-local` field shows for `date`.
    static func fieldValue(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }

    /// Text of several lines: no control characters but line breaks, at most `maxLength`.
    static func multiline(_ raw: String, maxLength: Int) -> OperatorInput.Checked {
        let unified = raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        guard let trimmed = DisplayText.trimmed(unified) else { return .failure("Enter some text, or leave it empty.") }
        guard trimmed.unicodeScalars.allSatisfy({ $0 == "\n" || !DisplayText.isControl($0) }) else { return .failure("Remove the control characters.") }
        guard trimmed.unicodeScalars.count <= maxLength else { return .failure("Use at most \(maxLength) characters.") }
        return .success(trimmed)
    }

    /// An id for a record made here, unlike any an integration sends (they choose their own).
    static func externalID(prefix: String) -> String {
        prefix + SecretToken.generate().value.prefix(24)
    }
}

extension WorkspaceRecords {
    /// A parsed value, or the message to show next to the field.
    enum Parsed<Value: Sendable>: Sendable {
        case success(Value)
        case failure(String)
    }
}

/// The account's last activity, moved forward by what its people do in the workspace (as
/// `AccountActivity.record` moves it for what integrations report). It never goes back.
enum AccountActivityClock {
    static func touch(accountID: UUID, partnerID: UUID, at time: Date, on db: any Database) async throws {
        try await db.sql.update(Account.schema).set("last_activity_at", to: time)
            .where("id", .equal, accountID).where("partner_id", .equal, partnerID)
            .where(SQLQueryString("(last_activity_at IS NULL OR last_activity_at < \(bind: time))")).run()
    }
}
