import Foundation
import OpenAPIRuntime
import Vapor

extension APIService {
    /// `GET /api/v1/tasks`: the page's categories, counts and rows.
    func listTasks(_ input: Operations.ListTasks.Input) async throws -> Operations.ListTasks.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let limit = input.query.limit ?? OutstandingTasks.maxRows
        guard (1...OutstandingTasks.maxRows).contains(limit) else {
            throw PortalError.badRequest("limit: give 1 to \(OutstandingTasks.maxRows).")
        }
        let thresholds = TaskThresholds(partner: try request.partner)
        let sections = try await OutstandingTasks.sections(for: actor, now: Date(), limit: limit, thresholds: thresholds, on: request.db)
        return .ok(.init(body: .json(.init(categories: sections.map { Self.taskCategory($0, thresholds: thresholds) }))))
    }

    static func taskCategory(_ section: OutstandingTasks.Section, thresholds: TaskThresholds = .standard) -> Components.Schemas.TaskCategory {
        .init(category: .init(rawValue: section.category.rawValue)!, title: section.category.title,
              rule: section.category.rule(thresholds), total: section.total, rows: section.rows.map { row in
                  switch row.subject {
                  case .account(let uid):
                      .init(_type: .account, id: row.id.uuidString.lowercased(), label: row.label, email: row.email,
                            businessUid: uid, at: row.at, path: SiteURL.account(uid: uid).path)
                  case .operator:
                      .init(_type: ._operator, id: row.id.uuidString.lowercased(), label: row.label, email: row.email,
                            at: row.at, path: SiteURL.operatorDetail(id: row.id.uuidString.lowercased()).path)
                  }
              })
    }
}
