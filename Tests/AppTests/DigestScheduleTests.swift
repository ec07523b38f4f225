@testable import App
import Foundation
import Testing

/// When digests are due: 08:00 in the operator's zone, daily or on the ISO week's Monday,
/// on the days clocks change and the days around them, never an hour early or late.
@Suite struct DigestScheduleTests {
    static func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    struct Case: Sendable, CustomStringConvertible {
        let zone: String
        /// The 08:00 local instant, in UTC.
        let eight: String
        let key: String
        var description: String { "\(zone) \(key)" }
    }

    static let dailyCases: [Case] = [
        // Europe/London springs forward on 2026-03-29 and falls back on 2026-10-25.
        .init(zone: "Europe/London", eight: "2026-03-28T08:00:00Z", key: "daily:2026-03-28"),
        .init(zone: "Europe/London", eight: "2026-03-29T07:00:00Z", key: "daily:2026-03-29"),
        .init(zone: "Europe/London", eight: "2026-03-30T07:00:00Z", key: "daily:2026-03-30"),
        .init(zone: "Europe/London", eight: "2026-10-24T07:00:00Z", key: "daily:2026-10-24"),
        .init(zone: "Europe/London", eight: "2026-10-25T08:00:00Z", key: "daily:2026-10-25"),
        .init(zone: "Europe/London", eight: "2026-10-26T08:00:00Z", key: "daily:2026-10-26"),
        // America/New_York springs forward on 2026-03-08 and falls back on 2026-11-01.
        .init(zone: "America/New_York", eight: "2026-03-07T13:00:00Z", key: "daily:2026-03-07"),
        .init(zone: "America/New_York", eight: "2026-03-08T12:00:00Z", key: "daily:2026-03-08"),
        .init(zone: "America/New_York", eight: "2026-03-09T12:00:00Z", key: "daily:2026-03-09"),
        .init(zone: "America/New_York", eight: "2026-10-31T12:00:00Z", key: "daily:2026-10-31"),
        .init(zone: "America/New_York", eight: "2026-11-01T13:00:00Z", key: "daily:2026-11-01"),
        .init(zone: "America/New_York", eight: "2026-11-02T13:00:00Z", key: "daily:2026-11-02"),
    ]

