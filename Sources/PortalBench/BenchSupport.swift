import Dispatch
import Foundation
import Vapor

/// The clock every figure is taken with: the monotonic clock, in nanoseconds.
enum BenchClock {
    @inline(__always)
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs `body` and returns how long it took, in nanoseconds.
    static func measure(_ body: () async throws -> Void) async rethrows -> UInt64 {
        let start = now()
        try await body()
        return now() &- start
    }
}

/// A set of latency samples in nanoseconds, sorted once so percentiles are cheap to read.
struct LatencySummary {
    let sorted: [UInt64]

    init(_ samples: [UInt64]) { sorted = samples.sorted() }

    var count: Int { sorted.count }

    /// Nearest-rank percentile (`p` in 0...1): the smallest sample with at least p of the
    /// samples at or below it.
    func percentile(_ p: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }

    var max: UInt64 { sorted.last ?? 0 }
    var min: UInt64 { sorted.first ?? 0 }

    var mean: Double {
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted.reduce(0, &+)) / Double(sorted.count)
    }
}

/// Human-readable durations and counts for the printed report.
enum BenchFormat {
    /// "812 ns", "1.27 µs", "4.05 ms", "1.20 s": precise enough to compare against targets.
    static func duration(_ nanoseconds: UInt64) -> String { duration(Double(nanoseconds)) }

    static func duration(_ nanoseconds: Double) -> String {
        switch nanoseconds {
        case ..<1_000: String(format: "%.0f ns", nanoseconds)
        case ..<1_000_000: String(format: "%.2f µs", nanoseconds / 1_000)
        case ..<1_000_000_000: String(format: "%.2f ms", nanoseconds / 1_000_000)
        default: String(format: "%.2f s", nanoseconds / 1_000_000_000)
        }
    }

    /// Milliseconds with three decimals, for database figures that are compared with each other.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        String(format: "%.3f", Double(nanoseconds) / 1_000_000)
    }

    /// 1234567 → "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0.0%" }
        return String(format: "%.1f%%", Double(part) * 100 / Double(whole))
    }

    /// Pads (or leaves) `text` to `width` characters, for aligned columns.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }
}

/// Where the benchmark writes its figures: the command's console, line by line.
struct BenchReport: Sendable {
    let console: any Console

    func line(_ text: String = "") { console.output(text.consoleText()) }

    func heading(_ text: String) {
        line()
        line(text)
        line(String(repeating: "=", count: text.count))
    }

    func subheading(_ text: String) {
        line()
        line(text)
        line(String(repeating: "-", count: text.count))
    }
}
