import Fluent
import Foundation
import Vapor

/// `GET /accounts/{uid}/push` (a template's push page: its contents, the parts and accounts
/// to push to, and what would change), `POST` to it (starts the push),
/// `POST /accounts/{uid}/template-content` (the template's branding, business page and
/// onboarding), `GET /template-pushes/{id}` (a push's progress, only for who started it) and
/// `POST /accounts/{uid}/detach-template`.
enum TemplateController {
    /// The parts and accounts a form or query names: nil parts for "as the page first shows".
    struct Choice {
        var parts: Set<TemplatePart>?
        var all: Bool
        var uids: [String]
    }

    static func choice(_ request: Request, fromQuery: Bool) -> Choice {
        func list(_ key: String) -> [String] {
            let values: [String]? = fromQuery ? try? request.query.get([String].self, at: key) : try? request.content.get([String].self, at: key)
            let single: String? = fromQuery ? try? request.query.get(String.self, at: key) : try? request.content.get(String.self, at: key)
            return Array((values ?? single.map { [$0] } ?? []).prefix(TemplatePushes.maxChosen + 1)).filter { $0.unicodeScalars.count <= 64 }
        }
        let scope: String? = fromQuery ? try? request.query.get(String.self, at: "scope") : try? request.content.get(String.self, at: "scope")
        let parts = list("part")
        return Choice(parts: scope == nil && parts.isEmpty ? nil : Set(parts.compactMap(TemplatePart.init(rawValue:))),
                      all: scope != "chosen", uids: list("account"))
    }

    static func show(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: try uid(request), by: actor, on: request.db)
        return try await page(request, template, actor: actor, choice: choice(request, fromQuery: true))
    }

    private static func uid(_ request: Request) throws -> String {
        guard let uid = request.parameters.get("businessUid") else { throw PortalError.notFound() }
        return uid
    }

    private static func page(_ request: Request, _ template: Account, actor: Actor, choice: Choice, error: String? = nil,
                             contentErrors: OperatorInput.Errors = .init(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let db = request.db
        let all = try await TemplatePushes.derived(from: template, limit: 100_000, by: actor, on: db)
        let listed = Array(all.sorted { $0.name.localizedCaseInsensitiveCompare($1.name) == .orderedAscending }.prefix(TemplateView.accountChoiceLimit))
        let chosenUIDs = Set(choice.uids)
        let ids: [UUID]? = choice.all ? nil : all.filter { chosenUIDs.contains($0.businessUID) }.compactMap(\.id)
        let everyPart = try await TemplatePushes.preview(template, parts: Set(TemplatePart.allCases), ids: ids, limit: 0, by: actor, on: db)
        // Shown first: the parts in which some account differs.
        let parts = choice.parts ?? Set(TemplatePart.allCases.filter { everyPart.byPart[$0, default: 0] > 0 })
        let preview = try await TemplatePushes.preview(template, parts: parts, ids: ids, by: actor, on: db)
        let steps = try await PlanCatalogue.steps(partnerID: actor.partnerID, on: db)
        let chosenSteps = template.onboardingSteps.map { Set($0.split(separator: ",").map(String.init)) }
        let facts = try await AccessLoader.facts(for: template, actor: actor, on: db)
        let tags = try await AccountLabels.tags(of: template, on: db)
        let form = request.storage[KeptContents.self]
        let stepChoices: [TemplateView.Step] = steps.map { step in
            let chosen: Bool = if let form { form.steps.contains(step.code) } else { chosenSteps?.contains(step.code) ?? true }
            return TemplateView.Step(code: step.code, title: step.title, chosen: chosen)
        }
        var contents = TemplateView.Contents(
            plan: template.plan, staffSlots: template.staffSlots, tags: tags,
            brandColor: form?.brandColor ?? template.brandColor ?? "", logoURL: form?.logoURL ?? template.logoURL ?? "",
            description: form?.description ?? template.businessDescription ?? "", openingHours: form?.openingHours ?? template.openingHours ?? "",
            services: form?.services ?? template.services ?? "",
            steps: stepChoices, mayEdit: AccessPolicy.decide(actor, .accountBrandingEdit, .account(facts)).isAllowed)
        contents.errors = contentErrors
        let partChoices: [TemplateView.PartChoice] = TemplatePart.allCases.map { part in
            TemplateView.PartChoice(part: part, chosen: parts.contains(part), changing: everyPart.byPart[part, default: 0])
        }
        let accountChoices: [TemplateView.AccountChoice] = listed.map { account in
            TemplateView.AccountChoice(uid: account.businessUID, name: account.name, chosen: chosenUIDs.contains(account.businessUID))
        }
        let model = TemplateView.PushPage(
            uid: template.businessUID, name: template.name, contents: contents, parts: partChoices,
            accountsTotal: all.count, allAccounts: choice.all, accounts: accountChoices,
            lines: preview.lines, changing: preview.changing, refused: preview.refused, error: error, notice: await request.takeNotice())
        return await request.page("Push “\(template.name)”", status: status, current: .accounts,
                                  content: Forms.focusingFirstError(TemplateView.push(model, csrfToken: request.csrfToken)))
    }

    static func start(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: try uid(request), by: actor, on: request.db)
        let choice = choice(request, fromQuery: false)
        var ids: [UUID]? = nil
        if !choice.all {
            let wanted = Set(choice.uids)
            ids = try await TemplatePushes.derived(from: template, limit: 100_000, by: actor, on: request.db)
                .filter { wanted.contains($0.businessUID) }.compactMap(\.id)
        }
        do {
            let push = try await TemplatePushes.start(template, parts: choice.parts ?? [], ids: ids, by: actor, context: request.auditContext, on: request.db)
            return request.redirect(to: SiteURL.templatePushProgress(id: try push.requireID().uuidString.lowercased()).path, redirectType: .normal)
        } catch let refusal as TemplatePushes.Refusal {
            return try await page(request, template, actor: actor, choice: choice, error: refusal.message, status: .unprocessableEntity)
        }
    }

    private struct KeptContents: StorageKey {
        typealias Value = TemplateContents.Input
    }

    static func updateContents(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let template = try await TemplatePushes.template(uid: try uid(request), by: actor, on: request.db)
        func text(_ key: String) -> String { String(((try? request.content.get(String.self, at: key)) ?? "").prefix(10_000)) }
        let steps = (try? request.content.get([String].self, at: "step")) ?? (try? request.content.get(String.self, at: "step")).map { [$0] } ?? []
        let input = TemplateContents.Input(brandColor: text("brand_color"), logoURL: text("logo_url"), description: text("description"),
                                           openingHours: text("opening_hours"), services: text("services"), steps: Array(steps.prefix(100)))
        do {
            try await TemplateContents.update(template, input, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.templatePush(uid: template.businessUID).path, notice: "The template was saved. Push it to pass the changes on.")
        } catch let errors as OperatorInput.Errors {
            request.storage[KeptContents.self] = input
            return try await page(request, template, actor: actor, choice: Choice(parts: nil, all: true, uids: []), contentErrors: errors,
                                  status: .unprocessableEntity)
        }
    }

    static func progress(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountTemplateSet]), permission: .accountTemplateSet)
        guard let id = request.parameters.get("pushId").flatMap(UUID.init(uuidString:)),
              let push = try await TemplatePushes.find(id, for: actor, on: request.db)
        else { throw PortalError.notFound("No push of yours has this id.") }
        let model = TemplateView.Progress(
            id: id.uuidString.lowercased(), templateName: push.templateName, templateUID: push.templateUID, state: push.state,
            total: push.total, done: push.done, refused: push.refused,
            summary: push.isFinished ? (push.error ?? TemplatePushText.summary(push)) : nil,
            refusedAccounts: push.refused > 0 ? try await TemplatePushes.results(push, refusedOnly: true, limit: 100, on: request.db) : [],
            refreshes: (try? request.query.get(String.self, at: "refresh")) != "off")
        return await request.page("Pushing “\(push.templateName)”", current: .accounts, content: TemplateView.progress(model))
    }

    static func detach(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: try uid(request), by: actor, on: request.db)
        try await TemplatePushes.detach(account, by: actor, context: request.auditContext, on: request.db)
        return try await request.redirect(to: SiteURL.accountAction(uid: account.businessUID, action: .tab(.account)).path,
                                          notice: "The account no longer follows its template: pushes leave it alone.")
    }
}

