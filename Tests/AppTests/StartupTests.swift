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
}
