@testable import App
import Foundation
import Testing
import Vapor

/// Two instances on one database: a session started through one is accepted by the other
/// (PostgreSQL in CI; a shared SQLite file otherwise).
@Suite struct MultiInstanceTests {
    @Test func sessionFromOneInstanceIsAcceptedByAnother() async throws {
        let storage: AppConfig.Storage = TestDatabase.isPostgres
            ? TestDatabase.freshStorage()
            : .sqliteFile(path: FileManager.default.temporaryDirectory.appendingPathComponent("portal-\(UUID().uuidString).sqlite").path)
        try await TestPortal.run(storage: storage) { first in
            try await first.makeOperator()
            let browser = try await first.signIn()
            let secondApp = try await TestPortal.makeApp(config: TestPortal.config(storage: storage))
            do {
                let second = TestPortal(app: secondApp, partner: first.partner)
                let token = try #require(browser.session)
                let home = try await second.visit("/", browser: browser)
                #expect(home.status == .ok)
                #expect(home.text.contains("Welcome, Ada Admin"))
                // Sign out through the second; the first no longer accepts the session.
                _ = try await second.submit("/sign-out", ["csrf_token": home.csrfToken ?? ""], browser: browser)
                let stale = Browser()
                stale.jar = [SessionCookies.session: token]
                #expect(try await first.visit("/", browser: stale).status == .seeOther)
            } catch {
                try? await secondApp.asyncShutdown()
                throw error
            }
            try await secondApp.asyncShutdown()
        }
    }
}