/// The template's own branding, business page, services and onboarding steps: what a template holds
/// that only an owner could set on an ordinary account.
enum TemplateContents {
    struct Input: Sendable {
        var brandColor: String
        var logoURL: String
        var description: String
        var openingHours: String
        var services: String
        var steps: [String]
    }

    static func update(_ template: Account, _ input: Input, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        let facts = try await AccessLoader.facts(for: template, actor: actor, on: db)
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountBrandingEdit, .account(facts)))
        var errors = OperatorInput.Errors()
        let color = input.brandColor.trimmingCharacters(in: .whitespaces).uppercased().nilIfEmpty
        if let color, !BrandColor.isValid(color) { errors.fields["brand_color"] = "Use a colour such as #4F46E5." }
        let logo = input.logoURL.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let logo, logo.unicodeScalars.count > WorkspaceProfile.maxLogoURLLength || ExternalURL(logo)?.value.hasPrefix("https://") != true {
            errors.fields["logo_url"] = "Give the https:// address of an image, or leave it empty."
        }
        let description = WorkspaceProfile.text(input.description, field: "description", maxLength: WorkspaceProfile.maxDescriptionLength,
                                                multiline: true, errors: &errors)
        let hours = WorkspaceProfile.text(input.openingHours, field: "opening_hours", maxLength: WorkspaceProfile.maxHoursLength,
                                          multiline: true, errors: &errors)
        let services = BookableServices.read(input.services, errors: &errors)
        let known = try await PlanCatalogue.steps(partnerID: template.partnerID, on: db).map(\.code)
        let steps = known.filter(input.steps.contains)
        guard errors.isEmpty else { throw errors }
        let onboarding: String? = steps == known ? nil : steps.joined(separator: ",")
        if onboarding != template.onboardingSteps { try OperatorAdministration.require(AccessPolicy.decide(actor, .accountEdit, .account(facts))) }
        var changes: [String] = []
        func note(_ label: String, _ before: String?, _ after: String?) {
            if before != after { changes.append("\(label): \(before ?? "—") → \(after ?? "—")") }
        }
        note("brand colour", template.brandColor, color)
        note("logo", template.logoURL, logo)
        note("description", template.businessDescription, description)
        note("opening hours", template.openingHours, hours)
        note("services", BookableServices.described(template.services), BookableServices.described(services))
        note("onboarding steps", template.onboardingSteps ?? "all", onboarding ?? "all")
        guard !changes.isEmpty else { return }
        (template.brandColor, template.logoURL, template.businessDescription, template.openingHours) = (color, logo, description, hours)
        template.services = services
        template.onboardingSteps = onboarding
        let line = changes.joined(separator: "; ")
        try await db.writeTransaction { db in
            try await template.update(on: db)
            try await Audit.record("account.template-changed", in: context, partnerID: template.partnerID, target: Audit.target(template), details: line, on: db)
        }
    }
}
