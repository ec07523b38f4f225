@testable import App
import Foundation
import Testing

/// Every page's view, rendered from a model whose every string is hostile, has exactly the
/// elements and attributes of the same page rendered from harmless strings: text stays text.
@Suite struct HostileRenderTests {
    static let hostile = #"x"><meta http-equiv="refresh" content="0;url=//evil.example"><img src=x onerror=alert(1)>'&javascript:alert(1)"#
    static let benign = "Plain words"

    static var pageNames: [String] { PageFixtures.pages.map(\.view) }

    private func render(_ view: String, _ text: String) throws -> String {
        try #require(PageFixtures.pages.first { $0.view == view }).render(text)
    }

    private func structure(_ html: String) -> [String] {
        HTMLTokenizer.tags(html).map(\.description)
    }

    @Test(arguments: pageNames)
    func hostileStringsChangeNoElementOrAttribute(view: String) throws {
        let benign = try render(view, Self.benign)
        let hostile = try render(view, Self.hostile)
        #expect(structure(hostile) == structure(benign))
        #expect(!hostile.contains(Self.benign), "every string of the model comes from the mock")
        let tags = HTMLTokenizer.tags(hostile)
        #expect(!tags.contains { $0.name == "meta" && $0.attributeNames.contains("http-equiv") })
        // The only scripts are the portal's own files, never one from the model.
        let ownScripts = [SiteURL.timeZoneScript.path, SiteURL.copyScript.path, SiteURL.bulkProgressScript.path, SiteURL.filterPickerScript.path]
        #expect(!tags.contains { $0.name == "script" && !ownScripts.contains($0.value("src") ?? "") })
        #expect(!tags.contains { $0.attributeNames.contains { $0.hasPrefix("on") } })
        for tag in tags {
            for name in ["href", "src", "action"] {
                let value = (tag.value(name) ?? "").lowercased().trimmingCharacters(in: .whitespaces)
                #expect(!value.hasPrefix("javascript:") && !value.hasPrefix("data:text"), "\(tag.name) \(name)=\(value)")
            }
        }
        // The hostile text is on the page, as text.
        #expect(hostile.contains("x&quot;&gt;&lt;meta http-equiv=&quot;refresh&quot;") || hostile.contains("x\"&gt;&lt;meta http-equiv=\"refresh\""))
    }

    @Test(arguments: pageNames)
    func hostileTextReadsBackAsWritten(view: String) throws {
        let tokens = HTMLTokenizer.tokens(try render(view, Self.hostile))
        let texts = tokens.compactMap { if case .text(let text) = $0 { text } else { nil } }
        let values = tokens.flatMap { token -> [String] in
            if case .start(let tag) = token { tag.attributes.compactMap(\.value) } else { [] }
        }
        #expect((texts + values).contains { $0.contains(Self.hostile) })
    }

    /// Every view function a page is built from is rendered above, directly or as part of a page.
    @Test func everyViewInTheSourcesIsCovered() throws {
        let covered = Set(Self.pageNames).union(PageFixtures.partsOfPages.keys)
        #expect(Set(PageFixtures.partsOfPages.values).isSubset(of: Set(Self.pageNames)))
        let found = try SourceFiles.swiftFiles().filter { !SourceFiles.isInHTMLLayer($0) }.flatMap { file -> [String] in
            let source = try String(contentsOf: file, encoding: .utf8)
            return Self.viewFunctions(in: source)
        }
        #expect(found.count > 20)
        let missing = Set(found).subtracting(covered).sorted()
        #expect(missing.isEmpty, "views not rendered by HostileRenderTests: \(missing)")
    }

    /// `Type.function` for each non-private static function returning `Markup` in an enum
    /// outside the HTML layer.
    static func viewFunctions(in source: String) -> [String] {
        var names: [String] = []
        var currentType: String?
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if let match = line.firstMatch(of: /^(?:extension|enum|struct) (\w+)/) { currentType = String(match.1) }
            if let match = line.firstMatch(of: /^\s+(?:(?:internal|public) )?static func (\w+)(?:<[^>]*>)?\(.*-> Markup\b/), let type = currentType {
                names.append("\(type).\(match.1)")
            }
        }
        return names
    }

