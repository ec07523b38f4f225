import Foundation
import OpenAPIRuntime
import Vapor

/// Template pushes and detaching through `/api/v1`: the same service as the pages.
extension APIService {
    func previewTemplatePush(_ input: Operations.PreviewTemplatePush.Input) async throws -> Operations.PreviewTemplatePush.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: input.path.businessUid, by: actor, on: request.db)
        guard (input.query.part?.count ?? 0) <= 5 else { throw PortalError.badRequest("part: name at most 5 parts.") }
        guard (input.query.account?.count ?? 0) <= TemplatePushes.maxChosen else { throw PortalError.badRequest("account: name at most \(TemplatePushes.maxChosen) accounts.") }
        let parts = Set((input.query.part ?? []).compactMap { TemplatePart(rawValue: $0.rawValue) })
        let ids = try await Self.chosenAccounts(input.query.account, of: template, actor: actor, request: request)
        let preview = try await TemplatePushes.preview(template, parts: parts.isEmpty ? Set(TemplatePart.allCases) : parts, ids: ids, by: actor, on: request.db)
        return .ok(.init(body: .json(.init(
            accounts: preview.accounts, changing: preview.changing, refused: preview.refused,
            items: preview.lines.map { line in
                .init(businessUid: line.businessUID, name: line.name,
                      changes: line.changes.map { .init(part: .init(rawValue: $0.part.rawValue) ?? .tags, field: $0.field, before: $0.before, after: $0.after) },
                      refusal: line.refusal)
            }))))
    }

    func startTemplatePush(_ input: Operations.StartTemplatePush.Input) async throws -> Operations.StartTemplatePush.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send JSON.") }
        try APIContext.refuseNulls(for: ["parts", "accounts"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: input.path.businessUid, by: actor, on: request.db)
        guard (1...5).contains(body.parts.count) else { throw PortalError.badRequest("parts: name 1 to 5 parts.") }
        if let accounts = body.accounts, !(1...TemplatePushes.maxChosen).contains(accounts.count) {
            throw PortalError.badRequest("accounts: name 1 to \(TemplatePushes.maxChosen) accounts, or leave it out for all of them.")
        }
        let ids = try await Self.chosenAccounts(body.accounts, of: template, actor: actor, request: request)
        do {
            let push = try await TemplatePushes.start(template, parts: Set(body.parts.compactMap { TemplatePart(rawValue: $0.rawValue) }), ids: ids,
                                                      by: actor, context: request.auditContext, on: request.db)
            return .accepted(.init(body: .json(try await Self.pushBody(push, on: request))))
        } catch let refusal as TemplatePushes.Refusal {
            throw PortalError.conflict(refusal.message, title: "Not possible now")
        }
    }

    func getTemplatePush(_ input: Operations.GetTemplatePush.Input) async throws -> Operations.GetTemplatePush.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountTemplateSet]), permission: .accountTemplateSet)
        guard let id = UUID(uuidString: input.path.pushId) else { throw PortalError.badRequest("pushId: use the id of one of your pushes.") }
        guard let push = try await TemplatePushes.find(id, for: actor, on: request.db) else { throw PortalError.notFound("No push of yours has this id.") }
        return .ok(.init(body: .json(try await Self.pushBody(push, on: request))))
    }

    func detachFromTemplate(_ input: Operations.DetachFromTemplate.Input) async throws -> Operations.DetachFromTemplate.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        try await TemplatePushes.detach(account, by: actor, context: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    /// The accounts made from `template` that `uids` names (nil: all of them); a UID of none of
    /// them is refused, so that a typing error does not push to fewer accounts than meant.
    static func chosenAccounts(_ uids: [String]?, of template: Account, actor: Actor, request: Request) async throws -> [UUID]? {
        guard let uids, !uids.isEmpty else { return nil }
        let made = try await TemplatePushes.derived(from: template, limit: 100_000, by: actor, on: request.db)
        let byUID = Dictionary(made.map { ($0.businessUID, $0) }, uniquingKeysWith: { first, _ in first })
        var ids: [UUID] = []
        for uid in uids {
            guard let id = byUID[uid]?.id else { throw PortalError.badRequest("accounts: \(String(uid.prefix(64))) is not an account made from this template.") }
            ids.append(id)
        }
        return ids
    }

    static func pushBody(_ push: TemplatePush, on request: Request) async throws -> Components.Schemas.TemplatePush {
        let leftAlone = push.refused > 0 ? try await TemplatePushes.results(push, refusedOnly: true, limit: 100, on: request.db) : []
        return .init(
            id: try push.requireID().uuidString.lowercased(), templateUid: push.templateUID, templateName: push.templateName,
            parts: TemplatePart.allCases.filter(push.parts.contains).compactMap { .init(rawValue: $0.rawValue) },
            state: .init(rawValue: push.state.rawValue) ?? .failed, total: push.total, done: push.done, changed: push.changed,
            unchanged: push.unchanged, refused: push.refused, error: push.error, createdAt: push.createdAt, finishedAt: push.finishedAt,
            leftAlone: leftAlone.map { .init(name: $0.accountName, message: $0.message ?? "") })
    }
}
