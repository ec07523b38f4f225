import Foundation

/// When each operator's digest goes out: at 08:00 in their own time zone, every day (daily)
/// or on the ISO week's Monday (weekly). A digest is due from 08:00 local on the first day
/// of its period until the period ends, and sent at most once per period (the delivery's
/// period key), so a portal that was down at 08:00 sends it when it comes back:
/// - daily: the same local day, until midnight; the next day has its own digest;
/// - weekly: the same ISO week, until Sunday midnight local: a Monday digest that arrives on
///   Wednesday still lists the week's work, and the next Monday has its own.
/// A period that has passed is never sent. Local times are computed by `Calendar` in the
/// operator's zone, so 08:00 stays 08:00 on the days clocks change.
enum DigestSchedule {
    static let sendHour = 8

    struct Period: Sendable, Equatable {
        /// "daily:2026-03-29" or "weekly:2026-W13": one delivery per operator and key.
        let key: String
        /// 08:00 local on the period's first day.
        let sendsAt: Date
        /// The end of the period: from here on it has passed.
        let endsAt: Date
        /// The local midnight that starts the period (the date the subject names).
        let firstDay: Date
    }

    /// The operator's IANA zone, or UTC when the stored name is unknown.
    static func timeZone(named name: String) -> TimeZone {
        TimeZone(identifier: name) ?? TimeZone(identifier: "UTC")!
    }

    static func calendar(in zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        calendar.locale = Locale(identifier: "en_US_POSIX")
        return calendar
    }

    /// The period `now` falls in, whether or not its digest is due yet.
    static func period(containing now: Date, frequency: NotificationPreferences.Frequency, in zone: TimeZone) -> Period {
        let calendar = calendar(in: zone)
        switch frequency {
        case .daily:
            let start = calendar.startOfDay(for: now)
            let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
            let day = calendar.dateComponents([.year, .month, .day], from: start)
            let key = String(format: "daily:%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
            return Period(key: key, sendsAt: eight(on: start, calendar), endsAt: end, firstDay: start)
        case .weekly:
            let week = calendar.dateInterval(of: .weekOfYear, for: now)
                ?? DateInterval(start: calendar.startOfDay(for: now), duration: 7 * 86_400)
            let number = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: week.start)
            let key = String(format: "weekly:%04d-W%02d", number.yearForWeekOfYear ?? 0, number.weekOfYear ?? 0)
            return Period(key: key, sendsAt: eight(on: week.start, calendar), endsAt: week.end, firstDay: week.start)
        }
    }

    /// The period whose digest is due at `now`, or nil before 08:00 on its first day.
    static func duePeriod(at now: Date, frequency: NotificationPreferences.Frequency, in zone: TimeZone) -> Period? {
        let period = period(containing: now, frequency: frequency, in: zone)
        return now >= period.sendsAt && now < period.endsAt ? period : nil
    }

    /// When the next digest after `now` becomes due (for the preview's "not due" answer).
    static func nextSend(after now: Date, frequency: NotificationPreferences.Frequency, in zone: TimeZone) -> Date {
        let current = period(containing: now, frequency: frequency, in: zone)
        if now < current.sendsAt { return current.sendsAt }
        return period(containing: current.endsAt, frequency: frequency, in: zone).sendsAt
    }

    /// 08:00 local on the day that starts at `start`: set by the calendar, never as eight
    /// hours after midnight, which is 07:00 or 09:00 on the days clocks change.
    private static func eight(on start: Date, _ calendar: Calendar) -> Date {
        calendar.date(bySettingHour: sendHour, minute: 0, second: 0, of: start) ?? start.addingTimeInterval(TimeInterval(sendHour) * 3600)
    }

    /// "Monday 30 March", in the operator's zone.
    static func dayName(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "EEEE d MMMM"
        return formatter.string(from: date)
    }
}
