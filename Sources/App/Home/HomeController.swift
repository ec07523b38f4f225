import Vapor

/// `GET /`: the signed-in operator's dashboard. Each part appears only when the access
/// layer allows it (`TaskAccess.swift`).
enum HomeController {
    static func show(_ request: Request) async throws -> Response {
        let signedIn = try request.requireSignedIn()
        let partner = try request.partner
        let actor = try await request.actor()
        let db = request.db
        let now = Date()
        let thresholds = TaskThresholds(partner: partner)
        let tasks = try await request.application.taskCounts.value(.init(actor: actor, thresholds: thresholds)) {
            try await OutstandingTasks.sections(for: actor, now: now, limit: 0, thresholds: thresholds, on: db)
        }
        let mayViewSummary = AccessPolicy.mayViewAccountSummary(actor).isAllowed
        var counts: HeaderCounts.Counts? = nil
        if mayViewSummary {
            counts = try await request.application.headerCounts.value(.init(actor: actor, filter: .init())) {
                try await AccountDirectory.counts(.init(), for: actor, now: now, on: db)
            }
        }
        let cards = try await request.application.homeCards.value(.init(actor: actor, filter: .init())) {
            try await HomeDashboard.cards(for: actor, assigned: mayViewSummary, audit: AccessPolicy.mayReadRecentAudit(actor).isAllowed, on: db)
        }
        let model = HomeView.Model(operatorName: signedIn.name, partnerName: partner.name, tasks: TasksView.Model(tasks, thresholds: thresholds).sections,
                                   headerCounts: counts, assigned: cards.assigned, recentAudit: cards.audit)
        return await request.page("Home", current: .home, content: HomeView.render(model))
    }
}
