@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// `portal backup` and `portal restore` on SQLite, through the commands as the binary runs them
/// (an application whose arguments name the command). PostgreSQL's pg_dump and pg_restore are
/// checked on the built binary by Tests/integration/run.py.
@Suite struct BackupTests {
    // MARK: - Backup while serving, restore, the same data

    @Test func aBackupTakenWhileAnotherConnectionWritesIsOneConsistentMoment() async throws {
        let scratch = try Scratch()
        let source = try await Self.servingPortal(in: scratch.directory("live"))
        do {
            let partnerID = try source.partner.requireID()
            try await Self.seed(source, accounts: 300)
            // Each write adds an account and its audit entry in one transaction: a copy taken
            // between two statements of a transaction, or half-way through a page, would show.
            let writer = Task {
                var written = 0
                while !Task.isCancelled {
                    let index = written
                    try await source.db.transaction { db in
                        let account = Account(partnerID: partnerID, name: "Written \(index)", email: "w\(index)@example.com", groupID: nil, secure: false)
                        try await account.create(on: db)
                        try await Audit.record("account.created", by: AuditActor(id: nil, name: "writer"), partnerID: partnerID,
                                               target: (type: "account", id: account.id?.uuidString, label: account.name), on: db)
                    }
                    written += 1
                }
                return written
            }
            try await Self.waitForWritten(atLeast: 20, on: source.db)
            let backup = scratch.path("backups/during-writes.tar")
            try FileManager.default.createDirectory(atPath: scratch.path("backups"), withIntermediateDirectories: true)
            let output = try await TestPortal.command(["backup", "--to", backup], config: source.app.portalConfig)
            let writtenWhenBackupEnded = try await Self.writtenCount(on: source.db)
            try await Self.waitForWritten(atLeast: writtenWhenBackupEnded + 20, on: source.db)
            writer.cancel()
            _ = try? await writer.value
            #expect(output.contains { $0.hasPrefix("Backed up the SQLite database") })

            let restoredDirectory = scratch.directory("restored", create: false)
            let restoredConfig = Self.fileConfig(restoredDirectory)
            _ = try await TestPortal.command(["restore", "--from", backup], config: restoredConfig)
            let restored = try await Self.startedApp(restoredConfig)
            do {
                let accounts = try await Account.query(on: restored.db).filter(\.$name =~ "Written ").count()
                let entries = try await AuditEvent.query(on: restored.db).filter(\.$actorName == "writer").count()
                #expect(accounts == entries, "the copy holds \(accounts) written accounts but \(entries) of their audit entries")
                #expect(accounts >= 20, "the copy misses writes made before the backup began")
                #expect(accounts <= writtenWhenBackupEnded, "the copy holds writes made after the backup had finished")
                #expect(try await Self.writtenCount(on: source.db) > accounts)
                let check = try await restored.db.sql.raw("PRAGMA integrity_check").all()
                #expect(try check.map { try $0.decode(column: "integrity_check", as: String.self) } == ["ok"])
                #expect(try await Account.query(on: restored.db).count() == accounts + 300)
            } catch {
                try? await restored.asyncShutdown()
                throw error
            }
            try await restored.asyncShutdown()
        } catch {
            try? await source.app.asyncShutdown()
            throw error
        }
        try await source.app.asyncShutdown()
    }

