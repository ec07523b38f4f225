import App
import Fluent
import Foundation
import SQLKit
import Vapor

/// `portal-bench list --partner SLUG --operator EMAIL --queries FILE [--terms FILE] …`
///
/// Times the accounts list's own reads, `AccountDirectory.listing` (the header counts and the
/// page), as the list page asks for them, with no HTTP, session or rendering around them: the
/// "same queries run raw" that the page's server time is compared with (scripts/bench).
///
/// Each line of the queries file is `label<TAB>query string`, the list's address after `?`
/// (`page=last`, `q=bakery`, …). A query string holding `{term}` takes the next line of the
/// terms file on every run, so nothing is ever asked twice, and its header counts are read
/// every time; a fixed one reads its counts once, as the page's cache holds them.
struct ListQueryBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "operator", help: "The email of the operator the list is read for.") var operatorEmail: String?
        @Option(name: "queries", help: "A file of `label<TAB>query string` lines.") var queries: String?
        @Option(name: "terms", help: "A file of search terms, one a line, for query strings holding {term}.") var terms: String?
        @Option(name: "runs", help: "Timed runs of each query (default 200).") var runs: Int?
        @Option(name: "warm-up", help: "Untimed runs of each query first (default 20).") var warmUp: Int?
        @Option(name: "max-seconds", help: "Stop timing a query after this many seconds, once it has 30 runs (default: no limit).") var maxSeconds: Double?
        @Option(name: "limit", help: "Accounts on a page (default 50, the list's page size).") var limit: Int?
        @Option(name: "json", help: "Also write the figures to this file as JSON.") var json: String?
        init() {}
    }

    let help = "Time the accounts list's reads (AccountDirectory.listing) for one operator and print figures."

    struct Query {
        let label: String
        let queryString: String
        var fresh: Bool { queryString.contains("{term}") }
    }

    struct Figures: Encodable {
        let label: String
        let query: String
        let runs: Int
        let p50: Double
        let p95: Double
        let max: Double
        /// Accounts on the page (the last run's).
        let rows: Int
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let slug = signature.partner, !slug.isEmpty else { throw BenchFailure("--partner: give the partner's slug") }
        guard let email = signature.operatorEmail, !email.isEmpty else { throw BenchFailure("--operator: give the operator's email") }
        guard let queriesPath = signature.queries else { throw BenchFailure("--queries: give a file of label<TAB>query string lines") }
        let queries = try Self.readQueries(queriesPath)
        let terms = try signature.terms.map(Self.readLines) ?? []
        if queries.contains(where: \.fresh), terms.isEmpty { throw BenchFailure("--terms: a query holds {term}; give a file of search terms") }
        let runs = try Self.positive(signature.runs, 200, "runs")
        let warmUp = try Self.positive(signature.warmUp, 20, "warm-up", allowZero: true)
        let limit = try Self.positive(signature.limit, 50, "limit")
        if let maxSeconds = signature.maxSeconds, !(maxSeconds > 0) { throw BenchFailure("--max-seconds: expected a positive number of seconds") }
        let budget = signature.maxSeconds.map { UInt64($0 * 1_000_000_000) }

        let db = context.application.db
        let actor = try await Self.actor(partner: slug, email: email, on: db)
        let report = BenchReport(console: context.console)
        let limitNote = signature.maxSeconds.map { ", or fewer after \($0) s (at least \(Self.minimumRuns))" } ?? ""
        report.line("AccountDirectory.listing for \(email) on '\(slug)': \(warmUp) warm-up runs, then \(runs) timed\(limitNote), one after another (\(AccessBenchmarkCommand.buildKind) build)")
        report.line("label                   p50 ms     p95 ms     max ms    rows    runs")
        var results: [Figures] = []
        var termIndex = 0
        for query in queries {
            var cachedCounts: [AccountDirectory.Status: Int]?
            var samples: [UInt64] = []
            var rows = 0
            var run = 0
            var timingStarted: UInt64?
            func more() -> Bool {
                guard samples.count < runs else { return false }
                guard let budget, let timingStarted, samples.count >= Self.minimumRuns else { return true }
                return BenchClock.now() &- timingStarted < budget
            }
            while more() {
                defer { run += 1 }
                if run == warmUp { timingStarted = BenchClock.now() }
                var queryString = query.queryString
                if query.fresh {
                    queryString = queryString.replacingOccurrences(of: "{term}", with: Self.formEncoded(terms[termIndex % terms.count]))
                    termIndex += 1
                }
                var parsed = AccountListQuery.parse(Self.values(of: queryString), choices: nil)
                guard parsed.isValid else { throw BenchFailure("\(query.label): the list refuses '\(queryString)'") }
                parsed.filter.namesOnly = !AccessPolicy.readsAccountDetails(actor)
                let fresh = query.fresh
                let started = BenchClock.now()
                let listing = try await AccountDirectory.listing(parsed, for: actor, limit: limit, now: Date(), on: db) { filter in
                    if let cachedCounts { return cachedCounts }
                    let counts = try await AccountDirectory.counts(filter, for: actor, now: Date(), on: db)
                    if !fresh { cachedCounts = counts }
                    return counts
                }
                let elapsed = BenchClock.now() &- started
                if run >= warmUp { samples.append(elapsed) }
                rows = listing.page.rows.count
            }
            let summary = LatencySummary(samples)
            let figures = Figures(label: query.label, query: query.queryString, runs: samples.count, p50: Self.ms(summary.percentile(0.50)),
                                  p95: Self.ms(summary.percentile(0.95)), max: Self.ms(summary.max), rows: rows)
            results.append(figures)
            report.line(BenchFormat.pad(query.label, 20)
                + [summary.percentile(0.50), summary.percentile(0.95), summary.max]
                    .map { BenchFormat.pad(BenchFormat.milliseconds($0), 11, right: true) }.joined()
                + BenchFormat.pad(String(rows), 8, right: true) + BenchFormat.pad(String(samples.count), 8, right: true))
        }
        if let path = signature.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: path))
        }
    }

    /// The operator `email` of partner `slug`, loaded as every request loads its actor.
    static func actor(partner slug: String, email: String, on db: any Database) async throws -> Actor {
        let sql = try db.sql
        guard let partner = try await sql.select().column("id").from("partners").where("slug", .equal, slug).first() else {
            throw BenchFailure("no partner '\(slug)'")
        }
        let partnerID = try partner.decode(column: "id", as: UUID.self)
        guard let found = try await sql.select().column("id").from("operators")
            .where("partner_id", .equal, partnerID).where("email", .equal, email.lowercased()).first() else {
            throw BenchFailure("no operator '\(email)' in partner '\(slug)'")
        }
        let operatorID = try found.decode(column: "id", as: UUID.self)
        guard let actor = try await AccessLoader.actor(operatorID: operatorID, partnerID: partnerID, on: db) else {
            throw BenchFailure("operator '\(email)' could not be loaded")
        }
        return actor
    }

    /// A query string's values, the first of each name, decoded as a browser's form sends them.
    static func values(of queryString: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in queryString.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let name = decoded(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? decoded(parts[1]) : "" }
        }
        return values
    }

    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func readQueries(_ path: String) throws -> [Query] {
        let queries = try readLines(path).map { line -> Query in
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw BenchFailure("\(path): expected `label<TAB>query string`, got '\(line)'") }
            return Query(label: String(parts[0]), queryString: String(parts[1]))
        }
        guard !queries.isEmpty else { throw BenchFailure("\(path): no queries") }
        return queries
    }

    static func readLines(_ path: String) throws -> [String] {
        guard let text = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw BenchFailure("cannot read \(path)")
        }
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    }

    static func positive(_ value: Int?, _ fallback: Int, _ name: String, allowZero: Bool = false) throws -> Int {
        guard let value else { return fallback }
        guard value > 0 || (allowZero && value == 0) else { throw BenchFailure("--\(name): expected a positive whole number, got \(value)") }
        return value
    }

    static let minimumRuns = 30

    static func ms(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1_000_000 }
}
