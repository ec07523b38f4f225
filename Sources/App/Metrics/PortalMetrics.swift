import AsyncKit
import Foundation
import NIOConcurrencyHelpers
import OpenAPIRuntime
import Prometheus
import Vapor

/// The figures an instance keeps between scrapes of `/metrics`: requests by route pattern, and
/// requests that found no free database connection. One per application (`app.portalMetrics`),
/// so that each test's application counts only its own requests.
final class PortalMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The `application_name` this instance's PostgreSQL connections carry, so that the server's
    /// `pg_stat_activity` tells its connections from other instances'.
    let databaseApplicationName: String
    private let poolTimeouts: Counter
    private let series = NIOLockedValueBox<[RequestSeries: (count: Counter, duration: DurationHistogram)]>([:])

    /// From half a millisecond (an answer from memory) to ten seconds (a request that waited out
    /// the database pool).
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    static var requests: MetricNameDescriptor { MetricNameDescriptor(metricName: "http_requests", unitName: "total",
                                               helpText: "Requests answered, by method, matched route pattern and status.") }
    static var requestDuration: MetricNameDescriptor { MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds",
                                                      helpText: "Time until the response started, by method, matched route pattern and status.") }
    static var poolTimeoutCount: MetricNameDescriptor { .portal("db_pool_timeouts", unit: "total", "Requests that failed because no database connection became free within DATABASE_POOL_TIMEOUT_SECONDS.") }

    init() {
        databaseApplicationName = "portal-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
        poolTimeouts = registry.makeCounter(descriptor: Self.poolTimeoutCount)
    }

    /// The labels of one request. Each value comes from a bounded set: the route table, a
    /// fixed list of methods, and a status code; never from the path the client sent.
    struct RequestSeries: Hashable, Sendable {
        let method: String
        let route: String
        let status: String

        static let unmatched = "unmatched"
        static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

        init(method: HTTPMethod, route: Route?, status: HTTPResponseStatus) {
            self.method = Self.knownMethods.contains(method.rawValue) ? method.rawValue : "other"
            self.route = route.map(Self.pattern) ?? Self.unmatched
            self.status = String(status.code)
        }

        /// `/accounts/:businessUid`: the route as registered, whatever the request's path held.
        static func pattern(_ route: Route) -> String {
            "/" + route.path.map(\.description).joined(separator: "/")
        }

        var labels: [(String, String)] { [("method", method), ("route", route), ("status", status)] }
    }

    func recordRequest(_ series: RequestSeries, duration: Duration) {
        let handles = self.series.withLockedValue { known in
            if let existing = known[series] { return existing }
            let made = (count: registry.makeCounter(descriptor: Self.requests, labels: series.labels),
                        duration: registry.makeDurationHistogram(descriptor: Self.requestDuration, labels: series.labels,
                                                                 buckets: Self.durationBuckets))
            known[series] = made
            return made
        }
        handles.count.increment()
        handles.duration.record(duration)
    }

    /// Called with every error a request ends in (`PortalErrorMiddleware`). The pool keeps its
    /// waiters to itself, so the requests that gave up waiting are counted here, at the edge.
    func noteFailure(_ error: any Error) {
        if Self.isPoolTimeout(error) { poolTimeouts.increment() }
    }

    static func isPoolTimeout(_ error: any Error) -> Bool {
        if case ConnectionPoolTimeoutError.connectionRequestTimeout? = error as? ConnectionPoolTimeoutError { return true }
        // An API handler's error arrives wrapped by the OpenAPI runtime.
        if let server = error as? ServerError { return isPoolTimeout(server.underlyingError) }
        return false
    }
}

extension Application {
    private struct PortalMetricsKey: StorageKey { typealias Value = PortalMetrics }

    /// Made by `configure`, before anything can read it from a request.
    var portalMetrics: PortalMetrics {
        if let existing = storage[PortalMetricsKey.self] { return existing }
        let made = PortalMetrics()
        storage[PortalMetricsKey.self] = made
        return made
    }
}

extension MetricNameDescriptor {
    /// A figure of the portal's own, named `portal_<name>[_<unit>]`.
    static func portal(_ name: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "portal", metricName: name, unitName: unit, helpText: help)
    }
}