    @Test func theRestoredDataEqualsTheSourceAndItsKeyOpensTheStoredSecrets() async throws {
        let scratch = try Scratch()
        let live = scratch.directory("live")
        let source = try await Self.servingPortal(in: live)
        let backup = scratch.path("nightly.tar")
        let expected: Snapshot
        let grace: Operator
        do {
            grace = try await source.makeOperator(email: "grace@example.com", name: "Grace <Hopper>", secondFactor: .totp)
            grace.totpSecret = try TOTPSecret.make(with: source.app.secrets())
            try await grace.update(on: source.db)
            try await Self.seed(source, accounts: 25)
            expected = try await Snapshot(source.db)
            let output = try await TestPortal.command(["backup", "--to", backup], config: source.app.portalConfig)
            let keyID = try source.app.secrets().current.id
            #expect(output.contains { $0.contains("holds the secret key") && $0.contains(keyID) })
        } catch {
            try? await source.app.asyncShutdown()
            throw error
        }
        try await source.app.asyncShutdown()
        #expect(try Self.mode(of: backup) == 0o600, "the backup holds the key: only its owner may read it")

        // A new machine: an empty data directory, no SECRET_KEY.
        let fresh = scratch.directory("new-machine/data", create: false)
        let config = Self.fileConfig(fresh)
        let output = try await TestPortal.command(["restore", "--from", backup], config: config)
        #expect(output.contains { $0.hasPrefix("Restored the backup of ") })
        #expect(output.contains { $0.contains("secret.key") && $0.contains("0600") })
        let keyFile = fresh.appendingPathComponent("secret.key").path
        #expect(FileManager.default.contents(atPath: keyFile) == FileManager.default.contents(atPath: live.appendingPathComponent("secret.key").path))
        #expect(try Self.mode(of: keyFile) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh.path).sorted() == ["portal.sqlite", "secret.key"])

        let restored = try await Self.startedApp(config)
        do {
            #expect(try await Snapshot(restored.db) == expected)
            let copy = try #require(try await Operator.find(grace.requireID(), on: restored.db))
            #expect(copy.name == "Grace <Hopper>" && copy.email == grace.email && copy.passwordHash == grace.passwordHash)
            #expect(copy.totpSecret == grace.totpSecret)
            let sealed = try #require(copy.totpSecret)
            let opened = try TOTPSecret.reveal(sealed, with: restored.secrets())
            let original = try TOTPSecret.reveal(sealed, with: SecretBox(secret: Self.keyFile(in: live)))
            #expect(opened == original && !opened.isEmpty)
        } catch {
            try? await restored.asyncShutdown()
            throw error
        }
        try await restored.asyncShutdown()
    }

    @Test func theBackupIsATarArchiveThatTarLists() async throws {
        let scratch = try Scratch()
        let source = try await Self.servingPortal(in: scratch.directory("live"))
        let backup = scratch.path("listed.tar")
        do {
            _ = try await TestPortal.command(["backup", "--to", backup], config: source.app.portalConfig)
        } catch {
            try? await source.app.asyncShutdown()
            throw error
        }
        try await source.app.asyncShutdown()
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-tf", backup]
        let pipe = Pipe()
        tar.standardOutput = pipe
        try tar.run()
        let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        #expect(listing.split(separator: "\n") == ["portal-backup.json", "secret.key", "portal.sqlite"])
    }

    // MARK: - Refusals that change nothing

