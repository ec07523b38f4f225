@testable import App
import Fluent
import Testing

@Suite struct MigrationTests {
    @Test func migrateRevertAllAndMigrateAgain() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.app.autoRevert()
            try await portal.app.autoMigrate()
            #expect(try await Operator.query(on: portal.db).count() == 0)
            // The schema is whole again: the same rows can be written.
            let partner = Partner(slug: "again", name: "Again")
            try await partner.create(on: portal.db)
            _ = try await portal.makeOperator(partner: partner)
            #expect(try await Operator.query(on: portal.db).count() == 1)
        }
    }
}
