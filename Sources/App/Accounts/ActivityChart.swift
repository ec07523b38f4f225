import Foundation

/// The Activity tab's chart, drawn on the server as SVG: bookings and payments per week,
/// side by side, with a scale and week labels. The numbers are all the SVG contains, so it
/// needs no escaping; the same figures are in a table next to it for screen readers.
enum ActivityChart {
    static let width = 720.0, height = 220.0
    private static let left = 36.0, right = 8.0, top = 12.0, bottom = 28.0

    static func svg(_ weeks: [AccountActivity.Summary.Week]) -> String {
        let peak = max(weeks.map { max($0.bookings, $0.payments) }.max() ?? 0, 1)
        let scale = niceCeiling(peak)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(weeks.count, 1))
        let bar = max((slot - 6) / 2, 1)
        func y(_ value: Int) -> Double { top + plotHeight - plotHeight * Double(value) / Double(scale) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        let total = weeks.reduce((0, 0)) { ($0.0 + $1.bookings, $0.1 + $1.payments) }
        var parts: [String] = []
        parts.append("""
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="chart-title chart-desc" \
            xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">
            <title id="chart-title">Bookings and payments per week</title>
            <desc id="chart-desc">\(total.0) bookings and \(total.1) payments over the last \(weeks.count) weeks.</desc>
            """)
        for tick in [0, scale / 2, scale] {
            parts.append("<line class=\"grid\" x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(y(tick)))\" y2=\"\(number(y(tick)))\"/>")
            parts.append("<text class=\"axis\" x=\"\(number(left - 6))\" y=\"\(number(y(tick) + 4))\" text-anchor=\"end\">\(tick)</text>")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM"
        for (index, week) in weeks.enumerated() {
            let x = left + slot * Double(index) + 3
            parts.append("<rect class=\"bookings\" x=\"\(number(x))\" y=\"\(number(y(week.bookings)))\" width=\"\(number(bar))\" height=\"\(number(y(0) - y(week.bookings)))\"><title>\(week.bookings) bookings</title></rect>")
            parts.append("<rect class=\"payments\" x=\"\(number(x + bar))\" y=\"\(number(y(week.payments)))\" width=\"\(number(bar))\" height=\"\(number(y(0) - y(week.payments)))\"><title>\(week.payments) payments</title></rect>")
            if index % 2 == 0 {
                parts.append("<text class=\"axis\" x=\"\(number(x + bar))\" y=\"\(number(height - 10))\" text-anchor=\"middle\">\(formatter.string(from: week.start))</text>")
            }
        }
        parts.append("</svg>")
        parts.append("""
            <p class="chart-legend"><span class="key bookings"></span> Bookings <span class="key payments"></span> Payments accepted</p>
            """)
        return parts.joined(separator: "\n")
    }

    /// The smallest of 1, 2, 5 × 10ⁿ (and even numbers, so half of it is whole) at or above `value`.
    static func niceCeiling(_ value: Int) -> Int {
        var magnitude = 1
        while true {
            for step in [2, 4, 10] where step * magnitude >= value { return step * magnitude }
            magnitude *= 10
        }
    }
}
