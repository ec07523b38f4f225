import Vapor

/// Counts and times every request by its matched route pattern (`/accounts/:businessUid`, from
/// the router), never by the path sent, so that neither a hostile path nor an unbounded number
/// of them reaches a label; a request that matched no route is `unmatched`. Installed first, so
/// the time covers all the other middleware; for a streamed body it runs until the response starts.
struct RequestMetricsMiddleware: AsyncMiddleware {
    let metrics: PortalMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next.respond(to: request)
            record(request, status: response.status, since: started)
            return response
        } catch {
            record(request, status: (error as? any AbortError)?.status ?? .internalServerError, since: started)
            throw error
        }
    }

    private func record(_ request: Request, status: HTTPResponseStatus, since started: ContinuousClock.Instant) {
        let series = PortalMetrics.RequestSeries(method: request.method, route: request.route, status: status)
        metrics.recordRequest(series, duration: ContinuousClock.now - started)
    }
}
