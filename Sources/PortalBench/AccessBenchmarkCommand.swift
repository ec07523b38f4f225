import App
import Vapor

/// `portal-bench access --partner SLUG [--decisions N] [--groups N] [--accounts N] [--runs N] …`
///
/// Prints figures for the two hot paths of the access model: the in-memory decision
/// (`AccessPolicy.decide`) and the database filter of visible accounts (`AccountVisibility`).
/// Meant for a release build (scripts/bench); a debug build's figures are much slower.
struct AccessBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "decisions", help: "Timed decisions (default 1000000).") var decisions: Int?
        @Option(name: "decision-groups", help: "Groups in the decision benchmark's tree (default 10000).") var decisionGroups: Int?
        @Option(name: "accounts", help: "Accounts seeded for the database benchmark (default 100000).") var accounts: Int?
        @Option(name: "groups", help: "Groups seeded for the database benchmark (default 1000).") var groups: Int?
        @Option(name: "runs", help: "Timed runs of each query (default 200).") var runs: Int?
        @Option(name: "warm-up", help: "Untimed runs of each query first (default 20).") var warmUp: Int?
        @Option(name: "seed", help: "Seed of the data generator (default 42).") var seed: Int?
        @Flag(name: "skip-decisions", help: "Skip the in-memory decision benchmark.") var skipDecisions: Bool
        @Flag(name: "skip-database", help: "Skip the database benchmark (seeds nothing).") var skipDatabase: Bool
        @Option(name: "partner", help: "Slug of an empty partner the database benchmark seeds into (and empties again).") var partner: String?
        @Flag(name: "keep", help: "Leave the seeded data in the partner.") var keep: Bool
        init() {}
    }

    let help = "Measure AccessPolicy.decide and AccountVisibility and print figures."

    func run(using context: CommandContext, signature: Signature) async throws {
        let report = BenchReport(console: context.console)
        let seed = UInt64(truncatingIfNeeded: try positive(signature.seed, 42, "seed"))
        let partner = signature.partner ?? ""
        guard signature.skipDatabase || !partner.isEmpty else {
            throw BenchFailure("--partner: name an empty partner to seed the database benchmark into (or --skip-database)")
        }
        report.line("portal-bench access (\(Self.buildKind) build)")

        if !signature.skipDecisions {
            var options = DecisionBenchmark.Options()
            options.decisions = try positive(signature.decisions, options.decisions, "decisions")
            options.groups = try positive(signature.decisionGroups, options.groups, "decision-groups")
            options.seed = seed
            DecisionBenchmark(options: options, report: report).run()
        }

        if !signature.skipDatabase {
            var options = VisibilityBenchmark.Options()
            options.accounts = try positive(signature.accounts, options.accounts, "accounts")
            options.groups = try positive(signature.groups, options.groups, "groups")
            options.runs = try positive(signature.runs, options.runs, "runs")
            options.warmUp = try positive(signature.warmUp, options.warmUp, "warm-up", allowZero: true)
            options.seed = seed
            options.keep = signature.keep
            try await VisibilityBenchmark(options: options, report: report, db: context.application.db, partnerSlug: partner).run()
        }
    }

    /// The option's value, its default when absent; refuses zero (unless allowed) and negatives.
    private func positive(_ value: Int?, _ fallback: Int, _ name: String, allowZero: Bool = false) throws -> Int {
        guard let value else { return fallback }
        guard value > 0 || (allowZero && value == 0) else { throw BenchFailure("--\(name): expected a positive whole number, got \(value)") }
        return value
    }

    /// Printed in the header so that debug figures are never mistaken for release ones.
    static var buildKind: String {
        #if DEBUG
        "DEBUG"
        #else
        "release"
        #endif
    }
}
