import Foundation
import OpenAPIRuntime

/// Reads every RFC 3339 date-time JSON Schema's `date-time` allows: with or without
/// fractional seconds (any number of digits), `Z` or any offset, years 0000 to 9999.
/// Writes whole seconds in UTC.
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime])
    }

    func decode(_ text: String) throws -> Date {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
        func failure(_ what: String) -> DecodingError { .dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time: \(what).")) }
        guard let match = text.wholeMatch(of: pattern),
              let year = Int(match.output.1), let month = Int(match.output.2), let day = Int(match.output.3),
              let hour = Int(match.output.4), let minute = Int(match.output.5), let second = Int(match.output.6)
        else { throw failure("YYYY-MM-DDThh:mm:ss with Z or an offset") }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...monthDays[month - 1]).contains(day), (0...23).contains(hour), (0...59).contains(minute),
              (0...60).contains(second)
        else { throw failure("a calendar date and time") }
        var offset = 0
        let zone = match.output.8
        if zone != "Z" && zone != "z" {
            let parts = zone.dropFirst().split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] <= 23, parts[1] <= 59 else { throw failure("an offset of at most 23:59") }
            offset = (zone.first == "-" ? -1 : 1) * (parts[0] * 3600 + parts[1] * 60)
        }
        let fraction = match.output.7.flatMap { Double("0" + $0) } ?? 0
        let seconds = Self.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