    @Test func restoreRefusesAPlaceThatHoldsADatabaseAndChangesNothing() async throws {
        let scratch = try Scratch()
        let backup = try await Self.backupOfASeededPortal(scratch)
        for leftover in ["portal.sqlite", "portal.sqlite-wal"] {
            let target = scratch.directory("occupied-\(leftover)")
            let file = target.appendingPathComponent(leftover)
            try Data("an earlier installation".utf8).write(to: file)
            let before = try Self.listing(target)
            let failure = await #expect(throws: BackupFailure.self) {
                try await TestPortal.command(["restore", "--from", backup], config: Self.fileConfig(target))
            }
            #expect(failure?.description.hasPrefix("refusing to restore: \(file.path)") == true, "\(failure?.description ?? "")")
            #expect(failure?.description.contains("nothing was changed") == true)
            #expect(try Self.listing(target) == before)
            #expect(FileManager.default.contents(atPath: file.path) == Data("an earlier installation".utf8))
        }
    }

    @Test func restoreRefusesToReplaceAnotherKeyFile() async throws {
        let scratch = try Scratch()
        let backup = try await Self.backupOfASeededPortal(scratch)
        let target = scratch.directory("other-key")
        let other = SecretKeys.generate().base64EncodedString() + "\n"
        try Data(other.utf8).write(to: target.appendingPathComponent("secret.key"))
        let failure = await #expect(throws: BackupFailure.self) {
            try await TestPortal.command(["restore", "--from", backup], config: Self.fileConfig(target))
        }
        #expect(failure?.description.contains("already holds another secret key") == true, "\(failure?.description ?? "")")
        #expect(try Self.listing(target) == ["secret.key"])
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("secret.key").path) == Data(other.utf8))
    }

    enum Spoiled: String, CaseIterable {
        case truncated, flippedByte, textFile, sqliteFile, otherTar, missing
    }

    @Test(arguments: Spoiled.allCases)
    func aDamagedOrWrongFileIsRefusedAndNothingIsWritten(_ spoiled: Spoiled) async throws {
        let scratch = try Scratch()
        let backup = try await Self.backupOfASeededPortal(scratch)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: backup))
        let file = scratch.path("spoiled")
        let expected: String
        switch spoiled {
        case .truncated:
            bytes = bytes.prefix(bytes.count - 5000)
            expected = "is damaged (it ends early (truncated))"
        case .flippedByte:
            // Inside the database, the last entry, well before the end-of-archive blocks.
            bytes[bytes.count - 3000] ^= 0x55
            expected = "is damaged (portal.sqlite does not match its digest)"
        case .textFile:
            bytes = Data("accounts,operators\n1,2\n".utf8)
            expected = "is not a backup made by `portal backup` (it is not a tar archive)"
        case .sqliteFile:
            bytes = try Data(contentsOf: scratch.directory("live").appendingPathComponent("portal.sqlite"))
            expected = "is not a backup made by `portal backup` (it is an SQLite database file"
        case .otherTar:
            var other = BackupArchive.header(name: "notes.txt", size: 5, modified: Date())
            other.append(Data("hello".utf8) + Data(count: 507) + Data(count: 1024))
            bytes = other
            expected = "is not a backup made by `portal backup` (it does not begin with portal-backup.json)"
        case .missing:
            bytes = Data()
            expected = "--from: there is no file"
        }
        if spoiled != .missing { try bytes.write(to: URL(fileURLWithPath: file)) }
        let target = scratch.directory("target/data", create: false)
        let failure = await #expect(throws: BackupFailure.self) {
            try await TestPortal.command(["restore", "--from", file], config: Self.fileConfig(target))
        }
        #expect(failure?.description.contains(expected) == true, "\(failure?.description ?? "")")
        #expect(failure?.description.contains("\n") == false)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("target")), "a refused restore left files behind")
    }

    @Test func aBackupToAPlaceItCannotWriteFailsAndLeavesNothing() async throws {
        let scratch = try Scratch()
        let live = scratch.directory("live")
        let source = try await Self.servingPortal(in: live)
        let config = source.app.portalConfig
        try await source.app.asyncShutdown()
        let before = try Self.listing(live)
        let cases: [(target: String, message: String)] = [
            (scratch.path("no-such-directory/backup.tar"), "--to: the directory \(scratch.path("no-such-directory")) does not exist."),
            (live.path, "--to: \(live.path) is a directory; give a file name in it."),
            (live.appendingPathComponent("portal.sqlite").path, "is one of the portal's own files"),
            (live.appendingPathComponent("secret.key").path, "is one of the portal's own files"),
        ]
        for (target, message) in cases {
            let failure = await #expect(throws: BackupFailure.self) { try await TestPortal.command(["backup", "--to", target], config: config) }
            #expect(failure?.description.contains(message) == true, "\(failure?.description ?? "")")
        }
        let missing = await #expect(throws: BackupFailure.self) { try await TestPortal.command(["backup"], config: config) }
        #expect(missing?.description.hasPrefix("--to:") == true)
        #expect(try Self.listing(live) == before)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("no-such-directory")))

        // No database where SQLITE_PATH points: nothing is created there, nothing is written.
        let nowhere = scratch.directory("typo", create: false)
        let failure = await #expect(throws: BackupFailure.self) {
            try await TestPortal.command(["backup", "--to", scratch.path("empty.tar")], config: Self.fileConfig(nowhere))
        }
        #expect(failure?.description.hasPrefix("there is no database at \(nowhere.appendingPathComponent("portal.sqlite").path)") == true)
        #expect(!FileManager.default.fileExists(atPath: nowhere.path))
        #expect(try Self.listing(scratch.root).sorted() == ["live"], "a failed backup left a partial file")
    }

    // MARK: - The key when it comes from SECRET_KEY

    @Test func aBackupMadeWithSecretKeyIsRestoredOnlyWithThatKey() async throws {
        let scratch = try Scratch()
        let key = SecretKeys.generate()
        var sourceConfig = Self.fileConfig(scratch.directory("live"))
        sourceConfig.secretKey = key
        let source = try await TestPortal.start(config: sourceConfig)
        let backup = scratch.path("env-key.tar")
        do {
            try await Self.seed(source, accounts: 3)
            let output = try await TestPortal.command(["backup", "--to", backup], config: sourceConfig)
            #expect(output.contains { $0.contains("not in the file: SECRET_KEY is set") && $0.contains(BackupKey.id(of: key)) })
        } catch {
            try? await source.app.asyncShutdown()
            throw error
        }
        try await source.app.asyncShutdown()
        #expect(!FileManager.default.fileExists(atPath: scratch.path("live/secret.key")))

        let withoutKey = scratch.directory("no-key", create: false)
        let refused = await #expect(throws: BackupFailure.self) {
            try await TestPortal.command(["restore", "--from", backup], config: Self.fileConfig(withoutKey))
        }
        #expect(refused?.description.contains("was made with SECRET_KEY set (key id \(BackupKey.id(of: key)))") == true, "\(refused?.description ?? "")")
        #expect(refused?.description.contains("SECRET_KEY is not set") == true)
        #expect(!FileManager.default.fileExists(atPath: withoutKey.path))

        var wrongConfig = Self.fileConfig(withoutKey)
        wrongConfig.secretKey = SecretKeys.generate()
        let wrong = await #expect(throws: BackupFailure.self) { try await TestPortal.command(["restore", "--from", backup], config: wrongConfig) }
        #expect(wrong?.description.contains("SECRET_KEY is set to another key") == true)

        var rotated = Self.fileConfig(scratch.directory("rotated", create: false))
        rotated.secretKey = SecretKeys.generate()
        rotated.previousSecretKeys = [key]
        _ = try await TestPortal.command(["restore", "--from", backup], config: rotated)
        #expect(try Self.listing(scratch.directory("rotated")) == ["portal.sqlite"], "no key file is written when SECRET_KEY is set")

        let lost = try await TestPortal.command(["restore", "--from", backup, "--without-key"], config: Self.fileConfig(withoutKey))
        #expect(lost.contains { $0.contains("--without-key") && $0.contains("until an admin resets") })
        #expect(try Self.listing(withoutKey) == ["portal.sqlite"])
    }

    // MARK: - The key decision, case by case

    struct KeyCase: Sendable, CustomTestStringConvertible {
        let name: String
        let source: BackupManifest.KeySource
        let current: Data?
        let previous: [Data]
        let existingFile: Bool
        let existingIsBackupKey: Bool
        let withoutKey: Bool
        /// "write", "nothing", "note" (nothing, with something to say) or "refuse".
        let outcome: String
        var testDescription: String { name }
    }

    static let backupKey = Data(repeating: 0x11, count: 32)
    static let otherKey = Data(repeating: 0x22, count: 32)

    static let keyCases: [KeyCase] = [
        .init(name: "file key into an empty directory", source: .included, current: nil, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "write"),
        .init(name: "file key where the same key is", source: .included, current: nil, previous: [], existingFile: true, existingIsBackupKey: true, withoutKey: false, outcome: "nothing"),
        .init(name: "file key where another key is", source: .included, current: nil, previous: [], existingFile: true, existingIsBackupKey: false, withoutKey: false, outcome: "refuse"),
        .init(name: "file key where another key is, without key", source: .included, current: nil, previous: [], existingFile: true, existingIsBackupKey: false, withoutKey: true, outcome: "note"),
        .init(name: "file key with SECRET_KEY the same", source: .included, current: backupKey, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "nothing"),
        .init(name: "file key with SECRET_KEY another", source: .included, current: otherKey, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "refuse"),
        .init(name: "file key with it in SECRET_KEY_PREVIOUS", source: .included, current: otherKey, previous: [backupKey], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "nothing"),
        .init(name: "environment key, SECRET_KEY unset", source: .environment, current: nil, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "refuse"),
        .init(name: "environment key, SECRET_KEY unset, without key", source: .environment, current: nil, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: true, outcome: "note"),
        .init(name: "environment key, SECRET_KEY the same", source: .environment, current: backupKey, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "nothing"),
        .init(name: "environment key, SECRET_KEY another", source: .environment, current: otherKey, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "refuse"),
        .init(name: "environment key in SECRET_KEY_PREVIOUS", source: .environment, current: otherKey, previous: [backupKey], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "nothing"),
        .init(name: "no key in the backup", source: .absent, current: nil, previous: [], existingFile: false, existingIsBackupKey: false, withoutKey: false, outcome: "note"),
    ]

    @Test(arguments: keyCases)
    func theRestoreDecidesAboutTheKeyBeforeChangingAnything(_ scenario: KeyCase) throws {
        let file = Data((Self.backupKey.base64EncodedString() + "\n").utf8)
        let manifest = BackupManifest(database: .sqlite, createdAt: Date(), key: scenario.source,
                                      keyID: scenario.source == .absent ? nil : BackupKey.id(of: Self.backupKey), migrations: [], files: [])
        var config = Self.fileConfig(URL(fileURLWithPath: "/srv/portal/data"))
        config.secretKey = scenario.current
        config.previousSecretKeys = scenario.previous
        let existing = scenario.existingFile
            ? Data(((scenario.existingIsBackupKey ? Self.backupKey : Self.otherKey).base64EncodedString() + "\n").utf8) : nil
        let plan: BackupKey.Plan
        do {
            plan = try BackupKey.plan(manifest: manifest, included: scenario.source == .included ? file : nil, config: config,
                                      existing: existing, withoutKey: scenario.withoutKey)
        } catch let failure as BackupFailure {
            #expect(scenario.outcome == "refuse", "refused: \(failure.description)")
            #expect(failure.description.contains("--without-key"))
            return
        }
        switch plan {
        case .write(let path, let contents):
            #expect(scenario.outcome == "write")
            #expect(path == "/srv/portal/data/secret.key" && contents == file)
        case .nothing(let note):
            #expect(scenario.outcome == (note == nil ? "nothing" : "note"), "\(note ?? "")")
        }
    }

    @Test func aBackupsKeyThatDoesNotMatchItsManifestIsDamaged() throws {
        let manifest = BackupManifest(database: .sqlite, createdAt: Date(), key: .included, keyID: BackupKey.id(of: Self.otherKey), migrations: [], files: [])
        let failure = #expect(throws: BackupFailure.self) {
            try BackupKey.plan(manifest: manifest, included: Data(Self.backupKey.base64EncodedString().utf8),
                               config: Self.fileConfig(URL(fileURLWithPath: "/srv/data")), existing: nil, withoutKey: false)
        }
        #expect(failure?.description.contains("damaged") == true)
    }

    @Test func aBackupFromANewerPortalIsRefused() async throws {
        let scratch = try Scratch()
        let backup = try await Self.backupOfASeededPortal(scratch)
        // Rewrite the manifest as a newer portal would have it: one more migration.
        let reader = BackupArchive.Reader(handle: try FileHandle(forReadingFrom: URL(fileURLWithPath: backup)))
        var entries: [(String, Data)] = []
        while let entry = try reader.next() { entries.append((entry.name, try reader.contents(of: entry, limit: 1 << 30))) }
        var manifest = try #require(BackupManifest.decode(entries[0].1))
        manifest.migrations.append("App.CreateSomethingFromTheFuture")
        entries[0].1 = try manifest.encoded()
        let newer = scratch.path("newer.tar")
        FileManager.default.createFile(atPath: newer, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: newer))
        let writer = BackupArchive.Writer(handle: handle)
        for (name, data) in entries { try writer.add(name: name, data: data) }
        try writer.finish()
        try handle.close()
        let target = scratch.directory("older-portal", create: false)
        let failure = await #expect(throws: BackupFailure.self) { try await TestPortal.command(["restore", "--from", newer], config: Self.fileConfig(target)) }
        #expect(failure?.description.contains("comes from a newer version of the portal") == true, "\(failure?.description ?? "")")
        #expect(failure?.description.contains("App.CreateSomethingFromTheFuture") == true)
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }

    // MARK: - PostgreSQL settings for the client tools

    @Test func theClientToolsGetThePasswordInTheirEnvironmentOnly() throws {
        let url = "postgres://portal:s3cr%3At%40pw@db.internal:6543/portal_prod?sslmode=require"
        let connection = try PostgresBackup.connection(url: url, inherited: [
            "PATH": "/usr/bin", "DATABASE_URL": url, "SECRET_KEY": "k", "SMTP_PASSWORD": "mail", "HOME": "/root",
        ])
        #expect(connection.environment["PGPASSWORD"] == "s3cr:t@pw")
        #expect(connection.environment["PGHOST"] == "db.internal" && connection.environment["PGPORT"] == "6543")
        #expect(connection.environment["PGUSER"] == "portal" && connection.environment["PGDATABASE"] == "portal_prod")
        #expect(connection.environment["PGSSLMODE"] == "require")
        #expect(connection.environment["DATABASE_URL"] == nil && connection.environment["SECRET_KEY"] == nil && connection.environment["SMTP_PASSWORD"] == nil)
        #expect(connection.environment["PATH"] == "/usr/bin" && connection.environment["HOME"] == "/root")
        #expect(PostgresBackup.conninfo("it's \\ odd") == "dbname='it\\'s \\\\ odd'")
        #expect(PostgresBackup.summary(of: Data("pg_dump: error: password authentication failed for s3cr:t@pw\n".utf8), hiding: "s3cr:t@pw")
            == "pg_dump: error: password authentication failed for ***")
        #expect(throws: BackupFailure.self) { try PostgresBackup.connection(url: "postgres://db.internal/portal", inherited: [:]) }
        #expect(throws: BackupFailure.self) { try PostgresBackup.connection(url: "postgres://u@h/db?sslmode=sometimes", inherited: [:]) }
    }

    @Test func aMissingPgDumpIsOneClearLine() throws {
        let failure = #expect(throws: BackupFailure.self) {
            try PostgresBackup.tool("pg_dump", path: "/nonexistent-bin", installed: "/nonexistent-postgresql")
        }
        #expect(failure?.description.hasPrefix("pg_dump was not found on PATH or in /nonexistent-postgresql/*/bin") == true)
    }

    // MARK: - Helpers

    /// A directory of its own for one test, removed afterwards.
    final class Scratch: @unchecked Sendable {
        let root: URL

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("portal-backup-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

        func directory(_ relative: String, create: Bool = true) -> URL {
            let url = root.appendingPathComponent(relative)
            if create { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
            return url
        }
    }

    /// A data directory's configuration as `portal` reads it with SQLITE_PATH and no SECRET_KEY.
    static func fileConfig(_ directory: URL) -> AppConfig {
        var config = TestPortal.config(storage: .sqliteFile(path: directory.appendingPathComponent("portal.sqlite").path))
        config.secretKey = nil
        return config
    }

    /// A portal serving from `directory` (WAL, its generated key file), migrated, with its partner.
    static func servingPortal(in directory: URL) async throws -> TestPortal {
        try await TestPortal.start(config: fileConfig(directory))
    }

    static func startedApp(_ config: AppConfig) async throws -> Application {
        let app = try await TestPortal.makeApp(config: config)
        do {
            try await app.asyncBoot()
            try await Startup.migrate(app, bootstrapWith: nil)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    static func backupOfASeededPortal(_ scratch: Scratch) async throws -> String {
        let source = try await servingPortal(in: scratch.directory("live"))
        let backup = scratch.path("seeded.tar")
        do {
            try await seed(source, accounts: 40)
            _ = try await TestPortal.command(["backup", "--to", backup], config: source.app.portalConfig)
        } catch {
            try? await source.app.asyncShutdown()
            throw error
        }
        try await source.app.asyncShutdown()
        return backup
    }

    static func seed(_ portal: TestPortal, accounts: Int) async throws {
        let partnerID = try portal.partner.requireID()
        let ada = try await portal.makeOperator(email: "ada-\(UUID().uuidString.prefix(8))@example.com")
        for index in 0..<accounts {
            let account = Account(partnerID: partnerID, name: "Shop \(index) “quoted” <b>", email: "shop\(index)@example.com", groupID: nil, secure: index % 7 == 0)
            account.nickname = "shop-\(index)-\(UUID().uuidString.prefix(6).lowercased())"
            try await account.create(on: portal.db)
            try await Audit.record("account.created", by: AuditActor(id: ada.id, name: ada.name), partnerID: partnerID,
                                   target: (type: "account", id: account.id?.uuidString, label: account.name), details: "seeded \(index)", on: portal.db)
        }
    }

    static func writtenCount(on db: any Database) async throws -> Int {
        try await Account.query(on: db).filter(\.$name =~ "Written ").count()
    }

    static func waitForWritten(atLeast count: Int, on db: any Database) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await writtenCount(on: db) < count {
            guard ContinuousClock.now < deadline else { throw BackupFailure("the writer did not write \(count) rows in 60 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    static func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    static func mode(of path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    static func keyFile(in directory: URL) throws -> Data {
        let text = try String(contentsOf: directory.appendingPathComponent("secret.key"), encoding: .utf8)
        return try #require(SecretKeys.parse(text))
    }

    /// Counts and the contents of a few rows, compared between the source and the restored copy.
    struct Snapshot: Equatable {
        let accounts: Int
        let operators: Int
        let auditEvents: Int
        let firstAccount: [String]
        let lastAuditEntry: [String]

        init(_ db: any Database) async throws {
            accounts = try await Account.query(on: db).count()
            operators = try await Operator.query(on: db).count()
            auditEvents = try await AuditEvent.query(on: db).count()
            let account = try await Account.query(on: db).filter(\.$name == "Shop 0 “quoted” <b>").first()
            firstAccount = [account?.id?.uuidString, account?.businessUID, account?.name, account?.email, account?.nickname,
                            account?.createdAt.map { "\($0.timeIntervalSince1970)" }, account.map { "\($0.secure)" }].map { $0 ?? "nil" }
            let entry = try await AuditEvent.query(on: db).filter(\.$details == "seeded 24").first()
            lastAuditEntry = [entry?.id?.uuidString, entry?.action, entry?.actorName, entry?.targetLabel, entry?.details,
                              entry.map { "\($0.at.timeIntervalSince1970)" }].map { $0 ?? "nil" }
        }
    }
}

extension TestPortal {
    /// A migrated, booted application on `config` with the default partner, as `portal serve` has it.
    static func start(config: AppConfig) async throws -> TestPortal {
        let app = try await makeApp(config: config)
        do {
            try await app.asyncBoot()
            try await app.autoMigrate()
            let partner = Partner(slug: Partner.defaultSlug, name: "Acme Partners")
            try await partner.create(on: app.db)
            return TestPortal(app: app, partner: partner)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}
