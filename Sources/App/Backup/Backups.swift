import Crypto
import Fluent
import Foundation
import NIOPosix
import SQLKit
import Vapor

/// `portal backup` and `portal restore`: one file holding the database (a consistent SQLite
/// copy, or `pg_dump -Fc`) and, when it comes from the key file, the secret key, written next
/// to its target and renamed into place only when complete.
///
/// The file is a tar archive of `portal-backup.json` (BackupManifest), then `secret.key` when
/// included, then `portal.sqlite` or `portal.pgdump`. A restore reads and checks everything
/// (names, sizes, SHA-256 digests, the database itself) and decides about the key before it
/// changes anything, and only ever fills a place where there is no database.
enum Backups {
    // MARK: - Backup

    /// Writes the backup and returns what the command prints.
    static func create(to target: String, app: Application) async throws -> [String] {
        let config = app.portalConfig
        let destination = try Destination(target, config: config)
        let key = try BackupKey.take(config: config)
        let work = destination.sibling("database")
        defer { unlink(work) }
        try createPrivateFile(work)
        let engine: BackupManifest.Engine
        let migrations: [String]
        switch config.storage {
        case .sqliteMemory:
            throw BackupFailure("an in-memory database cannot be backed up.")
        case .sqliteFile(let path):
            engine = .sqlite
            migrations = try await SQLiteBackup.snapshot(of: path, into: work)
        case .postgres(let url, _):
            engine = .postgresql
            let connection = try PostgresBackup.connection(url: url)
            migrations = try await PostgresBackup.migrations(on: app.db.sql)
            try await PostgresBackup.dump(connection, to: work)
        }
        let manifest = try await NIOThreadPool.singleton.runIfActive { () throws -> BackupManifest in
            let database = try BackupArchive.digest(ofFile: work)
            var files: [BackupManifest.File] = []
            if let file = key.file {
                files.append(.init(name: BackupManifest.keyEntryName, bytes: UInt64(file.count), sha256: BackupArchive.hex(SHA256.hash(data: file))))
            }
            files.append(.init(name: engine.entryName, bytes: database.size, sha256: database.sha256))
            let manifest = BackupManifest(database: engine, createdAt: Date(), key: key.source, keyID: key.id, migrations: migrations, files: files)
            try destination.write { writer in
                try writer.add(name: BackupManifest.entryName, data: try manifest.encoded())
                if let file = key.file { try writer.add(name: BackupManifest.keyEntryName, data: file) }
                try writer.add(name: engine.entryName, file: work, size: database.size)
                try writer.finish()
            }
            return manifest
        }
        let size = manifest.files.last.map { ByteCountFormatter.string(fromByteCount: Int64($0.bytes), countStyle: .file) } ?? "?"
        var lines = ["Backed up the \(engine.displayName) database (\(size), \(manifest.migrations.count) migrations) to \(shown(destination.path))."]
        switch key.source {
        case .included:
            lines.append("The file holds the secret key (key id \(key.id ?? "?")) from \(shown(key.path ?? "the key file")): keep it as safe as the key itself.")
        case .environment:
            lines.append("The secret key is not in the file: SECRET_KEY is set. Keep that value (key id \(key.id ?? "?")) with the backup; a restore needs it.")
        case .absent:
            lines.append("The file holds no secret key: neither SECRET_KEY nor \(shown(key.path ?? "a key file")) was there.")
        }
        return lines
    }

    // MARK: - Restore