    @Test func coverageScanFindsViewFunctions() {
        let source = """
        enum SampleView {
            static func render(_ model: Model) -> Markup { .empty }
            private static func part() -> Markup { .empty }
        }
        """
        #expect(Self.viewFunctions(in: source) == ["SampleView.render"])
    }

    // MARK: - The findings themselves

    static let metaRefresh = #"x"><meta http-equiv="refresh" content="0;url=//evil.example">"#

    @Test func anAccountNameCannotSendTheAccountPageAway() {
        let html = PageFixtures.account(Self.metaRefresh, .history, AccountPageView.history([], retentionDays: 30))
        #expect(!HTMLTokenizer.tags(html).contains { $0.name == "meta" && $0.attributeNames.contains("http-equiv") })
        #expect(!html.contains("<meta http-equiv"))
        #expect(!html.contains("og:title") && !html.contains("twitter:title"))
        let title = HTMLTokenizer.tokens(html).drop { $0 != .start(.init(name: "title", attributes: [])) }.dropFirst().first
        #expect(title == .text(Self.metaRefresh + " · " + Self.metaRefresh))
    }

    @Test func anOperatorNameCannotSendTheOperatorPageAway() throws {
        let html = try #require(PageFixtures.pages.first { $0.view == "OperatorsView.detail" }).render(Self.metaRefresh)
        #expect(!HTMLTokenizer.tags(html).contains { $0.name == "meta" && $0.attributeNames.contains("http-equiv") })
        #expect(!html.contains("<meta http-equiv"))
    }

    @Test func aGroupNameStaysInsideTheMoveLinksLabel() {
        let row = GroupsView.Model.Row(id: "g1", name: Self.hostile, depth: 0, directAccounts: 0, totalAccounts: 0, mayManage: true, whyNotDeletable: nil)
        let html = PageFixtures.page("Groups", GroupsView.render(.init(rows: [row], parentOptions: [], mayCreateTop: true, notice: nil, error: nil),
                                                                csrfToken: "t"))
        let move = HTMLTokenizer.tags(html).first { $0.name == "a" && $0.value("href") == "/groups/g1/move" }
        #expect(move?.value("aria-label") == "Move " + Self.hostile)
        #expect(!HTMLTokenizer.tags(html).contains { $0.attributeNames.contains("onerror") || $0.value("http-equiv") != nil })
    }

    @Test(arguments: ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example", "vbscript:x"])
    func linksThatAreNotWebAddressesAreNotLinked(address: String) {
        #expect(ExternalURL(address) == nil)
        #expect(LinkTarget.authenticatorApp(address) == nil)
        var layout = PageFixtures.layout("Acme")
        layout.logoURL = address
        let kit = PartnerKitView.Model(items: [.init(id: "i", title: "Guide", summary: "", kind: .link, href: address, fileName: nil, contentType: nil,
                                                     size: nil, addedBy: "Ada", addedAt: PageFixtures.date)],
                                       nextPage: address, isFirstPage: true, mayManage: false)
        let html = Layout.page(title: "Kit", layout: layout, nonce: "n", content: PartnerKitView.render(kit, csrfToken: "t")).render()
            + MarkupWriter.render(SecondFactorView.recoveryCodes(["a"], continueTo: address))
            + MarkupWriter.render(SecondFactorView.code(.init(method: .totp, enrolling: true, destination: "", totpSecret: "K", provisioningURI: address,
                                                              canResend: false, error: nil, notice: nil), csrfToken: "t"))
        for tag in HTMLTokenizer.tags(html) {
            for name in ["href", "src", "action"] {
                guard let value = tag.value(name) else { continue }
                #expect(value.hasPrefix("/") && !value.hasPrefix("//") || value.hasPrefix("#") || value == "data:,"
                        || value.hasPrefix("https://cdn.example.com"), "\(tag.name) \(name)=\(value)")
            }
        }
    }

