@testable import App
import Testing
import Vapor
import VaporTesting

@Suite struct HealthTests {
    @Test func healthAndReadinessAnswer200() async throws {
        try await TestPortal.run { portal in
            let health = try await portal.send(.GET, "/healthz")
            #expect(health.status == .ok)
            // Readiness gives the database two seconds; on a machine busy running every suite
            // at once a PostgreSQL pool can be slower than that once, so a few tries are allowed.
            var ready = try await portal.send(.GET, "/readyz")
            for _ in 0..<4 where ready.status != .ok { ready = try await portal.send(.GET, "/readyz") }
            #expect(ready.status == .ok)
        }
    }

    @Test func readinessIs503WhenTheDatabaseCannotBeReached() async throws {
        // Nothing listens on port 1: the database is "down" for this instance.
        let app = try await Application.make(.testing)
        try await configure(app, config: TestPortal.config(storage: .postgres(url: "postgres://portal:secret@127.0.0.1:1/portal")))
        do {
            let response = try await app.testing().sendRequest(.GET, "/readyz")
            #expect(response.status == .serviceUnavailable)
            #expect(try await app.testing().sendRequest(.GET, "/healthz").status == .ok)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    @Test func startupFailureIsOneReadableLine() {
        struct Refused: Error, CustomStringConvertible { var description: String { "connect(descriptor:addr:size:): Connection refused (errno: 111)" } }
        let line = Startup.describe(Refused())
        #expect(line.hasPrefix("cannot reach the database"))
        #expect(!line.contains("\n"))
    }
}
