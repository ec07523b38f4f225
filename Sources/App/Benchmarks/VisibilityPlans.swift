import Fluent
import Foundation
import SQLKit

/// The statements `AccountVisibility` runs, rebuilt with the same builder calls so that the
/// database can be asked how it executes them (EXPLAIN), and printed plans.
struct VisibilityPlans {
    let report: BenchReport
    let db: any Database
    let pageSize: Int

    /// `AccountVisibility.page(for:after:limit:on:)`'s statement.
    static func pageSelect(_ actor: Actor, after: (name: String, id: UUID)?, limit: Int, on sql: any SQLDatabase) -> SQLSelect {
        var query = sql.select().column("*").from(Account.schema).where(AccountVisibility.condition(for: actor))
        if let after {
            query = query.where(SQLQueryString("(name > \(bind: after.name) OR (name = \(bind: after.name) AND id > \(bind: after.id)))"))
        }
        return query.orderBy("name").orderBy("id").limit(limit).select
    }

    /// `AccountVisibility.count(for:on:)`'s statement.
    static func countSelect(_ actor: Actor, on sql: any SQLDatabase) -> SQLSelect {
        sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Account.schema).where(AccountVisibility.condition(for: actor)).select
    }

    /// The first page's plan of each shape, without the SQL (the main shape's is printed in full).
    func printFirstPagePlans(_ shapes: [(label: String, actor: Actor)], dialect: String) async throws {
        let sql = try db.sql
        report.subheading("First-page plans of the other shapes (\(VisibilityBenchmark.databaseLabel(dialect)))")
        for (label, actor) in shapes {
            report.line()
            report.line("\(label):")
            let statement = Self.pageSelect(actor, after: nil, limit: pageSize, on: sql)
            for line in try await plan(of: statement, dialect: dialect) { report.line("  " + line) }
        }
    }

    func printPlans(title: String, actor: Actor, cursor: (name: String, id: UUID)?, dialect: String) async throws {
        let sql = try db.sql
        let first = Self.pageSelect(actor, after: nil, limit: pageSize, on: sql)
        report.subheading("Query plan (\(VisibilityBenchmark.databaseLabel(dialect))): \(title)")
        let (text, binds) = sql.serialize(first)
        report.line("First-page SQL (\(binds.count) bound values):")
        report.line(text)
        var statements: [(String, SQLSelect)] = [("first page", first)]
        if let cursor { statements.append(("deep page", Self.pageSelect(actor, after: cursor, limit: pageSize, on: sql))) }
        statements.append(("count", Self.countSelect(actor, on: sql)))
        for (label, statement) in statements {
            report.line()
            report.line("\(label):")
            for line in try await plan(of: statement, dialect: dialect) { report.line("  " + line) }
        }
    }

    /// The plan as lines: SQLite's EXPLAIN QUERY PLAN as an indented tree; PostgreSQL's
    /// EXPLAIN ANALYZE (it runs the statement once, with actual row counts and timings).
    func plan(of statement: any SQLExpression, dialect: String) async throws -> [String] {
        let sql = try db.sql
        if dialect == "sqlite" {
            let rows = try await sql.raw("EXPLAIN QUERY PLAN \(statement)").all()
            var depth: [Int: Int] = [0: -1]
            let lines = try rows.map { row in
                let id = try row.decode(column: "id", as: Int.self)
                let parent = try row.decode(column: "parent", as: Int.self)
                let level = (depth[parent] ?? -1) + 1
                depth[id] = level
                return String(repeating: "  ", count: level) + (try row.decode(column: "detail", as: String.self))
            }
            return Self.collapsingRepeats(lines)
        }
        let rows = try await sql.raw("EXPLAIN (ANALYZE, BUFFERS) \(statement)").all()
        return Self.condensed(try rows.map { try $0.decode(column: "QUERY PLAN", as: String.self) })
    }

    /// SQLite prints one "LIST SUBQUERY n" block per group grant, all alike: keep the first
    /// of each distinct shape and count the repeats.
    static func collapsingRepeats(_ lines: [String]) -> [String] {
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        var kept: [String] = []
        var seenBodies: Set<[String]> = []
        var repeats = 0
        var index = 0
        while index < lines.count {
            let line = lines[index]
            guard line.trimmingCharacters(in: .whitespaces).hasPrefix("LIST SUBQUERY") else {
                kept.append(line)
                index += 1
                continue
            }
            var end = index + 1
            while end < lines.count, indent(lines[end]) > indent(line) { end += 1 }
            let body = Array(lines[(index + 1)..<end])
            if seenBodies.insert(body).inserted {
                kept.append(contentsOf: lines[index..<end])
            } else {
                repeats += 1
            }
            index = end
        }
        if repeats > 0 { kept.append("  (\(repeats) more LIST SUBQUERY blocks identical to one above omitted: one per group grant)") }
        return kept
    }

    /// PostgreSQL prints one SubPlan block per group grant, all of the same shape: keep the
    /// first one in full and replace the other nested-loop SubPlans by a count.
    static func condensed(_ lines: [String]) -> [String] {
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        var kept: [String] = []
        var omitted = 0
        var skipBelow: Int?
        var seenNestedLoopSubPlan = false
        for (index, line) in lines.enumerated() {
            if let depth = skipBelow {
                if indent(line) > depth { continue }
                skipBelow = nil
            }
            let text = line.trimmingCharacters(in: .whitespaces)
            let next = index + 1 < lines.count ? lines[index + 1] : ""
            if text.hasPrefix("SubPlan "), next.contains("Nested Loop") {
                if seenNestedLoopSubPlan {
                    if omitted == 0 {
                        kept.append(String(repeating: " ", count: indent(line)) + "(further group SubPlans of the same shape omitted: NOTE)")
                    }
                    omitted += 1
                    skipBelow = indent(line)
                    continue
                }
                seenNestedLoopSubPlan = true
            }
            kept.append(line)
        }
        // Say how many were left out, in the line that marks where they were.
        return kept.map { $0.replacingOccurrences(of: "omitted: NOTE)", with: "omitted: \(omitted))") }
    }
}
