@testable import App
import Foundation
import Testing

/// Markup is written only by the HTML layer (Sources/App/Core/HTML): no other file may use
/// Plot, whose attribute and raw-text calls write values as given.
@Suite struct RawMarkupGuardTests {
    struct Finding: CustomStringConvertible {
        let file: String
        let line: Int
        let rule: String
        var description: String { "\(file):\(line): \(rule)" }
    }

    /// What may not appear outside the layer. Markup rules apply to every file; `.raw(` only to
    /// files that build markup, since SQLKit's `.raw` / `SQLRaw` is not markup.
    static var everywhere: [(rule: String, pattern: Regex<Substring>)] { [
        ("Plot imported", /\bimport\s+(?:(?:struct|enum|class|func|protocol|typealias|var|let)\s+)?Plot\b/),
        ("Plot node type", /\bNode<\s*HTML\b|\bHTML\.\w+Context\b|\bPlot\.\w+/),
        ("attribute with a name from code", /\.attribute\(\s*named:/),
        ("element with a name from code", /\.element\(\s*named:/),
        ("Plot document", /\bHTML\(\s*\.lang/),
        ("attribute escaped by hand", /\.attributeEscaped\b/),
    ] }
    static var inMarkupFiles: [(rule: String, pattern: Regex<Substring>)] { [
        ("raw markup", /(?:^|[^A-Za-z0-9_)\]])\.raw\(/),
        ("Plot head title", /(?:^|[^A-Za-z0-9_)\]])\.title\(/),
        ("unescaped node", /\.unescaped\(|\bunsafeRaw\b/),
    ] }

    static func findings(in source: String, file: String) -> [Finding] {
        let buildsMarkup = source.contains("Markup") || source.contains("Plot")
        var findings: [Finding] = []
        for (number, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            for (rule, pattern) in everywhere where code.contains(pattern) {
                findings.append(.init(file: file, line: number + 1, rule: rule))
            }
            // A line that builds SQL is not markup.
            let isSQL = code.contains("SQL") || code.contains("sql") || code.contains("db.raw") || code.contains("database.raw")
            for (rule, pattern) in inMarkupFiles where buildsMarkup && !isSQL && code.contains(pattern) {
                findings.append(.init(file: file, line: number + 1, rule: rule))
            }
        }
        return findings
    }

    @Test func noRawMarkupOutsideTheHTMLLayer() throws {
        let files = try SourceFiles.swiftFiles().filter { !SourceFiles.isInHTMLLayer($0) }
        #expect(files.count > 50)
        let findings = try files.flatMap { file in
            try Self.findings(in: String(contentsOf: file, encoding: .utf8), file: file.lastPathComponent)
        }
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func theLayerItselfHasNoRawNode() throws {
        let layer = try SourceFiles.swiftFiles().filter(SourceFiles.isInHTMLLayer)
        #expect(layer.count >= 4)
        for file in layer {
            let source = try String(contentsOf: file, encoding: .utf8)
            #expect(!source.contains(/case\s+raw\b|static func raw\b/), "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: [
        "import Plot",
        "@_exported import Plot",
        "import struct Plot.Node",
        "let x: Node<HTML.BodyContext> = .p()",
        ".a(.attribute(named: \"href\", value: url))",
        ".element(named: \"style\", nodes: [])",
        "HTML(.lang(.english), .head(.title(name)))",
        ".value(name.attributeEscaped)",
    ])
    func theGuardCatchesPlotEverywhere(line: String) {
        #expect(!Self.findings(in: "struct X {}\n" + line, file: "X.swift").isEmpty)
    }

    @Test(arguments: [".div(.raw(html))", ".head(.title(partner.name))"])
    func theGuardCatchesRawCallsInMarkupFiles(line: String) {
        #expect(!Self.findings(in: "enum XView { static func render() -> Markup {\n" + line + "\n} }", file: "XView.swift").isEmpty)
    }

    @Test(arguments: [
        "try await sql.raw(\"SELECT 1\").run()",
        "let condition = SQLRaw(\"accounts.secure = false\")",
        "try await (db as! any SQLDatabase).raw(\"ANALYZE\").run()",
        "// Plot's .raw( was used here once",
    ])
    func theGuardLeavesSQLAlone(line: String) {
        #expect(Self.findings(in: "import SQLKit\nenum Stats {\n" + line + "\n}", file: "Stats.swift").isEmpty)
    }
}
