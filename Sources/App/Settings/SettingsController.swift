import Fluent
import Vapor

/// `/settings` and the form of each section. Handlers parse, ask `PartnerSettings` (which asks
/// the access policy) and render; a refused form is shown again with its errors and what was typed.
enum SettingsController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        var model = try await model(request, actor: actor)
        model.notice = await request.takeNotice()
        return await page(request, model: model)
    }

    static func updateSecurity(_ request: Request) async throws -> Response {
        struct Form: Content {
            var second_factor: String?
            var methods: [String]?
            var idle_timeout: String?
            var absolute_timeout: String?
            var impersonation_reason: String?
            var impersonation_minutes: String?
            var login_as_consent: String?
            var login_as_notice: String?
            var client_authenticator: String?
        }
        let actor = try await authorized(request)
        let form = try request.content.decode(Form.self)
        // Every field is on the form: one left out (no method ticked) is sent as empty, and refused.
        let change = SettingsInput.SecurityChange(
            secondFactor: form.second_factor ?? "", methods: form.methods ?? [], idleTimeout: form.idle_timeout ?? "",
            absoluteTimeout: form.absolute_timeout ?? "", impersonationReason: form.impersonation_reason ?? "",
            impersonationMinutes: form.impersonation_minutes ?? "", loginAsConsent: form.login_as_consent ?? "",
            loginAsNotice: form.login_as_notice ?? "", clientAuthenticator: form.client_authenticator ?? "")
        do {
            _ = try await PartnerSettings.updateSecurity(change, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path, notice: "Sign-in and security settings updated.")
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            model.security = .init(secondFactor: change.secondFactor ?? "", methods: change.methods ?? [],
                                   idleTimeout: change.idleTimeout ?? "", absoluteTimeout: change.absoluteTimeout ?? "",
                                   impersonationReason: change.impersonationReason ?? "", impersonationMinutes: change.impersonationMinutes ?? "",
                                   loginAsConsent: change.loginAsConsent ?? "", loginAsNotice: change.loginAsNotice ?? "",
                                   clientAuthenticator: change.clientAuthenticator ?? "")
            return await refused(request, model: model, section: .security, invalid)
        }
    }

    static func updateRetention(_ request: Request) async throws -> Response {
        struct Form: Content { var retention_days: String? }
        let actor = try await authorized(request)
        let days = try request.content.decode(Form.self).retention_days ?? ""
        do {
            let saved = try await PartnerSettings.updateRetention(days: days, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path, notice: "Account history is now kept for \(saved.retentionDays) days.")
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            model.retentionDays = days
            return await refused(request, model: model, section: .retention, invalid)
        }
    }

    /// The name, the colour and, sent as a multipart form, a new logo file or `remove_logo`. A
    /// file input left empty keeps the logo.
    static func updateBranding(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var color: String?; var logo: File?; var remove_logo: String? }
        let actor = try await authorized(request)
        let form = try request.content.decode(Form.self)
        let file = form.logo.flatMap { $0.data.readableBytes == 0 && $0.filename.isEmpty ? nil : Data($0.data.readableBytesView) }
        let logo: PartnerSettings.LogoChange? = if let file { .upload(file) } else if form.remove_logo == "yes" { .remove } else { nil }
        do {
            _ = try await PartnerSettings.updateBranding(name: form.name ?? "", color: form.color ?? "", logo: logo,
                                                         by: actor, context: request.auditContext, now: Date(), on: request.db)
            return try await request.redirect(to: SiteURL.settings.path, notice: "Brand updated: every page and email shows the new name and colour.")
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            (model.branding.name, model.branding.color) = (form.name ?? "", form.color ?? "")
            return await refused(request, model: model, section: .branding, invalid)
        }
    }

    static func updateTasks(_ request: Request) async throws -> Response {
        struct Form: Content {
            var task_stuck_in_setup_days: String?
            var task_inactive_days: String?
            var task_new_assignment_days: String?
            var task_pending_invite_days: String?
            var task_screening_notice_days: String?
        }
        let actor = try await authorized(request)
        let form = try request.content.decode(Form.self)
        // Every field is on the form: one left out is sent as empty, and refused.
        let change = SettingsInput.TasksChange(
            stuckInSetupDays: form.task_stuck_in_setup_days ?? "", inactiveDays: form.task_inactive_days ?? "",
            newAssignmentDays: form.task_new_assignment_days ?? "", pendingInviteDays: form.task_pending_invite_days ?? "",
            screeningNoticeDays: form.task_screening_notice_days ?? "")
        do {
            _ = try await PartnerSettings.updateTasks(change, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path + "#tasks", notice: "Task thresholds updated: Tasks and the digests use them from now on.")
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            model.tasks = .init(stuckInSetupDays: change.stuckInSetupDays ?? "", inactiveDays: change.inactiveDays ?? "",
                                newAssignmentDays: change.newAssignmentDays ?? "", pendingInviteDays: change.pendingInviteDays ?? "",
                                screeningNoticeDays: change.screeningNoticeDays ?? "")
            return await refused(request, model: model, section: .tasks, invalid)
        }
    }

    static func addDomain(_ request: Request) async throws -> Response {
        struct Form: Content { var host: String? }
        let actor = try await authorized(request)
        let typed = try request.content.decode(Form.self).host ?? ""
        do {
            let host = try SettingsInput.host(typed).get()
            _ = try await PartnerSettings.updateDomains(add: [host], remove: [], requestHost: PartnerMiddleware.host(of: request),
                                                        by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path + "#domains", notice: "Domain \(host) added: the portal answers on it now.")
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            model.newHost = typed
            return await refused(request, model: model, section: .domains, invalid)
        } catch let conflict as PartnerSettings.DomainConflict {
            var model = try await model(request, actor: actor)
            model.newHost = typed
            return await refused(request, model: model, section: .domains, .init(fields: ["host": conflict.message]), status: .conflict)
        }
    }

    static func removeDomain(_ request: Request) async throws -> Response {
        struct Form: Content { var host: String? }
        let actor = try await authorized(request)
        let host = (try request.content.decode(Form.self).host ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        do {
            _ = try await PartnerSettings.updateDomains(add: [], remove: [host], requestHost: PartnerMiddleware.host(of: request),
                                                        by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path + "#domains", notice: "Domain \(host) removed: the portal no longer answers on it.")
        } catch let conflict as PartnerSettings.DomainConflict {
            let model = try await model(request, actor: actor)
            return await refused(request, model: model, section: .domains, .init(fields: ["remove": conflict.message]), status: .conflict)
        }
    }

    /// What a plan change did, in words.
    static func planNotice(_ change: PartnerSettings.PlanChange) -> String {
        let name = change.name.flatMap(DisplayText.trimmed) ?? change.plan ?? ""
        switch (change.plan, change.retired) {
        case (let plan?, true?): return "Plan “\(plan)” retired: it stays on its accounts and is offered to no other."
        case (let plan?, false?): return "Plan “\(plan)” is offered again."
        case (nil, _): return "Plan “\(name)” added."
        case (let plan?, nil):
            let slots = change.staffSlots.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { " with \($0) staff slots" } ?? ""
            return name == plan ? "Plan “\(plan)” saved\(slots)." : "Plan “\(plan)” renamed to “\(name)”\(slots); its accounts follow."
        }
    }

    /// What an onboarding step change did, in words.
    static func stepNotice(_ change: PartnerSettings.StepChange, steps: [PlanCatalogue.Step]) -> String {
        let title = change.step.flatMap { code in steps.first { $0.code == code }?.title } ?? change.title.flatMap(DisplayText.trimmed) ?? ""
        if let move = change.move { return "Step “\(title)” moved \(move == .up ? "up" : "down")." }
        if let retired = change.retired { return retired ? "Step “\(title)” retired: it is no longer asked for." : "Step “\(title)” is asked for again." }
        return change.step == nil ? "Step “\(title)” added." : "Step renamed to “\(title)”."
    }

    /// Adds a plan (no `plan` field), renames it or changes its slots, or retires it or offers it
    /// again (`retired` yes or no).
    static func updatePlans(_ request: Request) async throws -> Response {
        struct Form: Content { var plan: String?; var name: String?; var staff_slots: String?; var retired: String? }
        let actor = try await authorized(request)
        let form = try request.content.decode(Form.self)
        let plan = form.plan.flatMap { $0.isEmpty ? nil : $0 }
        let change = form.retired.map { PartnerSettings.PlanChange(plan: plan, retired: $0 == "yes") }
            ?? PartnerSettings.PlanChange(plan: plan, name: form.name ?? "", staffSlots: form.staff_slots ?? "")
        let draft = SettingsView.Model.PlanDraft(plan: plan, name: form.name ?? "", staffSlots: form.staff_slots ?? "")
        do {
            _ = try await PartnerSettings.updatePlans([change], by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path + "#plans", notice: planNotice(change))
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            model.planDraft = draft
            return await refused(request, model: model, section: .plans, invalid)
        } catch let conflict as PartnerSettings.PlanConflict {
            var model = try await model(request, actor: actor)
            model.planDraft = draft
            let field = change.name != nil ? "plan_name" : "plan"
            return await refused(request, model: model, section: .plans, .init(fields: [field: conflict.message]), status: .conflict)
        }
    }

    /// Adds a step (no `step` field), renames one (`title`), moves it (`move` up or down), or
    /// retires it or asks for it again (`retired` yes or no).
    static func updateSteps(_ request: Request) async throws -> Response {
        struct Form: Content { var step: String?; var title: String?; var move: String?; var retired: String? }
        let actor = try await authorized(request)
        let form = try request.content.decode(Form.self)
        let step = form.step.flatMap { $0.isEmpty ? nil : $0 }
        var change = PartnerSettings.StepChange(step: step)
        if let move = form.move {
            change.move = PartnerSettings.StepChange.Move(rawValue: move)
        } else if let retired = form.retired {
            change.retired = retired == "yes"
        } else {
            change.title = form.title ?? ""
        }
        let draft = SettingsView.Model.StepDraft(step: step, title: form.title ?? "")
        do {
            let steps = try await PartnerSettings.updateSteps([change], by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.settings.path + "#onboarding", notice: stepNotice(change, steps: steps))
        } catch let invalid as SettingsInput.Invalid {
            var model = try await model(request, actor: actor)
            model.stepDraft = draft
            return await refused(request, model: model, section: .onboarding, invalid)
        } catch let conflict as PartnerSettings.StepConflict {
            var model = try await model(request, actor: actor)
            model.stepDraft = draft
            return await refused(request, model: model, section: .onboarding, .init(fields: ["step": conflict.message]), status: .conflict)
        }
    }

    // MARK: - Helpers

    /// 403 (and a log line) for anyone without `settings.manage` over the whole partner.
    private static func authorized(_ request: Request) async throws -> Actor {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        return actor
    }

    private static func model(_ request: Request, actor: Actor) async throws -> SettingsView.Model {
        let settings = try await PartnerSettings.snapshot(partnerID: actor.partnerID, on: request.db)
        let security = settings.security
        func choice(_ value: Bool) -> String { value ? "required" : "optional" }
        let current = PartnerMiddleware.host(of: request)
        return SettingsView.Model(
            security: .init(secondFactor: choice(security.secondFactorRequired), methods: security.secondFactorMethods.map(\.rawValue),
                            idleTimeout: String(security.idleTimeoutMinutes), absoluteTimeout: String(security.absoluteTimeoutMinutes),
                            impersonationReason: choice(security.impersonationReasonRequired),
                            impersonationMinutes: String(security.impersonationMaxMinutes),
                            loginAsConsent: choice(security.loginAsConsentRequired), loginAsNotice: security.loginAsOwnerNotice.rawValue,
                            clientAuthenticator: choice(security.clientSecondFactorRequired)),
            retentionDays: String(settings.retentionDays),
            branding: .init(name: settings.branding.name, color: settings.branding.color,
                            logo: settings.logo.map { .init(summary: $0.description, version: $0.digest) }
                                ?? settings.branding.logoURL.map { .init(summary: $0, version: nil) }),
            domains: settings.domains.map { .init(host: $0, isCurrent: $0 == current) },
            plans: try await PlanCatalogue.catalogue(partnerID: actor.partnerID, on: request.db)
                .map { .init(name: $0.name, staffSlots: $0.staffSlots, retired: $0.retired) },
            steps: try await PlanCatalogue.allSteps(partnerID: actor.partnerID, on: request.db)
                .map { .init(code: $0.code, title: $0.title, retired: $0.retired) },
            tasks: .init(stuckInSetupDays: String(settings.tasks.stuckInSetupDays), inactiveDays: String(settings.tasks.inactiveDays),
                         newAssignmentDays: String(settings.tasks.newAssignmentDays), pendingInviteDays: String(settings.tasks.pendingInviteDays),
                         screeningNoticeDays: String(settings.tasks.screeningNoticeDays)))
    }

    private static func refused(_ request: Request, model: SettingsView.Model, section: PartnerSettings.Section,
                                _ invalid: SettingsInput.Invalid, status: HTTPResponseStatus = .unprocessableEntity) async -> Response {
        var model = model
        model.errors = invalid
        model.failedSection = section
        return await page(request, model: model, status: status)
    }

    private static func page(_ request: Request, model: SettingsView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page("Settings", status: status, current: .settings, content: SettingsView.render(model, csrfToken: request.csrfToken))
    }
}

extension BodyLimit {
    /// The branding form: a logo file (refused next to the field when over 512 KiB, up to
    /// this much) and the few fields around it.
    static let brandingForm = BodyLimit(bytes: 4 * LogoImage.maxBytes + 64 * 1024, refusal: "A logo can be up to 512 KiB.")
    /// `PATCH /api/v1/settings/branding`, whose logo is base64 in JSON.
    static let brandingJSON = BodyLimit(bytes: SettingsInput.maxLogoBase64Length + 64 * 1024,
                                        refusal: "A logo can be up to 512 KiB (\(SettingsInput.maxLogoBase64Length) characters of base64).")
}
