import Fluent
import Foundation
import SQLKit

/// Variations that are NOT what the portal does today, measured on the same data right after
/// the real figures, to show what a proposed change would buy. Each one checks that it returns
/// the same rows as the current code. Ad-hoc indexes are dropped again at the end of their
/// experiment.
struct VisibilityExperiments {
    typealias Figures = VisibilityBenchmark.ShapeFigures

    let options: VisibilityBenchmark.Options
    let report: BenchReport
    let db: any Database

    /// Candidate indexes, tried one at a time.
    static let indexes: [(name: String, columns: [String], purpose: String)] = [
        ("bench_experiment_accounts_visibility_idx", ["partner_id", "group_id", "secure", "setup_completed", "id"],
         "every column the visibility condition reads, so COUNT can be answered from the index alone"),
        ("bench_experiment_accounts_page_idx", ["partner_id", "name", "id", "group_id", "secure", "setup_completed"],
         "the page order plus the filtered columns, so rows can be rejected without visiting the table"),
    ]

    private var timer: QueryTimer { QueryTimer(runs: options.runs, warmUp: options.warmUp) }

    func run(actors: [String: Actor], figures: [Figures], dialect: String) async throws {
        report.heading("Experiments on \(VisibilityBenchmark.databaseLabel(dialect)) (NOT the portal's current code; same data)")
        let sql = try db.sql
        let measured = figures.compactMap { figure in actors[figure.shape.key].map { (figure, $0) } }
        guard measured.allSatisfy({ ExperimentalVisibility.matchesCurrent($0.1, on: sql) }) else {
            report.line("Skipped: ExperimentalVisibility no longer reproduces AccountVisibility's SQL; update the replica first.")
            return
        }
        try await rowValueKeyset(measured)
        let byteOrdered = try await byteOrderedText(dialect)
        if byteOrdered {
            try await pathRange(measured)
        } else {
            report.line()
            report.line("B. (path range) skipped: the database's collation is not byte-ordered, so a range is not a prefix test.")
        }
        try await allTogether(measured, groupScope: byteOrdered ? .pathRange : .likePrefix)
        if dialect == "sqlite" { try await largerPageCache(measured) }
        // One fresh baseline for both indexes, taken right before them, so that drift over
        // the run is not mistaken for an effect of the index.
        report.subheading("C. Ad-hoc indexes (baseline without them measured again first)")
        let baseline = try await measureEach(measured)
        for index in Self.indexes { try await adHocIndex(index, measured, baseline: baseline, dialect: dialect) }
    }

    // MARK: - Keyset as a row value

    private func rowValueKeyset(_ measured: [(Figures, Actor)]) async throws {
        report.subheading("A. Deep page with the keyset as a row value: (name, id) > (?, ?)")
        report.line("Current: name > ? OR (name = ? AND id > ?), which no index can seek to, so the scan starts at")
        report.line("the partner's first account and reads everything before the cursor.")
        report.line(Self.comparisonHeader)
        let limit = options.pageSize
        for (figure, actor) in measured {
            guard let cursor = figure.cursor else { continue }
            let current = try await timer.time {
                try await AccountVisibility.page(for: actor, after: cursor, limit: limit, on: db).count
            }
            let candidate = try await timer.time {
                try await ExperimentalVisibility.page(for: actor, after: cursor, limit: limit, groupScope: .likePrefix, keyset: .rowValue, on: db).count
            }
            let same = try await AccountVisibility.page(for: actor, after: cursor, limit: limit, on: db).map(\.id)
                == ExperimentalVisibility.page(for: actor, after: cursor, limit: limit, groupScope: .likePrefix, keyset: .rowValue, on: db).map(\.id)
            report.line(comparison(figure.shape.key, current, candidate, same: same))
        }
        if let (figure, actor) = mainShape(measured), let cursor = figure.cursor {
            try await printCandidatePlan("Plan of \(figure.shape.key) deep page with the row value:", ExperimentalVisibility.select(
                for: actor, after: cursor, limit: options.pageSize, groupScope: .likePrefix, keyset: .rowValue, on: try db.sql).select)
        }
    }

    private func mainShape(_ measured: [(Figures, Actor)]) -> (Figures, Actor)? {
        measured.first { $0.0.shape.key == VisibilityBenchmark.mainShape }
    }

    private func printCandidatePlan(_ title: String, _ statement: SQLSelect) async throws {
        let plans = VisibilityPlans(report: report, db: db, pageSize: options.pageSize)
        report.line()
        report.line(title)
        for line in try await plans.plan(of: statement, dialect: try db.sql.dialect.name) { report.line("  " + line) }
    }

    // MARK: - Group scope as a path range