    @Test(arguments: dailyCases)
    func aDailyDigestIsDueFromEightLocalUntilTheDayEnds(_ c: Case) {
        let zone = DigestSchedule.timeZone(named: c.zone)
        let eight = Self.at(c.eight)
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(-3600), frequency: .daily, in: zone) == nil, "an hour early")
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(-1), frequency: .daily, in: zone) == nil, "a second early")
        let due = DigestSchedule.duePeriod(at: eight, frequency: .daily, in: zone)
        #expect(due?.key == c.key)
        #expect(due?.sendsAt == eight)
        // Once per period: later the same day it is the same period (sent once by its key)…
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(3600), frequency: .daily, in: zone)?.key == c.key)
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(15 * 3600 + 59 * 60), frequency: .daily, in: zone)?.key == c.key)
        // …and the next day is another.
        #expect(DigestSchedule.nextSend(after: eight, frequency: .daily, in: zone) > eight.addingTimeInterval(22 * 3600))
    }

    @Test func aDayThatHasPassedIsNeverSent() {
        let london = DigestSchedule.timeZone(named: "Europe/London")
        // 00:30 BST on 31 March: the 30th has passed, the 31st is not due until 08:00.
        #expect(DigestSchedule.duePeriod(at: Self.at("2026-03-30T23:30:00Z"), frequency: .daily, in: london) == nil)
        #expect(DigestSchedule.duePeriod(at: Self.at("2026-03-30T22:30:00Z"), frequency: .daily, in: london)?.key == "daily:2026-03-30")
        #expect(DigestSchedule.nextSend(after: Self.at("2026-03-30T23:30:00Z"), frequency: .daily, in: london) == Self.at("2026-03-31T07:00:00Z"))
    }

    static let weeklyCases: [Case] = [
        .init(zone: "Europe/London", eight: "2026-03-23T08:00:00Z", key: "weekly:2026-W13"),
        .init(zone: "Europe/London", eight: "2026-03-30T07:00:00Z", key: "weekly:2026-W14"),
        .init(zone: "Europe/London", eight: "2026-10-19T07:00:00Z", key: "weekly:2026-W43"),
        .init(zone: "Europe/London", eight: "2026-10-26T08:00:00Z", key: "weekly:2026-W44"),
        .init(zone: "America/New_York", eight: "2026-03-02T13:00:00Z", key: "weekly:2026-W10"),
        .init(zone: "America/New_York", eight: "2026-03-09T12:00:00Z", key: "weekly:2026-W11"),
        .init(zone: "America/New_York", eight: "2026-10-26T12:00:00Z", key: "weekly:2026-W44"),
        .init(zone: "America/New_York", eight: "2026-11-02T13:00:00Z", key: "weekly:2026-W45"),
    ]

    @Test(arguments: weeklyCases)
    func aWeeklyDigestIsDueFromMondayEightLocalForTheRestOfTheWeek(_ c: Case) {
        let zone = DigestSchedule.timeZone(named: c.zone)
        let eight = Self.at(c.eight)
        // Before Monday 08:00 the previous week is the period, already due since its own Monday.
        let before = DigestSchedule.duePeriod(at: eight.addingTimeInterval(-1), frequency: .weekly, in: zone)
        #expect(before?.key != c.key)
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(-3600), frequency: .weekly, in: zone)?.key != c.key, "an hour early")
        let due = DigestSchedule.duePeriod(at: eight, frequency: .weekly, in: zone)
        #expect(due?.key == c.key)
        #expect(due?.sendsAt == eight)
        #expect(DigestSchedule.nextSend(after: eight.addingTimeInterval(-1), frequency: .weekly, in: zone) == eight)
        // The portal was down on Monday: the digest still goes on Wednesday, the same week.
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(2 * 86_400), frequency: .weekly, in: zone)?.key == c.key)
        // The next Monday is another period.
        #expect(DigestSchedule.duePeriod(at: eight.addingTimeInterval(7 * 86_400 + 3 * 3600), frequency: .weekly, in: zone)?.key != c.key)
    }

    @Test func aWeekBeginsOnMondayAtMidnightLocal() {
        let london = DigestSchedule.timeZone(named: "Europe/London")
        let sunday = DigestSchedule.period(containing: Self.at("2026-03-29T22:59:00Z"), frequency: .weekly, in: london)
        #expect(sunday.key == "weekly:2026-W13")
        let monday = DigestSchedule.period(containing: Self.at("2026-03-29T23:01:00Z"), frequency: .weekly, in: london)
        #expect(monday.key == "weekly:2026-W14")
        #expect(DigestSchedule.duePeriod(at: Self.at("2026-03-29T23:01:00Z"), frequency: .weekly, in: london) == nil)
        // ISO weeks cross the year: 2026-12-28 is in 2026-W53, 2027-01-04 starts 2027-W01.
        #expect(DigestSchedule.period(containing: Self.at("2027-01-01T12:00:00Z"), frequency: .weekly, in: london).key == "weekly:2026-W53")
        #expect(DigestSchedule.period(containing: Self.at("2027-01-04T12:00:00Z"), frequency: .weekly, in: london).key == "weekly:2027-W01")
    }

    @Test(arguments: ["Mars/Olympus_Mons", "", "UTC\r\nX: y", "../../etc/passwd"])
    func anUnknownTimeZoneMeansUTC(_ name: String) {
        let zone = DigestSchedule.timeZone(named: name)
        #expect(zone.identifier == "UTC" || zone.identifier == "GMT")
        #expect(DigestSchedule.duePeriod(at: Self.at("2026-03-29T08:00:00Z"), frequency: .daily, in: zone)?.key == "daily:2026-03-29")
        #expect(DigestSchedule.duePeriod(at: Self.at("2026-03-29T07:59:59Z"), frequency: .daily, in: zone) == nil)
    }

    @Test func theDayIsNamedInTheOperatorsZone() {
        let tokyo = DigestSchedule.timeZone(named: "Asia/Tokyo")
        let period = DigestSchedule.period(containing: Self.at("2026-03-29T23:30:00Z"), frequency: .daily, in: tokyo)
        #expect(period.key == "daily:2026-03-30")
        #expect(DigestSchedule.dayName(period.firstDay, in: tokyo) == "Monday 30 March")
    }
}
