import Foundation
import OpenAPIRuntime
import Vapor

extension APIService {
    /// `GET /api/v1/operations`: the page's figures.
    func getOperations(_ input: Operations.GetOperations.Input) async throws -> Operations.GetOperations.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayViewOperations(actor), permission: .settingsManage)
        let snapshot = try await OperationsOverview.snapshot(partnerID: actor.partnerID, now: Date(), on: request.db)
        return .ok(.init(body: .json(Self.operations(snapshot))))
    }

    static func operations(_ snapshot: OperationsOverview.Snapshot) -> Components.Schemas.OperationsOverview {
        let backlog = snapshot.backlog
        return .init(
            jobs: snapshot.jobs.map { job in
                .init(name: job.name, title: job.title, lastStartedAt: job.lastStartedAt, lastFinishedAt: job.lastFinishedAt,
                      lastOutcome: job.lastOutcome.flatMap { .init(rawValue: $0.rawValue) }, lastFailure: job.lastFailure,
                      nextRunAt: job.nextRunAt, running: job.running, consecutiveFailures: job.consecutiveFailures,
                      totalRuns: job.totalRuns, totalFailures: job.totalFailures, lastDurationMs: job.lastDurationMS, lastItems: job.lastItems)
            },
            outbox: .init(queued: backlog.queued, held: backlog.held, failed: backlog.failed, oldestQueuedAt: backlog.oldestQueuedAt,
                          oldestQueuedAgeSeconds: backlog.oldestQueuedAt.map { max(0, Int(snapshot.now.timeIntervalSince($0))) }))
    }
}