    @Test func localPathsRefuseOtherHosts() {
        for path in ["//evil.example", "/\\evil.example", "/%2F/evil.example", "/%09/evil.example", "/\t/evil.example", "https://evil.example", "javascript:x",
                     "//\u{338}evil.example", "//\u{1F3FB}evil.ws", "/%2F%CC%B8evil.example", "/\\\u{338}evil.example"] {
            #expect(LinkTarget.localPath(path) == nil, "\(path)")
        }
        #expect(LinkTarget.localPath("/accounts?q=a%20b")?.value == "/accounts?q=a%20b")
    }

    @Test func theWriterEscapesTextAndAttributes() {
        let html = MarkupWriter.render(.div(.class(#"a" onclick="x"#), .attr("title", "'<&>"), .text("<b>&amp;</b>")))
        #expect(html == #"<div class="a&quot; onclick=&quot;x" title="&#39;&lt;&amp;&gt;">&lt;b&gt;&amp;amp;&lt;/b&gt;</div>"#)
    }

    @Test func aCSVFieldQuotesAndDefusesWhatACombiningMarkFollows() {
        let mark = "\u{338}"
        #expect(CSV.field("Shop,\(mark)x") == "\"Shop,\(mark)x\"")
        #expect(CSV.field("a\"\(mark)b") == "\"a\"\"\(mark)b\"")
        #expect(CSV.field("=\(mark)HYPERLINK(1)") == "'=\(mark)HYPERLINK(1)")
        #expect(CSV.field("plain café") == "plain café" && CSV.field("-1") == "'-1" && CSV.field("a\r\nb") == "\"a\r\nb\"")
        #expect(CSV.line(["=x", "a,b", "\"q\""]) == "'=x,\"a,b\",\"\"\"q\"\"\"\r\n")
    }

    /// A quote or a bracket followed by a combining mark is one Character to Swift but still a
    /// quote or a bracket to the HTML parser: it is escaped all the same, the mark kept.
    @Test func aCombiningMarkAfterAQuoteOrABracketDoesNotHideIt() {
        let mark = "\u{338}"
        let html = MarkupWriter.render(.div(.attr("title", "x\"\(mark) onfocus=alert(1) autofocus '\(mark)"), .text("<\(mark)script>&\(mark)")))
        #expect(html == "<div title=\"x&quot;\(mark) onfocus=alert(1) autofocus &#39;\(mark)\">&lt;\(mark)script&gt;&amp;\(mark)</div>")
        #expect(MarkupWriter.escapeAttribute("\"\(mark)") == "&quot;\(mark)" && MarkupWriter.escapeText(">\(mark)") == "&gt;\(mark)")
        // Text with nothing to escape, and text that is all escapes, come out whole.
        #expect(MarkupWriter.escapeText("Zoë’s café 🌿") == "Zoë’s café 🌿" && MarkupWriter.escapeAttribute("<>&\"'") == "&lt;&gt;&amp;&quot;&#39;")
        // Attributes from nested groups are gathered before the children, in order, and joined.
        let nested = MarkupWriter.render(.div(.group(.class("a"), .text("t")), .class("b"), .group(.group(.attr("id", "i"))), .span(.text("s"))))
        #expect(nested == #"<div class="a b" id="i">t<span>s</span></div>"#)
    }
}

/// The app's Swift sources, found from this file's place in the repository.
enum SourceFiles {
    static var appRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/App")
    }

    static func swiftFiles() throws -> [URL] {
        let enumerator = try #require(FileManager.default.enumerator(at: appRoot, includingPropertiesForKeys: nil))
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    static func isInHTMLLayer(_ file: URL) -> Bool {
        file.standardizedFileURL.path.hasPrefix(appRoot.appendingPathComponent("Core/HTML").standardizedFileURL.path + "/")
    }
}
