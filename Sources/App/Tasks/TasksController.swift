import Vapor

/// `GET /tasks`: every signed-in operator has one; it shows the categories their roles let
/// them see, in their scope.
enum TasksController {
    static func show(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let thresholds = TaskThresholds(partner: try request.partner)
        let sections = try await OutstandingTasks.sections(for: actor, now: Date(), thresholds: thresholds, on: request.db)
        return await request.page("Tasks", current: .tasks, content: TasksView.render(TasksView.Model(sections, thresholds: thresholds)))
    }
}
