import Fluent
import SQLKit

extension Database {
    /// The SQLKit view of this database. Both supported drivers (SQLite, PostgreSQL) are SQL.
    package var sql: any SQLDatabase {
        get throws {
            guard let sql = self as? any SQLDatabase else {
                throw FluentError.invalidField(name: "database", valueType: Any.self, error: SQLDatabaseRequired())
            }
            return sql
        }
    }
}

private struct SQLDatabaseRequired: Error, CustomStringConvertible {
    var description: String { "the configured database driver is not an SQL database" }
}

extension Database {
    /// A transaction that writes. SQLite's transactions start as readers: one that has read
    /// and then writes, after another connection wrote, fails at once with "database is
    /// locked" (the busy timeout cannot help it). So on SQLite the first statement takes the
    /// write lock, waiting out the busy timeout while another writer finishes; on PostgreSQL
    /// it is an ordinary transaction. Inside a transaction it joins it.
    func writeTransaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await transaction { db in
            let sql = try db.sql
            if sql.dialect.name == "sqlite" {
                // A write that changes nothing: it takes the lock a write takes.
                try await sql.raw("UPDATE partners SET slug = slug WHERE 0 = 1").run()
            }
            return try await closure(db)
        }
    }
}
