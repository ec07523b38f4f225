@testable import App
import Testing

/// Tags hold what the API schema says (`[\p{L}\p{Nd} _-]`), on the pages and in the API alike.
@Suite struct TagRuleTests {
    @Test(arguments: ["vip", "Spring Promo", "café", "東京", "zone_2-b", "٣ stars", "\u{130}\u{129}\u{11C}"])
    func lettersDigitsSpacesHyphensAndUnderscoresAreATag(_ tag: String) {
        #expect(AccountLabels.normalizeTag(tag) != nil)
    }

    @Test(arguments: ["½", "e\u{0301}", "x²", "a/b", "   ", "<b>", String(repeating: "a", count: 41),
                      " " + String(repeating: "a", count: 40), "\tvip", "\u{A0}vip", "vip\u{3000}"])
    func anythingElseIsNot(_ tag: String) {
        #expect(AccountLabels.normalizeTag(tag) == nil)
    }
}