    /// Restores the backup and returns what the command prints.
    static func restore(from source: String, withoutKey: Bool, app: Application) async throws -> [String] {
        let config = app.portalConfig
        let archive = try Archive(path: source)
        defer { archive.close() }
        let manifest = try archive.manifest()
        let engine: BackupManifest.Engine = switch config.storage {
        case .postgres: .postgresql
        case .sqliteFile, .sqliteMemory: .sqlite
        }
        guard manifest.database == engine else {
            let configured = engine == .postgresql ? "PostgreSQL (DATABASE_URL is set)" : "SQLite (DATABASE_URL is not set)"
            throw BackupFailure("\(shown(source)) is a backup of a \(manifest.database.displayName) database, and this portal is set up for \(configured); nothing was changed.")
        }
        let known = Set(PortalMigrations.all.map(\.name))
        if let unknown = manifest.migrations.first(where: { !known.contains($0) }) {
            throw BackupFailure("\(shown(source)) comes from a newer version of the portal (its database has the migration \(shown(unknown)), which this version does not know): restore it with that version or a later one; nothing was changed.")
        }

        switch config.storage {
        case .sqliteMemory:
            throw BackupFailure("an in-memory database cannot be restored into.")
        case .sqliteFile(let path):
            try SQLiteBackup.requireNoDatabase(at: path)
            let included = try archive.keyFile(manifest)
            let plan = try BackupKey.plan(manifest: manifest, included: included, config: config, existing: existingKeyFile(config), withoutKey: withoutKey)
            let created = try makeDirectories(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            let staged = URL(fileURLWithPath: path).deletingLastPathComponent()
                .appendingPathComponent(".\(URL(fileURLWithPath: path).lastPathComponent).restore-\(randomSuffix())").path
            do {
                defer { unlink(staged) }
                try createPrivateFile(staged)
                try await archive.extractDatabase(manifest, to: staged)
                try await SQLiteBackup.verify(staged: staged)
                let wroteKey = try apply(plan)
                do {
                    try SQLiteBackup.install(staged: staged, at: path)
                } catch {
                    if let wroteKey { unlink(wroteKey) }
                    throw error
                }
            } catch {
                removeDirectories(created)
                throw error
            }
            return restored(manifest, into: shown(path), plan: plan)
        case .postgres(let url, _):
            let connection = try PostgresBackup.connection(url: url)
            try await PostgresBackup.requireEmpty(app.db.sql, name: connection.database)
            let included = try archive.keyFile(manifest)
            let plan = try BackupKey.plan(manifest: manifest, included: included, config: config, existing: existingKeyFile(config), withoutKey: withoutKey)
            let staged = FileManager.default.temporaryDirectory.appendingPathComponent("portal-restore-\(randomSuffix()).pgdump").path
            defer { unlink(staged) }
            try createPrivateFile(staged)
            try await archive.extractDatabase(manifest, to: staged)
            var created: [String] = []
            if case .write(let keyPath, _) = plan { created = try makeDirectories(URL(fileURLWithPath: keyPath).deletingLastPathComponent().path) }
            // Instances starting now wait for this lock before they migrate, so none creates
            // tables in the database while it is being restored.
            try await MigrationLock.withLock(app) {
                try await PostgresBackup.requireEmpty(app.db.sql, name: connection.database)
                let wroteKey = try apply(plan)
                do {
                    try await PostgresBackup.restore(connection, from: staged)
                } catch {
                    if let wroteKey { unlink(wroteKey) }
                    removeDirectories(created)
                    throw error
                }
            }
            return restored(manifest, into: "the database \(shown(connection.database))", plan: plan)
        }
    }

    private static func restored(_ manifest: BackupManifest, into place: String, plan: BackupKey.Plan) -> [String] {
        let made = ISO8601DateFormatter().string(from: manifest.createdAt)
        var lines = ["Restored the backup of \(made) (\(manifest.migrations.count) migrations) into \(place)."]
        switch plan {
        case .write(let path, _): lines.append("Wrote its secret key to \(shown(path)) (mode 0600).")
        case .nothing(let note): if let note { lines.append(note) }
        }
        lines.append("Start the portal as usual; it applies any newer migrations.")
        return lines
    }

    /// Writes the key file when the plan says so; returns its path, to undo on failure.
    private static func apply(_ plan: BackupKey.Plan) throws -> String? {
        guard case .write(let path, let contents) = plan else { return nil }
        try BackupKey.install(contents, at: path)
        return path
    }

    private static func existingKeyFile(_ config: AppConfig) -> Data? {
        SecretKeys.keyFile(for: config.storage).flatMap { FileManager.default.contents(atPath: $0) }
    }

    // MARK: - Files

    /// A path or a tool's message as it may be shown on one line.
    static func shown(_ text: String) -> String {
        LogSanitizer.escapeControlCharacters(text)
    }

    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    static func randomSuffix() -> String {
        (0..<6).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
    }

    /// An empty file only its owner can read: the database and the key are in it.
    static func createPrivateFile(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw BackupFailure("cannot create \(shown(path)) (\(String(cString: strerror(errno)))).")
        }
        close(descriptor)
    }

