@testable import App
import Foundation
import Testing

/// Remembered dates read exactly as `Date.formatted` writes them, whatever was asked before.
@Suite struct DisplayDateTests {
    @Test func everyPrecisionReadsAsFormattedWritesIt() {
        let start = Date(timeIntervalSince1970: 1_745_000_000)
        // Either side of midnight and of a minute, twice each so that the second answer comes from memory.
        for step in stride(from: -200_000.0, through: 200_000.0, by: 1_237.5) {
            let date = start.addingTimeInterval(step)
            for _ in 0..<2 {
                #expect(DisplayDate.text(date) == date.formatted(date: .abbreviated, time: .omitted))
                #expect(DisplayDate.text(date, .minute) == date.formatted(date: .abbreviated, time: .shortened))
                #expect(DisplayDate.text(date, .second) == date.formatted(date: .abbreviated, time: .standard))
            }
        }
        let midnight = Calendar.current.startOfDay(for: start)
        #expect(DisplayDate.text(midnight.addingTimeInterval(-0.5)) == midnight.addingTimeInterval(-0.5).formatted(date: .abbreviated, time: .omitted))
        #expect(DisplayDate.text(midnight) == midnight.formatted(date: .abbreviated, time: .omitted))
    }
}
