import Foundation
import NIOConcurrencyHelpers

/// Dates as the pages show them (`Date.formatted`), remembered by what they show: a list page
/// writes a hundred of them, and each `formatted` call builds a formatter. A date shown as a
/// day is kept by its local day, one shown to the minute or second by that minute or second,
/// so every date a text stands for gets the same text.
enum DisplayDate {
    enum Precision: Sendable, Hashable {
        /// 17 Apr 2025
        case day
        /// 17 Apr 2025 at 14:30
        case minute
        /// 17 Apr 2025 at 14:30:05
        case second
    }

    private struct Key: Hashable {
        let precision: Precision
        let slot: Int
    }

    private static let written = NIOLockedValueBox([Key: String]())
    private static let capacity = 20_000

    static func text(_ date: Date, _ precision: Precision = .day) -> String {
        let seconds = date.timeIntervalSince1970
        let slot: Int = switch precision {
        case .day: Int(((seconds + Double(TimeZone.current.secondsFromGMT(for: date))) / 86_400).rounded(.down))
        case .minute: Int((seconds / 60).rounded(.down))
        case .second: Int(seconds.rounded(.down))
        }
        let key = Key(precision: precision, slot: slot)
        if let text = written.withLockedValue({ $0[key] }) { return text }
        let text = switch precision {
        case .day: date.formatted(date: .abbreviated, time: .omitted)
        case .minute: date.formatted(date: .abbreviated, time: .shortened)
        case .second: date.formatted(date: .abbreviated, time: .standard)
        }
        written.withLockedValue { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = text
        }
        return text
    }
}