    private func pathRange(_ measured: [(Figures, Actor)]) async throws {
        report.subheading("B. Group scopes as a path range: g.path >= root.path AND g.path < root.path || '~'")
        report.line("Current: g.path LIKE root.path || '%'. Neither database can use an index for a LIKE whose pattern")
        report.line("is computed from another row, so every group grant scans all the partner's groups.")
        report.line(Self.comparisonHeader)
        let limit = options.pageSize
        for (figure, actor) in measured where actor.grants.contains(where: { if case .group = $0.scope { true } else { false } }) {
            let current = try await timer.time { try await AccountVisibility.page(for: actor, after: nil, limit: limit, on: db).count }
            let candidate = try await timer.time {
                try await ExperimentalVisibility.page(for: actor, after: nil, limit: limit, groupScope: .pathRange, keyset: .orExpression, on: db).count
            }
            let currentCount = try await timer.time { try await AccountVisibility.count(for: actor, on: db) }
            let candidateCount = try await timer.time { try await ExperimentalVisibility.count(for: actor, groupScope: .pathRange, on: db) }
            let samePage = try await AccountVisibility.page(for: actor, after: nil, limit: limit, on: db).map(\.id)
                == ExperimentalVisibility.page(for: actor, after: nil, limit: limit, groupScope: .pathRange, keyset: .orExpression, on: db).map(\.id)
            report.line(comparison("\(figure.shape.key) first", current, candidate, same: samePage))
            report.line(comparison("\(figure.shape.key) count", currentCount, candidateCount, same: currentCount.rows == candidateCount.rows))
        }
        if let (figure, actor) = mainShape(measured) {
            try await printCandidatePlan("Plan of \(figure.shape.key) first page with path ranges:", ExperimentalVisibility.select(
                for: actor, after: nil, limit: options.pageSize, groupScope: .pathRange, keyset: .orExpression, on: try db.sql).select)
        }
    }

    // MARK: - All query changes together

    private func allTogether(_ measured: [(Figures, Actor)], groupScope: ExperimentalVisibility.GroupScope) async throws {
        report.subheading("D. A and B together, and rows decoded column by column instead of as Fluent models")
        report.line("(B only where the collation allows it. \"before\" is AccountVisibility.page as it is, measured again now.)")
        report.line(Self.comparisonHeader)
        let limit = options.pageSize
        for (figure, actor) in measured {
            for (label, cursor) in [("first", nil), ("deep", figure.cursor)] as [(String, (name: String, id: UUID)?)] {
                if label == "deep", cursor == nil { continue }
                let current = try await timer.time {
                    try await AccountVisibility.page(for: actor, after: cursor, limit: limit, on: db).count
                }
                let candidate = try await timer.time {
                    try await ExperimentalVisibility.plainPage(for: actor, after: cursor, limit: limit, groupScope: groupScope, keyset: .rowValue, on: db).count
                }
                let same = try await AccountVisibility.page(for: actor, after: cursor, limit: limit, on: db).map(\.id)
                    == ExperimentalVisibility.plainPage(for: actor, after: cursor, limit: limit, groupScope: groupScope, keyset: .rowValue, on: db).map(\.id)
                report.line(comparison("\(figure.shape.key) \(label)", current, candidate, same: same))
            }
        }
    }

    /// Whether text compares byte by byte (SQLite's BINARY; PostgreSQL's "C"/"POSIX"), which
    /// the path-range rewrite relies on.
    private func byteOrderedText(_ dialect: String) async throws -> Bool {
        guard dialect == "postgresql" else { return dialect == "sqlite" }
        let row = try await (try db.sql).raw("SELECT datcollate AS c FROM pg_database WHERE datname = current_database()").first()
        let collation = try row?.decode(column: "c", as: String.self) ?? ""
        report.line()
        report.line("Database collation: \(collation)")
        // "C.UTF-8" sorts by code point, which for UTF-8 is byte order.
        return ["C", "POSIX", "C.UTF-8", "C.utf8"].contains(collation)
    }

    // MARK: - Ad-hoc indexes

