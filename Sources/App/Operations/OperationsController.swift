import Vapor

/// `GET /operations`: for those who may see it (`AccessPolicy.mayViewOperations`).
enum OperationsController {
    static func show(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayViewOperations(actor), permission: .settingsManage)
        let snapshot = try await OperationsOverview.snapshot(partnerID: actor.partnerID, now: Date(), on: request.db)
        return await request.page("Operations", current: .operations, content: OperationsView.render(OperationsView.Model(snapshot)))
    }
}
