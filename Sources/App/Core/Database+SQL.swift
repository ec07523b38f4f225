import Fluent
import SQLKit

extension Database {
    /// The SQLKit view of this database. Both supported drivers (SQLite, PostgreSQL) are SQL.
    var sql: any SQLDatabase {
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
