import Foundation
import OpenAPIRuntime
import Vapor

/// Template contents, pushes and detaching through `/api/v1`: the same services as the pages.
extension APIService {
    func previewTemplatePush(_ input: Operations.PreviewTemplatePush.Input) async throws -> Operations.PreviewTemplatePush.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: input.path.businessUid, by: actor, on: request.db)
        guard (input.query.part?.count ?? 0) <= TemplatePart.allCases.count else {
            throw PortalError.badRequest("part: name at most \(TemplatePart.allCases.count) parts.")
        }
        guard (input.query.account?.count ?? 0) <= Self.previewMaxChosen else {
            throw PortalError.badRequest("account: name at most \(Self.previewMaxChosen) accounts, or none for every account made from the template.")
        }
        guard (input.query.account ?? []).allSatisfy({ $0.unicodeScalars.count <= 32 }) else {
            throw PortalError.badRequest("account: a Business UID has at most 32 characters.")
        }
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
        guard (1...TemplatePart.allCases.count).contains(body.parts.count) else {
            throw PortalError.badRequest("parts: name 1 to \(TemplatePart.allCases.count) parts.")
        }
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

    func getTemplateContents(_ input: Operations.GetTemplateContents.Input) async throws -> Operations.GetTemplateContents.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: input.path.businessUid, by: actor, on: request.db)
        return .ok(.init(body: .json(Self.contents(of: template))))
    }

    func updateTemplateContents(_ input: Operations.UpdateTemplateContents.Input) async throws -> Operations.UpdateTemplateContents.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["services"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: input.path.businessUid, by: actor, on: request.db)
        let known = try await PlanCatalogue.steps(partnerID: template.partnerID, on: request.db).map(\.code)
        var change = TemplateContents.Input(
            brandColor: template.brandColor ?? "", logoURL: template.logoURL ?? "", description: template.businessDescription ?? "",
            openingHours: template.openingHours ?? "", services: template.services ?? "",
            steps: template.onboardingSteps.map { $0.split(separator: ",").map(String.init) } ?? known)
        func text(_ property: String, _ value: String?, into keyPath: WritableKeyPath<TemplateContents.Input, String>) {
            if APIContext.hasNull(property, in: request) { change[keyPath: keyPath] = "" } else if let value { change[keyPath: keyPath] = value }
        }
        text("brandColor", body.brandColor, into: \.brandColor)
        text("logoUrl", body.logoUrl, into: \.logoURL)
        text("description", body.description, into: \.description)
        text("openingHours", body.openingHours, into: \.openingHours)
        if let services = body.services {
            guard services.count <= BookableServices.maxCount else {
                throw PortalError.badRequest("services: list at most \(BookableServices.maxCount) services.")
            }
            guard services.allSatisfy({ DisplayText.trimmed($0) != nil && !DisplayText.hasControl($0) }) else {
                throw PortalError.badRequest("services: give each service a name, without control characters.")
            }
            guard Set(services.map { DisplayText.trimmed($0)!.lowercased() }).count == services.count else {
                throw PortalError.badRequest("services: list each service once.")
            }
            change.services = services.joined(separator: "\n")
        }
        if APIContext.hasNull("onboardingSteps", in: request) {
            change.steps = known
        } else if let steps = body.onboardingSteps {
            if let unknown = steps.first(where: { !known.contains($0) }) {
                throw PortalError.badRequest("onboardingSteps: \(String(unknown.prefix(64))) is not one of the partner's onboarding steps.")
            }
            change.steps = steps
        }
        do {
            try await TemplateContents.update(template, change, by: actor, context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            let names = ["brand_color": "brandColor", "logo_url": "logoUrl", "opening_hours": "openingHours"]
            throw PortalError.badRequest(errors.fields.sorted { $0.key < $1.key }.map { "\(names[$0.key] ?? $0.key): \($0.value)" }.joined(separator: "; "))
        }
        return .ok(.init(body: .json(Self.contents(of: template))))
    }

    static func contents(of template: Account) -> Components.Schemas.TemplateContents {
        .init(brandColor: template.brandColor, logoUrl: template.logoURL, description: template.businessDescription, openingHours: template.openingHours,
              services: BookableServices.names(template.services), onboardingSteps: template.onboardingSteps.map { $0.split(separator: ",").map(String.init) })
    }

    /// Accounts a preview may name in its address.
    static let previewMaxChosen = 100

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
