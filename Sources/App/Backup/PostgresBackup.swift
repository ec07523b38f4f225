import Foundation
import NIOPosix
import SQLKit

/// The PostgreSQL side of backups: `pg_dump -Fc` of the whole database and `pg_restore` into
/// an empty one. The connection comes from DATABASE_URL as libpq environment variables, so
/// the password is never on a command line (where `ps` shows it) nor in a message.
enum PostgresBackup {
    /// How the client tools reach the database.
    struct Connection: Equatable {
        var database: String
        var environment: [String: String]
        var password: String?
    }

    static func connection(url: String, inherited: [String: String] = ProcessInfo.processInfo.environment) throws -> Connection {
        guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty,
              let user = parts.user, !user.isEmpty else {
            throw BackupFailure("DATABASE_URL: expected postgres://user:password@host:port/database")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        // The portal's own settings (DATABASE_URL with its password, SECRET_KEY, SMTP_PASSWORD…)
        // are none of the tools' business.
        let portalSettings = Set(AppConfig.settings.map(\.name))
        var environment = inherited.filter { !portalSettings.contains($0.key) }
        environment["PGHOST"] = host
        environment["PGPORT"] = String(parts.port ?? 5432)
        environment["PGUSER"] = user
        environment["PGDATABASE"] = database.isEmpty ? user : database
        environment["PGAPPNAME"] = "portal-backup"
        if environment["PGCONNECT_TIMEOUT"] == nil { environment["PGCONNECT_TIMEOUT"] = "10" }
        if let password = parts.password, !password.isEmpty { environment["PGPASSWORD"] = password }
        let tls = parts.queryItems?.last { ["tlsmode", "sslmode", "ssl", "tls"].contains($0.name.lowercased()) }?.value
        switch tls?.lowercased() {
        case nil: break
        case "disable", "false": environment["PGSSLMODE"] = "disable"
        case "prefer", "allow", "true": environment["PGSSLMODE"] = "prefer"
        case "require", "verify-ca", "verify-full": environment["PGSSLMODE"] = tls?.lowercased()
        default: throw BackupFailure("DATABASE_URL: unknown TLS mode (use disable, prefer, require, verify-ca or verify-full)")
        }
        return Connection(database: environment["PGDATABASE"] ?? user, environment: environment, password: parts.password)
    }

    /// The tool on PATH, or else in the newest /usr/lib/postgresql/*/bin.
    static func tool(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"],
                     installed root: String = "/usr/lib/postgresql") throws -> String {
        let manager = FileManager.default
        for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        let versions = ((try? manager.contentsOfDirectory(atPath: root)) ?? [])
            .sorted { (Double($0) ?? 0) > (Double($1) ?? 0) }
        for version in versions {
            let candidate = "\(root)/\(version)/bin/\(name)"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw BackupFailure("\(name) was not found on PATH or in \(root)/*/bin: install the PostgreSQL client tools (Debian: apt-get install postgresql-client), of the server's version or newer.")
    }

    /// Migrations applied to the database, oldest first; fails when the portal has never run on it.
    static func migrations(on db: any SQLDatabase) async throws -> [String] {
        let table = try await db.raw("SELECT to_regclass('_fluent_migrations') IS NOT NULL AS present").first()
        guard try table?.decode(column: "present", as: Bool.self) == true else {
            throw BackupFailure("the database in DATABASE_URL is not a portal database (it has never been migrated): nothing to back up.")
        }
        return try await db.raw("SELECT name FROM _fluent_migrations ORDER BY batch, created_at, name").all()
            .map { try $0.decode(column: "name", as: String.self) }
    }

    /// Fails unless the database holds no tables, views or sequences in any schema of its own.
    static func requireEmpty(_ db: any SQLDatabase, name: String) async throws {
        let rows = try await db.raw("""
            SELECT n.nspname AS schema_name, c.relname AS relation FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            ORDER BY c.relname LIMIT 4
            """).all()
        guard rows.isEmpty else {
            let names = try rows.prefix(3).map { try $0.decode(column: "relation", as: String.self) }
            let list = names.joined(separator: ", ") + (rows.count > 3 ? ", …" : "")
            throw BackupFailure("refusing to restore: the database \(Backups.shown(name)) is not empty (it has \(Backups.shown(list))). Restore only into a new, empty database; nothing was changed.")
        }
    }

    static func dump(_ connection: Connection, to path: String) async throws {
        try await run("pg_dump", ["--format=custom", "--no-password", "--file=\(path)", "--dbname=\(conninfo(connection.database))"],
                      connection: connection)
    }

    /// One transaction: when anything fails, the database stays as empty as it was.
    static func restore(_ connection: Connection, from path: String) async throws {
        try await run("pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--no-password",
                                     "--dbname=\(conninfo(connection.database))", path], connection: connection)
    }

    /// A database name as a libpq connection string, so that no name is read as options.
    static func conninfo(_ database: String) -> String {
        "dbname='" + database.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    private static func run(_ name: String, _ arguments: [String], connection: Connection) async throws {
        let executable = try tool(name, path: connection.environment["PATH"])
        let (status, errors) = try await NIOThreadPool.singleton.runIfActive { () throws -> (Int32, Data) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = connection.environment
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let errors = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, errors)
        }
        guard status == 0 else {
            throw BackupFailure("\(name) failed: \(summary(of: errors, hiding: connection.password))")
        }
    }

    /// The tool's first error line, on one line, without the password should it ever appear.
    static func summary(of output: Data, hiding password: String?) -> String {
        let lines = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        var line = lines.first { $0.contains("error:") || $0.contains("FATAL") } ?? lines.last ?? "no message (exit status only)"
        if let password, !password.isEmpty { line = line.replacingOccurrences(of: password, with: "***") }
        line = Backups.shown(line.trimmingCharacters(in: .whitespaces))
        return line.count > 400 ? String(line.prefix(400)) + "…" : line
    }
}
