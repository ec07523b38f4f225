import SQLKit

/// Multi-row `INSERT … VALUES (…), (…), …` in statements of at most ~10,000 bound values:
/// well under SQLite's limit of 32,766 variables and PostgreSQL's 65,535 parameters.
package struct BulkInsert {
    package let sql: any SQLDatabase
    package let table: String
    package let columns: [String]

    package init(sql: any SQLDatabase, table: String, columns: [String]) {
        self.sql = sql
        self.table = table
        self.columns = columns
    }

    package func run(count: Int, row: (Int) -> [any SQLExpression]) async throws {
        let rowsPerStatement = max(1, 10_000 / columns.count)
        for start in stride(from: 0, to: count, by: rowsPerStatement) {
            let insert = sql.insert(into: table).columns(columns)
            for index in start..<min(start + rowsPerStatement, count) { insert.values(row(index)) }
            try await insert.run()
        }
    }
}
