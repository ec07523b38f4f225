import Fluent
import OpenAPIRuntime
import Vapor

/// `/api/v1/settings`: every section, and a PATCH per section. The same domain calls as the page.
extension APIService {
    func getSettings(_ input: Operations.GetSettings.Input) async throws -> Operations.GetSettings.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        let settings = try await PartnerSettings.snapshot(partnerID: actor.partnerID, on: request.db)
        let plans = try await PlanCatalogue.catalogue(partnerID: actor.partnerID, on: request.db)
        let steps = try await PlanCatalogue.allSteps(partnerID: actor.partnerID, on: request.db)
        return .ok(.init(body: .json(.init(onboarding: Self.steps(steps), security: Self.security(settings.security),
                                           retention: Self.retention(settings), branding: Self.branding(settings),
                                           domains: Self.domains(settings), plans: Self.plans(plans), tasks: Self.tasks(settings)))))
    }

    func updateOnboardingSettings(_ input: Operations.UpdateOnboardingSettings.Input) async throws -> Operations.UpdateOnboardingSettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["add", "update", "order"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        if let order = body.order, Set(order).count != order.count { throw PortalError.badRequest("order: list each code once.") }
        try Self.atMost(20, body.add, "add")
        try Self.atMost(50, body.update, "update")
        try Self.atMost(50, body.order, "order")
        let changes = (body.add ?? []).map { PartnerSettings.StepChange(title: $0.title) }
            + (body.update ?? []).map { PartnerSettings.StepChange(step: $0.code, title: $0.title, retired: $0.retired) }
        do {
            let steps = try await PartnerSettings.updateSteps(changes, order: body.order, by: actor, context: request.auditContext, on: request.db)
            return .ok(.init(body: .json(Self.steps(steps))))
        } catch let invalid as SettingsInput.Invalid {
            throw PortalError.badRequest(invalid.summary(naming: ["step_title": "title"]))
        } catch let conflict as PartnerSettings.StepConflict {
            throw PortalError.conflict(conflict.message)
        }
    }

    func updatePlanSettings(_ input: Operations.UpdatePlanSettings.Input) async throws -> Operations.UpdatePlanSettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["add", "update"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        try Self.atMost(20, body.add, "add")
        try Self.atMost(20, body.update, "update")
        let changes = (body.add ?? []).map { PartnerSettings.PlanChange(name: $0.name, staffSlots: String($0.staffSlots ?? 1)) }
            + (body.update ?? []).map { PartnerSettings.PlanChange(plan: $0.name, name: $0.newName, staffSlots: $0.staffSlots.map(String.init),
                                                                   retired: $0.retired) }
        do {
            let plans = try await PartnerSettings.updatePlans(changes, by: actor, context: request.auditContext, on: request.db)
            return .ok(.init(body: .json(Self.plans(plans))))
        } catch let invalid as SettingsInput.Invalid {
            throw PortalError.badRequest(invalid.summary(naming: ["plan_name": "name", "plan_staff_slots": "staffSlots"]))
        } catch let conflict as PartnerSettings.PlanConflict {
            throw PortalError.conflict(conflict.message)
        }
    }

    func updateSecuritySettings(_ input: Operations.UpdateSecuritySettings.Input) async throws -> Operations.UpdateSecuritySettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: Array(Self.securityPropertyNames.values), in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        func choice(_ value: Bool?) -> String? { value.map { $0 ? "required" : "optional" } }
        let change = SettingsInput.SecurityChange(
            secondFactor: choice(body.secondFactorRequired), methods: body.secondFactorMethods?.map(\.rawValue),
            idleTimeout: body.idleTimeoutMinutes.map(String.init), absoluteTimeout: body.absoluteTimeoutMinutes.map(String.init),
            impersonationReason: choice(body.impersonationReasonRequired), impersonationMinutes: body.impersonationMaxMinutes.map(String.init),
            loginAsConsent: choice(body.loginAsConsentRequired), loginAsNotice: body.loginAsOwnerNotice?.rawValue,
            clientAuthenticator: choice(body.clientSecondFactorRequired))
        do {
            let settings = try await PartnerSettings.updateSecurity(change, by: actor, context: request.auditContext, on: request.db)
            return .ok(.init(body: .json(Self.security(settings.security))))
        } catch let invalid as SettingsInput.Invalid {
            throw PortalError.badRequest(invalid.summary(naming: Self.securityPropertyNames))
        }
    }

    func updateRetentionSettings(_ input: Operations.UpdateRetentionSettings.Input) async throws -> Operations.UpdateRetentionSettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["historyRetentionDays"], in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        do {
            let settings = if let days = body.historyRetentionDays {
                try await PartnerSettings.updateRetention(days: String(days), by: actor, context: request.auditContext, on: request.db)
            } else {
                try await PartnerSettings.snapshot(partnerID: actor.partnerID, on: request.db)
            }
            return .ok(.init(body: .json(Self.retention(settings))))
        } catch let invalid as SettingsInput.Invalid {
            throw PortalError.badRequest(invalid.summary(naming: ["retention_days": "historyRetentionDays"]))
        }
    }

    func updateBrandingSettings(_ input: Operations.UpdateBrandingSettings.Input) async throws -> Operations.UpdateBrandingSettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name", "color"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        // The page forgives spaces around a colour; the document's pattern does not.
        if let color = body.color, color != color.trimmingCharacters(in: .whitespaces) || !BrandColor.isValid(color) {
            throw PortalError.badRequest("color: give # and six hexadecimal digits, such as #4F46E5.")
        }
        // Well-formed, but too faint for text: a rule of the portal the document cannot state.
        if let color = body.color, BrandColor.contrast(on: color) < SettingsInput.minimumContrast {
            let ratio = (BrandColor.contrast(on: color) * 100).rounded(.down) / 100
            throw PortalError.conflict("color: text on \(color) would be hard to read (contrast \(ratio):1 with white or dark text; "
                                       + "at least \(SettingsInput.minimumContrast):1 is needed).", title: "Colour too faint for text")
        }
        var logo: PartnerSettings.LogoChange?
        var declared: LogoImage.Kind?
        if let upload = body.logo {
            let length = upload.data.unicodeScalars.count
            guard (4...SettingsInput.maxLogoBase64Length).contains(length), let data = SettingsInput.logoData(base64: upload.data) else {
                throw PortalError.badRequest("logo.data: give the image as padded base64 of 4 to \(SettingsInput.maxLogoBase64Length) characters.")
            }
            logo = .upload(data)
            declared = LogoImage.Kind(rawValue: upload.contentType.rawValue)
        } else if APIContext.hasNull("logo", in: request) {
            logo = .remove
        }
        do {
            let settings = try await PartnerSettings.updateBranding(name: body.name, color: body.color, logo: logo, declaredLogoType: declared,
                                                                    by: actor, context: request.auditContext, now: Date(), on: request.db)
            return .ok(.init(body: .json(Self.branding(settings))))
        } catch var invalid as SettingsInput.Invalid {
            // A logo that is well-formed base64 but no image we take: the document cannot say so.
            if let refusal = invalid.fields.removeValue(forKey: "logo"), invalid.isEmpty {
                throw PortalError.conflict("logo: \(refusal)", title: "Logo refused")
            }
            throw PortalError.badRequest(invalid.summary())
        } catch let conflict as PartnerSettings.LogoConflict {
            throw PortalError.conflict("logo: \(conflict.message)", title: "Logo refused")
        }
    }

    func updateTaskSettings(_ input: Operations.UpdateTaskSettings.Input) async throws -> Operations.UpdateTaskSettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: Array(Self.taskPropertyNames.values), in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        let change = SettingsInput.TasksChange(
            stuckInSetupDays: body.stuckInSetupDays.map(String.init), inactiveDays: body.inactiveDays.map(String.init),
            newAssignmentDays: body.newAssignmentDays.map(String.init), pendingInviteDays: body.pendingInviteDays.map(String.init),
            screeningNoticeDays: body.screeningNoticeDays.map(String.init))
        do {
            let settings = try await PartnerSettings.updateTasks(change, by: actor, context: request.auditContext, on: request.db)
            return .ok(.init(body: .json(Self.tasks(settings))))
        } catch let invalid as SettingsInput.Invalid {
            throw PortalError.badRequest(invalid.summary(naming: Self.taskPropertyNames))
        }
    }

    func updateDomainSettings(_ input: Operations.UpdateDomainSettings.Input) async throws -> Operations.UpdateDomainSettings.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["add", "remove"], in: request)
        try APIContext.refuseNestedNulls(in: request)
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayManageSettings(actor), permission: .settingsManage)
        func hosts(_ given: [String]?, field: String) throws -> [String] {
            let given = given ?? []
            guard given.count <= 20, Set(given).count == given.count else { throw PortalError.badRequest("\(field): list up to 20 host names, each once.") }
            for host in given where (try? SettingsInput.host(host).get()) != host {
                throw PortalError.badRequest("\(field): '\(host)' is not a lower-case host name without a final dot, such as portal.example.com.")
            }
            return given
        }
        try Self.atMost(20, body.add, "add")
        try Self.atMost(20, body.remove, "remove")
        let add = try hosts(body.add, field: "add")
        let remove = try hosts(body.remove, field: "remove")
        do {
            let settings = try await PartnerSettings.updateDomains(add: add, remove: remove, requestHost: PartnerMiddleware.host(of: request),
                                                                   by: actor, context: request.auditContext, on: request.db)
            return .ok(.init(body: .json(Self.domains(settings))))
        } catch let conflict as PartnerSettings.DomainConflict {
            throw PortalError.conflict("\(conflict.field == "host" ? "add" : conflict.field): \(conflict.message)")
        }
    }

    // MARK: - Mapping

    /// The form's field names as the document's properties.
    static let securityPropertyNames: [String: String] = [
        "second_factor": "secondFactorRequired", "methods": "secondFactorMethods", "idle_timeout": "idleTimeoutMinutes",
        "absolute_timeout": "absoluteTimeoutMinutes", "impersonation_reason": "impersonationReasonRequired",
        "impersonation_minutes": "impersonationMaxMinutes", "login_as_consent": "loginAsConsentRequired",
        "login_as_notice": "loginAsOwnerNotice", "client_authenticator": "clientSecondFactorRequired",
    ]

    static func security(_ security: PartnerSettings.Security) -> Components.Schemas.SecuritySettings {
        .init(secondFactorRequired: security.secondFactorRequired,
              secondFactorMethods: security.secondFactorMethods.compactMap { .init(rawValue: $0.rawValue) },
              idleTimeoutMinutes: security.idleTimeoutMinutes, absoluteTimeoutMinutes: security.absoluteTimeoutMinutes,
              impersonationReasonRequired: security.impersonationReasonRequired, impersonationMaxMinutes: security.impersonationMaxMinutes,
              loginAsConsentRequired: security.loginAsConsentRequired,
              loginAsOwnerNotice: .init(rawValue: security.loginAsOwnerNotice.rawValue) ?? .always,
              clientSecondFactorRequired: security.clientSecondFactorRequired)
    }

    static func retention(_ settings: PartnerSettings.Snapshot) -> Components.Schemas.RetentionSettings {
        .init(historyRetentionDays: settings.retentionDays)
    }

    static func branding(_ settings: PartnerSettings.Snapshot) -> Components.Schemas.BrandingSettings {
        let logo: Components.Schemas.BrandingSettings.LogoPayload? = if let uploaded = settings.logo {
            .init(url: SiteURL.brandLogo(version: uploaded.digest).path, contentType: .init(rawValue: uploaded.contentType),
                  byteSize: Int(uploaded.byteSize))
        } else {
            settings.branding.logoURL.map { .init(url: $0) }
        }
        return .init(name: settings.branding.name, color: BrandColor.sanitized(settings.branding.color), logo: logo)
    }

    /// The form's field names as the document's properties.
    static let taskPropertyNames: [String: String] = [
        "task_stuck_in_setup_days": "stuckInSetupDays", "task_inactive_days": "inactiveDays",
        "task_new_assignment_days": "newAssignmentDays", "task_pending_invite_days": "pendingInviteDays",
        "task_screening_notice_days": "screeningNoticeDays",
    ]

    static func tasks(_ settings: PartnerSettings.Snapshot) -> Components.Schemas.TaskSettings {
        .init(stuckInSetupDays: settings.tasks.stuckInSetupDays, inactiveDays: settings.tasks.inactiveDays,
              newAssignmentDays: settings.tasks.newAssignmentDays, pendingInviteDays: settings.tasks.pendingInviteDays,
              screeningNoticeDays: settings.tasks.screeningNoticeDays)
    }

    static func steps(_ steps: [PlanCatalogue.Step]) -> Components.Schemas.OnboardingSettings {
        .init(steps: steps.map { .init(code: $0.code, title: $0.title, retired: $0.retired) })
    }

    static func plans(_ plans: [PlanCatalogue.Plan]) -> Components.Schemas.PlanSettings {
        .init(plans: plans.map { .init(name: $0.name, staffSlots: $0.staffSlots, retired: $0.retired) })
    }

    static func domains(_ settings: PartnerSettings.Snapshot) -> Components.Schemas.DomainSettings {
        .init(hosts: settings.domains)
    }

    /// The document's `maxItems`, which the generated decoder does not check.
    static func atMost<T>(_ limit: Int, _ list: [T]?, _ field: String) throws {
        if let list, list.count > limit { throw PortalError.badRequest("\(field): at most \(limit) items.") }
    }
}
