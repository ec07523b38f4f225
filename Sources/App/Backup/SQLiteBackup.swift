import FluentSQLiteDriver
import Foundation

/// The SQLite side of backups: a consistent copy of a database that may be serving at the
/// same moment, and putting a copy in place where no database is.
enum SQLiteBackup {
    /// Writes a consistent copy of the database at `path` to `snapshot` (which must not exist)
    /// and returns the migrations the copy holds. `VACUUM INTO` reads one transaction's view
    /// of the database; in WAL mode the portal keeps reading and writing meanwhile.
    static func snapshot(of path: String, into snapshot: String) async throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BackupFailure("there is no database at \(Backups.shown(path)) (SQLITE_PATH): nothing to back up.")
        }
        let source = try await connect(path, problem: "cannot read the database at \(Backups.shown(path))")
        do {
            guard try await hasMigrationsTable(source) else {
                throw BackupFailure("\(Backups.shown(path)) is not a portal database (it has never been migrated): nothing to back up.")
            }
            try await source.query("VACUUM INTO ?", [.text(snapshot)])
            try await source.close()
        } catch {
            try? await source.close()
            throw describe(error, problem: "cannot copy the database at \(Backups.shown(path))")
        }
        return try await migrations(in: snapshot)
    }

    /// Fails unless there is no database at `path`: restoring never replaces one.
    static func requireNoDatabase(at path: String) throws {
        for file in [path, path + "-wal", path + "-journal"] where exists(file) {
            let what = file == path ? "already holds a database" : "is left from an earlier database"
            throw BackupFailure("refusing to restore: \(Backups.shown(file)) \(what). Restore only where there is no database (a new data directory, or move the files away first); nothing was changed.")
        }
    }

    /// Checks that a staged copy is a sound SQLite database, before it is put in place.
    static func verify(staged path: String) async throws {
        let connection = try await connect(path, problem: "the backup's database cannot be opened")
        do {
            let rows = try await connection.query("PRAGMA quick_check")
            try await connection.close()
            guard rows.count == 1, rows.first?.column("quick_check")?.string == "ok" else {
                throw BackupFailure("the backup's database is damaged (SQLite's check failed); nothing was restored.")
            }
        } catch {
            try? await connection.close()
            throw describe(error, problem: "the backup's database is damaged")
        }
    }

    /// Puts the staged file at `path`, failing (and changing nothing) if a database appeared
    /// there meanwhile, for example from a portal that started during the restore.
    static func install(staged: String, at path: String) throws {
        let descriptor = open(staged, O_RDONLY)
        guard descriptor >= 0 else {
            throw BackupFailure("cannot open the restored copy \(Backups.shown(staged)); nothing was restored.")
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced else { throw BackupFailure("cannot write the restored copy to disk; nothing was restored.") }
        if link(staged, path) == 0 {
            unlink(staged)
        } else if errno == EEXIST {
            throw BackupFailure("refusing to restore: a database appeared at \(Backups.shown(path)) during the restore (is a portal running on it?); nothing was changed.")
        } else {
            // A file system without hard links: rename, having checked there is still nothing there.
            try requireNoDatabase(at: path)
            guard rename(staged, path) == 0 else {
                throw BackupFailure("cannot put the database at \(Backups.shown(path)) (\(String(cString: strerror(errno)))); nothing was restored.")
            }
        }
        Backups.syncDirectory(of: path)
    }

    // MARK: -

    private static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Opens an existing file without ever creating one (a `file:` URI with `mode=rw`).
    private static func connect(_ path: String, problem: String) async throws -> SQLiteConnection {
        let absolute = Backups.absolute(path)
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
        var quiet = Logger(label: "portal.backup.sqlite")
        quiet.logLevel = .critical
        do {
            return try await SQLiteConnection.open(storage: .file(path: "file:\(encoded)?mode=rw"), logger: quiet)
        } catch {
            throw describe(error, problem: problem)
        }
    }

    private static func hasMigrationsTable(_ connection: SQLiteConnection) async throws -> Bool {
        try await !connection.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_fluent_migrations'").isEmpty
    }

    private static func migrations(in path: String) async throws -> [String] {
        let connection = try await connect(path, problem: "cannot read the copy of the database")
        do {
            let rows = try await connection.query("SELECT name FROM _fluent_migrations ORDER BY batch, created_at, name")
            try await connection.close()
            return rows.compactMap { $0.column("name")?.string }
        } catch {
            try? await connection.close()
            throw describe(error, problem: "cannot read the copy of the database")
        }
    }

    private static func describe(_ error: any Error, problem: String) -> any Error {
        if error is BackupFailure { return error }
        if let sqlite = error as? SQLiteError { return BackupFailure("\(problem): \(Backups.shown(sqlite.message)).") }
        return BackupFailure("\(problem): \(Backups.shown(String(describing: error))).")
    }
}
