import Fluent
import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import Vapor

/// `GET /metrics`: the installation's figures in the Prometheus text format. Registered next to
/// `/healthz`, outside partner resolution: it answers on any host. Anyone `mayReadMetrics`
/// refuses gets the same 404 as an address that does not exist.
enum MetricsController {
    static let pathComponents: [PathComponent] = ["metrics"]

    static var databaseUp: MetricNameDescriptor { .portal("metrics_database_up", "1 when the database answered this scrape's queries in time; 0 leaves out the figures read from it.") }

    static func scrape(_ request: Request) async throws -> Response {
        let config = request.application.portalConfig
        guard AccessPolicy.mayReadMetrics(caller(of: request), configuredToken: config.metricsToken) else { throw Abort(.notFound) }
        let metrics = request.application.portalMetrics
        let scraped = PrometheusCollectorRegistry()
        ProcessReadings.read().write(into: scraped)
        let loops = request.application.eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }
        let db = request.db
        do {
            let (backlog, database) = try await withDeadline(.milliseconds(Int64(config.metricsDatabaseDeadline * 1000)), on: request.eventLoop) {
                let backlog = try await BacklogCounts.query(now: Date(), on: db)
                let database = try await DatabaseReadings.read(config.storage, maxConnections: config.databaseConnectionsPerLoop * loops,
                                                               applicationName: metrics.databaseApplicationName, on: db)
                return (backlog, database)
            }
            backlog.write(into: scraped)
            database.write(into: scraped)
            scraped.makeGauge(descriptor: databaseUp).set(to: 1)
        } catch {
            request.logger.warning("metrics: the database did not answer in time", metadata: ["error": "\(error)"])
            scraped.makeGauge(descriptor: databaseUp).set(to: 0)
        }
        var body = metrics.registry.emitToBuffer()
        body += scraped.emitToBuffer()
        return Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                        body: .init(data: Data(body)))
    }

    static func caller(of request: Request) -> MetricsCaller {
        MetricsCaller(peer: request.peerAddress,
                      forwarded: ["X-Forwarded-For", "Forwarded", "X-Real-IP"].contains { request.headers.contains(name: $0) },
                      sentAuthorization: request.headers.contains(name: .authorization),
                      bearerToken: request.headers.bearerAuthorization?.token)
    }

    struct DeadlinePassed: Error, CustomStringConvertible {
        var description: String { "no answer in time" }
    }

    /// The work runs on its own task, which is left to finish when the deadline passes first
    /// (a database call cannot be cancelled half-way).
    static func withDeadline<T: Sendable>(_ deadline: TimeAmount, on eventLoop: any EventLoop,
                                                  _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let promise = eventLoop.makePromise(of: T.self)
        let completed = NIOLockedValueBox(false)
        @Sendable func complete(_ result: Result<T, any Error>) {
            let first = completed.withLockedValue { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { promise.completeWith(result) }
        }
        let timer = eventLoop.scheduleTask(in: deadline) { complete(.failure(DeadlinePassed())) }
        defer { timer.cancel() }
        Task {
            do { complete(.success(try await work())) } catch { complete(.failure(error)) }
        }
        return try await promise.futureResult.get()
    }
}