    private func adHocIndex(
        _ index: (name: String, columns: [String], purpose: String), _ measured: [(Figures, Actor)],
        baseline: [String: Timing], dialect: String
    ) async throws {
        let sql = try db.sql
        report.subheading("C. Ad-hoc index \(index.name)")
        report.line("CREATE INDEX \(index.name) ON accounts (\(index.columns.joined(separator: ", ")));")
        report.line("Why: \(index.purpose).")
        let build = try await BenchClock.measure {
            let create = sql.create(index: index.name).on(Account.schema)
            for column in index.columns { create.column(column) }
            try await create.run()
            if dialect == "postgresql" { try await sql.raw("ANALYZE accounts").run() }
        }
        report.line("Built in \(BenchFormat.duration(build)). \"before\" = the baseline just measured without it:")
        do {
            let after = try await measureEach(measured)
            printComparisons(measured, before: baseline, after: after)
            if let (figure, actor) = mainShape(measured) {
                try await printCandidatePlan("Plan of \(figure.shape.key) count with the index:", VisibilityPlans.countSelect(actor, on: sql))
                try await printCandidatePlan("Plan of \(figure.shape.key) first page with the index:",
                                             VisibilityPlans.pageSelect(actor, after: nil, limit: options.pageSize, on: sql))
            }
        } catch {
            try? await sql.drop(index: index.name).run()
            throw error
        }
        try await sql.drop(index: index.name).run()
        report.line("Dropped \(index.name).")
    }

    // MARK: - SQLite page cache

    /// SQLite keeps 2 MiB of pages per connection by default; the 100,000 accounts take tens of
    /// MiB, so scans re-read pages from the OS (system time) on every query.
    private func largerPageCache(_ measured: [(Figures, Actor)]) async throws {
        let sql = try db.sql
        let cacheSize = "-65536"
        report.subheading("E. SQLite page cache of 64 MiB: PRAGMA cache_size = \(cacheSize) (default -2000, i.e. 2 MiB)")
        guard let original = try await sql.raw("PRAGMA cache_size").first()?.decode(column: "cache_size", as: Int.self) else { return }
        let before = try await measureEach(measured)
        try await sql.raw("PRAGMA cache_size = \(unsafeRaw: cacheSize)").run()
        // The benchmark's queries all go through one event loop's single SQLite connection;
        // reading the value back confirms the setting is on the connection being measured.
        let applied = try await sql.raw("PRAGMA cache_size").first()?.decode(column: "cache_size", as: Int.self)
        report.line("cache_size was \(original), now \(applied.map(String.init) ?? "?") on the measured connection.")
        do {
            let after = try await measureEach(measured)
            printComparisons(measured, before: before, after: after)
        } catch {
            try? await sql.raw("PRAGMA cache_size = \(unsafeRaw: String(original))").run()
            throw error
        }
        try await sql.raw("PRAGMA cache_size = \(unsafeRaw: String(original))").run()
        report.line("Restored cache_size = \(original).")
    }

    // MARK: - Measuring every shape with the current code

    typealias Timing = (summary: LatencySummary, rows: Int)

    /// First page, deep page and count of every shape through `AccountVisibility` as it is,
    /// keyed "<shape> first|deep|count".
    private func measureEach(_ measured: [(Figures, Actor)]) async throws -> [String: Timing] {
        let limit = options.pageSize
        var timings: [String: Timing] = [:]
        for (figure, actor) in measured {
            timings["\(figure.shape.key) first"] = try await timer.time {
                try await AccountVisibility.page(for: actor, after: nil, limit: limit, on: db).count
            }
            if let cursor = figure.cursor {
                timings["\(figure.shape.key) deep"] = try await timer.time {
                    try await AccountVisibility.page(for: actor, after: cursor, limit: limit, on: db).count
                }
            }
            timings["\(figure.shape.key) count"] = try await timer.time { try await AccountVisibility.count(for: actor, on: db) }
        }
        return timings
    }

    private func printComparisons(_ measured: [(Figures, Actor)], before: [String: Timing], after: [String: Timing]) {
        report.line(Self.comparisonHeader)
        for (figure, _) in measured {
            for kind in ["first", "deep", "count"] {
                let key = "\(figure.shape.key) \(kind)"
                guard let old = before[key], let new = after[key] else { continue }
                report.line(comparison(key, old, new, same: old.rows == new.rows))
            }
        }
    }

    // MARK: - Output

    private static let comparisonHeader =
        "                          rows  before p50 / p95 ms     after p50 / p95 ms     speed-up p50  same result"

    private func comparison(
        _ label: String, _ before: (summary: LatencySummary, rows: Int), _ after: (summary: LatencySummary, rows: Int), same: Bool
    ) -> String {
        func pair(_ summary: LatencySummary) -> String {
            BenchFormat.milliseconds(summary.percentile(0.50)) + " / " + BenchFormat.milliseconds(summary.percentile(0.95))
        }
        let speedUp = Double(before.summary.percentile(0.50)) / Double(max(1, after.summary.percentile(0.50)))
        return BenchFormat.pad(label, 22) + BenchFormat.pad(BenchFormat.count(after.rows), 8, right: true) + "  "
            + BenchFormat.pad(pair(before.summary), 23) + BenchFormat.pad(pair(after.summary), 23)
            + BenchFormat.pad(String(format: "%.1fx", speedUp), 14) + (same ? "yes" : "NO")
    }
}
