@testable import App
import Foundation
import Testing

@Suite struct RFC3339DateTranscoderTests {
    private let transcoder = RFC3339DateTranscoder()

    @Test(arguments: [
        ("2026-11-22T10:00:00Z", 1_795_341_600.0),
        ("2026-11-22T10:00:00.250Z", 1_795_341_600.25),
        ("2026-11-22T11:30:00+01:30", 1_795_341_600.0),
        ("2000-01-01T19:15:10.0-17:43", 946_817_890.0),   // found by schemathesis: a fraction and an odd offset
        ("1970-01-01T00:00:00z", 0.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ])
    func readsEveryRFC3339Form(text: String, seconds: Double) throws {
        #expect(try transcoder.decode(text).timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00", "2026-11-22T24:00:00Z",
                      "2026-11-22T10:00:00+24:00", "yesterday"])
    func refusesWhatIsNotADateTime(text: String) {
        #expect(throws: DecodingError.self) { try transcoder.decode(text) }
    }

    @Test func writesWholeSecondsInUTC() throws {
        #expect(try transcoder.encode(Date(timeIntervalSince1970: 1_795_341_600.7)) == "2026-11-22T10:00:00Z")
    }
}
