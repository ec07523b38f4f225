import Fluent
import PostgresKit
import PostgresNIO
import Vapor

/// Serialises start-up work (migrations, the first-partner bootstrap) between instances
/// that start together on one PostgreSQL: a session-level advisory lock held on a
/// connection of its own, outside the pool the work itself uses.
enum MigrationLock {
    static func withLock<T>(_ app: Application, _ body: () async throws -> T) async throws -> T {
        guard case .postgres(let url, let schema) = app.portalConfig.storage else { return try await body() }
        let configuration = try SQLPostgresConfiguration(url: url)
        var quiet = Logger(label: "portal.migration-lock")
        quiet.logLevel = .critical
        let connection = try await PostgresConnection.connect(
            on: app.eventLoopGroup.any(), configuration: configuration.coreConfiguration, id: 0, logger: quiet)
        let key = "operator-portal:startup:\(schema ?? "public")"
        do {
            _ = try await connection.query("SELECT pg_advisory_lock(hashtext(\(key)))", logger: quiet)
            let result = try await body()
            _ = try await connection.query("SELECT pg_advisory_unlock(hashtext(\(key)))", logger: quiet)
            try await connection.close()
            return result
        } catch {
            // Closing the connection releases the lock.
            try? await connection.close()
            throw error
        }
    }
}
