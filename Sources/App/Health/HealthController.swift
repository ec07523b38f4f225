import NIOCore
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// `GET /healthz`: the process answers. `GET /readyz`: the database answers too (503 if not,
/// within two seconds, so a load balancer's probe never hangs on a dead database).
enum HealthController {
    static let readinessDeadline: TimeAmount = .seconds(2)

    static func healthz(_ request: Request) async throws -> Response {
        plain(.ok, "ok\n")
    }

    static func readyz(_ request: Request) async throws -> Response {
        do {
            try await databaseAnswers(request)
            return plain(.ok, "ready\n")
        } catch {
            request.logger.warning("readiness check failed: database unreachable", metadata: ["error": "\(error)"])
            return plain(.serviceUnavailable, "database unreachable\n")
        }
    }

    private struct Timeout: Error {}

    private static func databaseAnswers(_ request: Request) async throws {
        let promise = request.eventLoop.makePromise(of: Void.self)
        let completed = NIOLockedValueBox(false)
        @Sendable func complete(_ result: Result<Void, any Error>) {
            let first = completed.withLockedValue { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { promise.completeWith(result) }
        }
        let timer = request.eventLoop.scheduleTask(in: readinessDeadline) { complete(.failure(Timeout())) }
        let db = request.db
        Task {
            do {
                _ = try await db.sql.raw("SELECT 1 AS ok").first()
                complete(.success(()))
            } catch {
                complete(.failure(error))
            }
        }
        defer { timer.cancel() }
        try await promise.futureResult.get()
    }

    private static func plain(_ status: HTTPResponseStatus, _ body: String) -> Response {
        Response(status: status, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"], body: .init(string: body))
    }
}
