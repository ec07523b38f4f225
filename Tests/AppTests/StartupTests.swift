@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct StartupTests {
    /// Instances that start together on one database migrate and bootstrap once between them.
    @Test func instancesStartingTogetherMigrateAndBootstrapOnce() async throws {
        let storage: AppConfig.Storage = TestDatabase.isPostgres
            ? TestDatabase.freshStorage()
            : .sqliteFile(path: FileManager.default.temporaryDirectory.appendingPathComponent("portal-\(UUID().uuidString).sqlite").path)
        var apps: [Application] = []
        for _ in 0..<3 { apps.append(try await TestPortal.makeApp(config: TestPortal.config(storage: storage))) }
        do {
            if TestDatabase.isPostgres {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for app in apps { group.addTask { try await Startup.migrate(app, bootstrapWith: "http://portal.test") } }
                    try await group.waitForAll()
                }
            } else {
                // One SQLite file is one instance's database: instances run one after another.
                for app in apps { try await Startup.migrate(app, bootstrapWith: "http://portal.test") }
            }
            #expect(try await Partner.query(on: apps[0].db).count() == 1)
            #expect(try await OneTimeToken.query(on: apps[0].db).count() >= 1)
            try await TestPortal.dropSchema(apps[0], storage: storage)
        } catch {
            try? await TestPortal.dropSchema(apps[0], storage: storage)
            for app in apps { try? await app.asyncShutdown() }
            throw error
        }
        for app in apps { try await app.asyncShutdown() }
    }

    /// `portal migrate` takes the lock that instances take while they migrate at their start:
    /// on PostgreSQL it waits, applying nothing, while another instance holds it.
    @Test func theMigrateCommandWaitsForAnInstanceThatIsMigrating() async throws {
        let storage: AppConfig.Storage = TestDatabase.isPostgres
            ? TestDatabase.freshStorage()
            : .sqliteFile(path: FileManager.default.temporaryDirectory.appendingPathComponent("portal-\(UUID().uuidString).sqlite").path)
        let config = TestPortal.config(storage: storage)
        let observer = try await TestPortal.makeApp(config: config)
        do {
            if case .postgres(_, let schema?) = storage {
                let key = "operator-portal:startup:\(schema)"
                let (released, release) = AsyncStream<Void>.makeStream()
                let holder = try await TestPortal.makeApp(config: config)
                let holding = Task {
                    try await MigrationLock.withLock(holder) { for await _ in released { break } }
                }
                try await Self.waitForAdvisoryLock(key, granted: true, on: observer)
                let migrating = Task { try await TestPortal.command(["migrate", "--yes"], config: config) }
                try await Self.waitForAdvisoryLock(key, granted: false, on: observer)
                // Waiting: not even Fluent's own table has been made.
                let tables = try await observer.db.sql.raw("""
                    SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = \(bind: schema) AND table_name = '_fluent_migrations'
                    """).first()?.decode(column: "n", as: Int.self)
                #expect(tables == 0)
                release.yield()
                try await holding.value
                try await holder.asyncShutdown()
                let output = try await migrating.value
                #expect(output.contains("Migration successful"), "\(output)")
            } else {
                let output = try await TestPortal.command(["migrate", "--yes"], config: config)
                #expect(output.contains("Migration successful"), "\(output)")
            }
            let applied = try await observer.db.sql.raw("SELECT count(*) AS n FROM _fluent_migrations").first()?.decode(column: "n", as: Int.self)
            #expect(applied == PortalMigrations.all.count)
            let again = try await TestPortal.command(["migrate", "--yes"], config: config)
            #expect(again.contains("No new migrations."), "\(again)")
            try await TestPortal.dropSchema(observer, storage: storage)
        } catch {
            try? await TestPortal.dropSchema(observer, storage: storage)
            try? await observer.asyncShutdown()
            throw error
        }
        try await observer.asyncShutdown()
    }

    /// Waits until the advisory lock of `key` is held (or waited for, when `granted` is false) by some session.
    private static func waitForAdvisoryLock(_ key: String, granted: Bool, on app: Application) async throws {
        for _ in 0..<600 {
            let found = try await app.db.sql.raw("""
                SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted = \(bind: granted)
                AND objid::bigint = (hashtext(\(bind: key))::bigint & 4294967295)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            if found > 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the advisory lock of \(key) was never \(granted ? "held" : "waited for")")
    }
}
