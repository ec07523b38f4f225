import Foundation

/// The Activity tab's chart, drawn on the server as SVG: bookings and payments per week,
/// side by side, with a scale and week labels. Built from markup like every
/// view; the same figures are in a table next to it for screen readers.
enum ActivityChart {
    static let width = 720.0, height = 220.0
    private static let left = 36.0, right = 8.0, top = 12.0, bottom = 28.0

    static func chart(_ weeks: [AccountActivity.Summary.Week]) -> Markup {
        let peak = max(weeks.map { max($0.bookings, $0.payments) }.max() ?? 0, 1)
        let scale = niceCeiling(peak)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(weeks.count, 1))
        let bar = max((slot - 6) / 2, 1)
        func y(_ value: Int) -> Double { top + plotHeight - plotHeight * Double(value) / Double(scale) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        let total = weeks.reduce((0, 0)) { ($0.0 + $1.bookings, $0.1 + $1.payments) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM"
        let ticks: [Markup] = [0, scale / 2, scale].map { tick in
            .group(
                .line(.class("grid"), .attr("x1", number(left)), .attr("x2", number(width - right)),
                      .attr("y1", number(y(tick))), .attr("y2", number(y(tick)))),
                .svgText(.class("axis"), .attr("x", number(left - 6)), .attr("y", number(y(tick) + 4)), .attr("text-anchor", "end"),
                         .text(String(tick))))
        }
        let bars: [Markup] = weeks.enumerated().map { index, week in
            let x = left + slot * Double(index) + 3
            return .group(
                .rect(.class("bookings"), .attr("x", number(x)), .attr("y", number(y(week.bookings))), .attr("width", number(bar)),
                      .attr("height", number(y(0) - y(week.bookings))), .svgTitle(.text("\(week.bookings) bookings"))),
                .rect(.class("payments"), .attr("x", number(x + bar)), .attr("y", number(y(week.payments))), .attr("width", number(bar)),
                      .attr("height", number(y(0) - y(week.payments))), .svgTitle(.text("\(week.payments) payments"))),
                .if(index % 2 == 0,
                    .svgText(.class("axis"), .attr("x", number(x + bar)), .attr("y", number(height - 10)), .attr("text-anchor", "middle"),
                             .text(formatter.string(from: week.start)))))
        }
        return .group(
            .svg(.class("chart"), .attr("viewBox", "0 0 \(Int(width)) \(Int(height))"), .attr("role", "img"),
                 .attr("aria-labelledby", "chart-title chart-desc"), .attr("xmlns", "http://www.w3.org/2000/svg"),
                 .attr("preserveAspectRatio", "xMidYMid meet"),
                 .svgTitle(.id("chart-title"), .text("Bookings and payments per week")),
                 .desc(.id("chart-desc"), .text("\(total.0) bookings and \(total.1) payments over the last \(weeks.count) weeks.")),
                 .group(ticks), .group(bars)),
            .p(.class("chart-legend"), .span(.class("key bookings")), .text(" Bookings "), .span(.class("key payments")), .text(" Payments accepted")))
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