    /// Makes the missing directories of `path` and returns them, deepest last, to undo.
    static func makeDirectories(_ path: String) throws -> [String] {
        var missing: [String] = []
        var url = URL(fileURLWithPath: absolute(path))
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.insert(url.path, at: 0)
            url = url.deletingLastPathComponent()
        }
        do {
            for directory in missing { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false) }
        } catch {
            removeDirectories(missing)
            throw BackupFailure("cannot create the directory \(shown(path)) (\(error.localizedDescription)); nothing was changed.")
        }
        return missing
    }

    static func removeDirectories(_ created: [String]) {
        for directory in created.reversed() { rmdir(directory) }
    }

    static func syncDirectory(of path: String) {
        let descriptor = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Where `portal backup --to` writes: checked before any work, written beside and renamed.
    struct Destination: Sendable {
        let path: String

        init(_ raw: String, config: AppConfig) throws {
            guard !raw.isEmpty else { throw BackupFailure("--to: give the file to write, for example --to portal-backup.tar") }
            path = Backups.absolute(raw)
            let manager = FileManager.default
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw BackupFailure("--to: \(shown(path)) is a directory; give a file name in it.")
            }
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard manager.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw BackupFailure("--to: the directory \(shown(parent)) does not exist.")
            }
            guard access(parent, W_OK) == 0 else { throw BackupFailure("--to: cannot write in \(shown(parent)) (permission denied).") }
            let own: [String] = {
                var files: [String] = SecretKeys.keyFile(for: config.storage).map { [Backups.absolute($0)] } ?? []
                if case .sqliteFile(let database) = config.storage {
                    let absolute = Backups.absolute(database)
                    files += [absolute, absolute + "-wal", absolute + "-shm"]
                }
                return files
            }()
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            if own.contains(path) || own.contains(resolved) {
                throw BackupFailure("--to: \(shown(path)) is one of the portal's own files; write the backup elsewhere.")
            }
        }

        /// A hidden file beside the target, for work in progress.
        func sibling(_ purpose: String) -> String {
            let url = URL(fileURLWithPath: path)
            return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(purpose)-\(Backups.randomSuffix())").path
        }

        /// Writes the archive beside the target, flushes it, and renames it into place.
        func write(_ body: (BackupArchive.Writer) throws -> Void) throws {
            let partial = sibling("partial")
            try Backups.createPrivateFile(partial)
            do {
                guard let handle = FileHandle(forWritingAtPath: partial) else {
                    throw BackupFailure("cannot write \(shown(partial)).")
                }
                do {
                    try body(BackupArchive.Writer(handle: handle))
                    try handle.synchronize()
                    try handle.close()
                } catch {
                    try? handle.close()
                    throw error
                }
                guard rename(partial, path) == 0 else {
                    throw BackupFailure("cannot write \(shown(path)) (\(String(cString: strerror(errno)))).")
                }
                Backups.syncDirectory(of: path)
            } catch let failure as BackupFailure {
                unlink(partial)
                throw failure
            } catch {
                unlink(partial)
                throw BackupFailure("cannot write \(shown(path)): \(shown(error.localizedDescription)); nothing was written.")
            }
        }
    }
}
