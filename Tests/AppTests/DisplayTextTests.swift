@testable import App
import Foundation
import Testing

/// Names must mean the same to the server as to the API's schema, whose patterns use
/// ECMA-262's idea of white space (found by schemathesis with a name of U+0085).
@Suite struct DisplayTextTests {
    @Test(arguments: ["\u{85}", "\u{FEFF}", "\u{A0}\u{2007}", "  ", "\u{86}\u{9F}"])
    func nothingVisibleIsNoName(_ raw: String) {
        #expect(DisplayText.trimmed(raw) == nil)
        #expect(OperatorInput.name(raw) == .failure("Enter a name."))
    }

    @Test func visibleTextIsKeptAndTrimmed() {
        #expect(DisplayText.trimmed("\u{A0} Ada Lovelace\u{FEFF} ") == "Ada Lovelace")
        #expect(DisplayText.trimmed("\u{85}a") == "a")
        #expect(OperatorInput.name("\tAda") == .failure("Remove the control characters."))
    }
}
