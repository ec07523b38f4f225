import Fluent
import Vapor

/// The Operators pages: the list, inviting, and one operator with every action the policy
/// allows on them (the others shown disabled, with the reason).
enum OperatorsController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.operatorsView]), permission: .operatorsView)
        let filter = listFilter(request)
        let page = try await OperatorDirectory.page(filter, number: (try? request.query.get(Int.self, at: "page")) ?? 1, for: actor, on: request.db)
        let roles = try await AccessLoader.roles(partnerID: actor.partnerID, on: request.db)
        let groups = try await groupFilter(actor: actor, chosen: filter.group, request: request)
        var model = OperatorsView.ListModel(
            rows: page.operators.map { op in
                .init(id: op.id?.uuidString.lowercased() ?? "", name: op.name, email: op.email, status: op.status,
                      roles: op.grants.map { roles[$0.role]?.name ?? $0.role }, lastLoginAt: op.lastLoginAt)
            },
            counts: try await OperatorDirectory.counts(for: actor, on: request.db),
            filter: filter,
            roleOptions: roles.values.sorted { $0.name < $1.name }.map { .init(id: $0.id, label: $0.name) },
            groupOptions: groups.options,
            mayInvite: AccessPolicy.decideAnywhere(actor, [.operatorsInvite]).isAllowed,
            notice: (await request.takeNotice()).flatMap(OperatorsView.Notice.init(rawValue:)),
            mayImport: AccessPolicy.decideImport(actor, .operators).isAllowed)
        model.groupTypeAhead = groups.typeAhead
        model.total = page.total
        model.first = page.first
        model.previousQuery = page.number > 1 ? OperatorsView.query(filter, page: page.number - 1) : nil
        model.nextQuery = page.number < page.pages ? OperatorsView.query(filter, page: page.number + 1) : nil
        return await request.page("Operators", current: .operators, content: OperatorsView.list(model))
    }

    /// The list's filters from the query (a value that is not valid is left out).
    private static func listFilter(_ request: Request) -> OperatorDirectory.Filter {
        OperatorDirectory.Filter(
            query: String(((try? request.query.get(String.self, at: "q")) ?? "").prefix(200)),
            status: (try? request.query.get(String.self, at: "status")).flatMap(Operator.Status.init(rawValue:)),
            role: (try? request.query.get(String.self, at: "role")).flatMap { $0.isEmpty ? nil : String($0.prefix(100)) },
            group: (try? request.query.get(String.self, at: "group")).flatMap { UUID(uuidString: $0) })
    }

    /// The list's group filter: every group the actor's grants reach in a `<select>`, or, for
    /// more than `AccountPageView.listedChoices` of them, a type-ahead holding the group in force
    /// (every group on a page of its own, `groupChoices`).
    private static func groupFilter(actor: Actor, chosen: UUID?, request: Request) async throws
        -> (options: [OperatorsView.Option], typeAhead: FilterPicker.Chosen??) {
        let db = request.db
        let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
        let reached = try await GroupVisibility.ids(for: actor, on: db.sql)
        let visible = paths.options.filter { UUID(uuidString: $0.id).map(reached.contains) ?? false }
        guard visible.count > AccountPageView.listedChoices else {
            return (visible.map { .init(id: $0.id, label: $0.label) }, nil)
        }
        let inForce = chosen.flatMap { id -> FilterPicker.Chosen? in
            guard reached.contains(id), let label = paths.label(of: id) else { return nil }
            return FilterPicker.Chosen(value: id.uuidString.lowercased(), label: label)
        }
        return ([], .some(inForce))
    }

    /// `GET /operators/groups`: every group the Operators list can filter by, a page at a
    /// time, each a link back to the list with the group in force and the other filters kept.
    static func groupChoices(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.operatorsView]), permission: .operatorsView)
        let db = request.db
        let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
        let filter = listFilter(request)
        var without = filter
        without.group = nil
        let rawFind = try? request.query.get(String.self, at: "find")
        var find = "", findError: String?, all: [FilterChoice] = []
        switch FilterChoice.term(rawFind) {
        case .success(let term): find = term; all = try await GroupChoices.matching(term, for: actor, paths: paths, on: try db.sql)
        case .failure(let problem): find = rawFind ?? ""; findError = String(problem.detail.dropFirst("q: ".count))
        }
        let size = FilterChoicesController.pageSize
        let pages = max(1, (all.count + size - 1) / size)
        let number = min(max((try? request.query.get(Int.self, at: "page")) ?? 1, 1), pages)
        func pageQuery(_ number: Int) -> String {
            var query = OperatorsView.query(filter, page: 1)
            if !find.isEmpty { query += (query.isEmpty ? "?" : "&") + "find=" + find.urlQueryEscaped }
            if number > 1 { query += (query.isEmpty ? "?" : "&") + "page=\(number)" }
            return query
        }
        let kept = OperatorsView.queryItems(filter)
        let model = FilterChoicesView.Model(
            page: .operatorsGroupChoices, list: .operators, title: "Choose a group",
            intro: "The groups you may see, in the order of the tree. Operators granted a group below the one chosen are listed too.",
            noun: "groups", findLabel: "Find a group", find: find, findError: findError.map { $0.prefix(1).uppercased() + $0.dropFirst() },
            kept: kept.map { .init(name: $0.name, value: $0.value) },
            anyLabel: "Any group", anyQuery: OperatorsView.query(without, page: 1), anyIsChosen: filter.group == nil,
            choices: all.dropFirst((number - 1) * size).prefix(size).map { choice in
                var with = filter
                with.group = choice.id
                return .init(label: choice.label, query: OperatorsView.query(with, page: 1), isChosen: choice.id == filter.group)
            },
            total: all.count, first: (number - 1) * size + 1,
            previousQuery: number > 1 ? pageQuery(number - 1) : nil, nextQuery: number < pages ? pageQuery(number + 1) : nil,
            backQuery: OperatorsView.query(filter, page: 1))
        return await request.page("Choose a group", status: findError == nil ? .ok : .unprocessableEntity, current: .operators,
                                  content: FilterChoicesView.render(model))
    }

    static func new(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.operatorsInvite]), permission: .operatorsInvite)
        return try await inviteForm(request, actor: actor, form: .init())
    }

    static func create(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let form = try request.content.decode(OperatorsView.InviteForm.self)
        do {
            let op = try await OperatorInvitations.invite(
                .init(name: form.name ?? "", email: form.email ?? "", phone: form.phone.flatMap { $0.isEmpty ? nil : $0 },
                      grants: try form.requestedGrants(), timeZone: form.timeZone ?? ""),
                by: actor, context: request.auditContext, partner: try request.partner, baseURL: request.baseURL, on: request.db)
            return try await request.redirect(to: SiteURL.operatorDetail(id: try op.requireID().uuidString.lowercased()).path, notice: "invited")
        } catch let errors as OperatorInput.Errors {
            return try await inviteForm(request, actor: actor, form: form, errors: errors, status: .unprocessableEntity)
        } catch let error as PortalError where [.forbidden, .conflict, .badRequest].contains(error.status) {
            return try await inviteForm(request, actor: actor, form: form, message: error.detail, status: error.status)
        }
    }

    static func show(_ request: Request) async throws -> Response {
        let (target, actor) = try await target(request)
        return try await detail(request, target: target, actor: actor,
                                notice: (await request.takeNotice()).flatMap(OperatorsView.Notice.init(rawValue:)))
    }

    static func update(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var email: String?; var phone: String?; var timeZone: String?; var currentPassword: String?
            enum CodingKeys: String, CodingKey { case name, email, phone; case timeZone = "time_zone"; case currentPassword = "current_password" } }
        let (target, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        let confirmed = target.id == actor.operatorID && form.currentPassword?.isEmpty == false
            ? try await request.confirmsPassword(form.currentPassword, of: target) : false
        return try await perform(request, target: target, actor: actor, done: .profileSaved, timeZone: form.timeZone) {
            do {
                try await OperatorAdministration.edit(target, .init(name: form.name, email: form.email,
                                                                    phone: .some(form.phone.flatMap { $0.isEmpty ? nil : $0 }),
                                                                    timeZone: form.timeZone),
                                                      by: actor, passwordConfirmed: confirmed, context: request.auditContext, on: request.db)
            } catch let error as PortalError where error.status == .forbidden && target.id == actor.operatorID {
                // Your own contact change without the right password: say so next to the field.
                throw OperatorInput.Errors(fields: ["current_password": error.detail])
            }
        }
    }

    static func updateGrants(_ request: Request) async throws -> Response {
        let (target, actor) = try await target(request)
        let form = try request.content.decode(OperatorsView.InviteForm.self)
        return try await perform(request, target: target, actor: actor, done: .rolesSaved) {
            try await OperatorAdministration.replaceGrants(of: target, with: try form.requestedGrants(), by: actor,
                                                           context: request.auditContext, on: request.db)
        }
    }

    /// The handler of one of the operator page's action buttons.
    static func action(_ action: OperatorAction) -> @Sendable (Request) async throws -> Response {
        { request in
            let (target, actor) = try await target(request)
            let partner = try request.partner
            if action.needsConfirmation, !request.isConfirmed {
                // Asked first, so that the confirmation is only offered for what may be done.
                let subject = try await OperatorAdministration.subject(for: target, on: request.db)
                try request.enforce(AccessPolicy.decide(actor, action, on: subject, session: SessionFacts(isImpersonating: request.signedIn?.impersonator != nil)),
                                    permission: action.permission)
                if let model = OperatorConfirmations.model(action, target: target.name, id: try target.requireID().uuidString.lowercased()) {
                    return await request.confirmation(model)
                }
            }
            switch action {
            case .block:
                return try await perform(request, target: target, actor: actor, done: .blocked) {
                    try await OperatorAdministration.block(target, by: actor, context: request.auditContext, on: request.db)
                }
            case .unblock:
                return try await perform(request, target: target, actor: actor, done: .unblocked) {
                    try await OperatorAdministration.unblock(target, by: actor, context: request.auditContext, on: request.db)
                }
            case .resendInvite:
                return try await perform(request, target: target, actor: actor, done: .resent) {
                    try await OperatorInvitations.resend(to: target, by: actor, context: request.auditContext, partner: partner,
                                                         baseURL: request.baseURL, on: request.db)
                }
            case .resetPassword:
                return try await perform(request, target: target, actor: actor, done: .resetSent) {
                    try await OperatorInvitations.resetPassword(of: target, by: actor, context: request.auditContext, partner: partner,
                                                                baseURL: request.baseURL, on: request.db)
                }
            case .resetSecondFactor:
                return try await perform(request, target: target, actor: actor, done: .secondFactorReset) {
                    try await OperatorAdministration.resetSecondFactor(of: target, by: actor, context: request.auditContext, partner: partner, on: request.db)
                }
            case .loginAs:
                struct Form: Content { var reason: String? }
                let form = try request.content.decode(Form.self)
                guard let signedIn = request.signedIn, case .session(let sessionID, _) = signedIn.credential else { throw PortalError.unauthorized() }
                do {
                    let reason = try await Impersonation.authorize(target: target, by: actor, signedIn: signedIn, reason: form.reason,
                                                                   partner: partner, on: request.db)
                    try await Impersonation.start(session: sessionID, target: target, by: signedIn, reason: reason, partner: partner,
                                                  context: request.auditContext, on: request.db)
                    request.logger.notice("logged in as another operator", metadata: ["operator": "\(signedIn.operatorID)", "as": "\(target.id?.uuidString ?? "")"])
                    return request.redirect(to: SiteURL.home.path, redirectType: .normal)
                } catch let errors as OperatorInput.Errors {
                    return try await detail(request, target: target, actor: actor, message: "Correct the fields marked below.", errors: errors,
                                            reason: form.reason ?? "", status: .unprocessableEntity)
                } catch let error as PortalError where error.status == .conflict {
                    return try await detail(request, target: target, actor: actor, message: error.detail, status: .conflict)
                }
            case .remove:
                do {
                    try await OperatorAdministration.remove(target, by: actor, context: request.auditContext, on: request.db)
                    return try await request.redirect(to: SiteURL.operators.path, notice: "removed")
                } catch let error as PortalError where error.status == .conflict {
                    return try await detail(request, target: target, actor: actor, message: error.detail, status: .conflict)
                }
            case .edit, .grants, .notifications:
                throw PortalError.notFound()
            }
        }
    }

    /// `POST /operators/:id/notifications`: their digest settings (a Notifications-only
    /// operator cannot sign in to choose them).
    static func updateNotifications(_ request: Request) async throws -> Response {
        struct Form: Content { var frequency: String?; var categories: [String]? }
        let (target, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        return try await perform(request, target: target, actor: actor, done: .notificationsSaved) {
            try await OperatorAdministration.setNotifications(of: target, to: NotificationPreferences(form: form.frequency, categories: form.categories),
                                                             by: actor, context: request.auditContext, on: request.db)
        }
    }

    /// The actions that are buttons on the operator page, each a `POST /operators/:id/<action>`.
    static let buttonActions: [OperatorAction] = [.resendInvite, .resetPassword, .resetSecondFactor, .block, .unblock, .loginAs, .remove]

    /// `POST /sign-out-as`: back to being yourself, on the page of the operator you were.
    static func signOutAs(_ request: Request) async throws -> Response {
        guard let signedIn = request.signedIn, signedIn.impersonator != nil, case .session(let sessionID, _) = signedIn.credential,
              let session = try await PortalSession.query(on: request.db).filter(\.$id == sessionID).first()
        else { return request.redirect(to: SiteURL.home.path, redirectType: .normal) }
        try await Impersonation.end(session: session, why: "signed out as", ip: request.clientIP, on: request.db)
        return request.redirect(to: SiteURL.operatorDetail(id: signedIn.operatorID.uuidString.lowercased()).path, redirectType: .normal)
    }

    // MARK: - Helpers

    /// The operator in the path, of this partner (404 otherwise), whom the actor may view (403 otherwise).
    private static func target(_ request: Request) async throws -> (Operator, Actor) {
        try await APIService.operatorTarget(request.parameters.get("operatorId") ?? "", permission: .operatorsView, request: request)
    }

    /// `timeZone`: what the profile form sent, shown again when it comes back with an error.
    private static func perform(_ request: Request, target: Operator, actor: Actor, done: OperatorsView.Notice, timeZone: String? = nil,
                                _ change: () async throws -> Void) async throws -> Response {
        do {
            try await change()
            return try await request.redirect(to: SiteURL.operatorDetail(id: try target.requireID().uuidString.lowercased()).path, notice: done.rawValue)
        } catch let errors as OperatorInput.Errors {
            return try await detail(request, target: target, actor: actor, message: "Correct the fields marked below.", errors: errors,
                                    timeZone: timeZone, status: .unprocessableEntity)
        } catch let error as PortalError where [.conflict, .badRequest].contains(error.status) {
            return try await detail(request, target: target, actor: actor, message: error.detail, timeZone: timeZone, status: error.status)
        }
    }

    /// The groups the operators list can filter by: those the actor's grants reach.
    private static func groupFilterOptions(actor: Actor, on db: any Database) async throws -> [OperatorsView.Option] {
        let all = try await AccountGroup.query(on: db).filter(\.$partnerID == actor.partnerID).all()
        let paths = GroupPaths(all)
        return try await GroupService.visible(to: actor, among: all, paths: paths, on: db).compactMap { group in
            group.id.map { .init(id: $0.uuidString.lowercased(), label: paths.label(of: $0) ?? group.name) }
        }
    }

    /// What the invite and grants forms offer: the roles and scopes this actor may give
    /// (`GrantOptions`, the rule the server applies when the form is sent), each scope named by
    /// `ScopeNames`. `held` are the grants the operator already has: their roles and scopes stay
    /// in the lists, so that saving the form never drops one silently.
    struct GrantChoices {
        var roles: [OperatorsView.Option]
        var scopes: [OperatorsView.Option]
        var names: ScopeNames
    }

    static func grantChoices(actor: Actor, keeping held: [Grant] = [], on db: any Database) async throws -> GrantChoices {
        let roles = try await AccessLoader.roles(partnerID: actor.partnerID, on: db).values
            .sorted { ($0.isBuiltIn ? 0 : 1, $0.name) < ($1.isBuiltIn ? 0 : 1, $1.name) }
        let all = try await AccountGroup.query(on: db).filter(\.$partnerID == actor.partnerID).all()
        let paths = GroupPaths(all)
        let names = try await ScopeNames.load(partnerID: actor.partnerID, naming: held, on: db)
        let visible = try await GroupService.visible(to: actor, among: all, paths: paths, on: db)
        var candidates: [GrantOptions.Candidate<String>] = [.init(value: "all", facts: .all), .init(value: "assigned", facts: .assigned)]
        candidates += visible.compactMap { group in group.id.map { .init(value: "group:" + $0.uuidString.lowercased(), facts: .group(lineage: group.lineage)) } }
        let offered = GrantOptions.offered(to: actor, roles: roles, scopes: candidates)
        var roleIDs = Set(offered.roles.map(\.id))
        var scopeValues = Set(offered.scopes.map(\.value))
        var scopes = offered.scopes.map(\.value)
        for grant in held {
            roleIDs.insert(grant.role)
            let value = APIService.formatScope(grant)
            if scopeValues.insert(value).inserted { scopes.append(value) }
        }
        func label(_ value: String) -> String {
            guard let (kind, id) = try? APIService.parseScope(value) else { return value }
            return names.name(kind, id: id)
        }
        return GrantChoices(roles: roles.filter { roleIDs.contains($0.id) }.map { .init(id: $0.id, label: $0.name) },
                            scopes: scopes.map { .init(id: $0, label: label($0)) }, names: names)
    }

    private static func inviteForm(_ request: Request, actor: Actor, form: OperatorsView.InviteForm, errors: OperatorInput.Errors = .init(),
                                   message: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let choices = try await grantChoices(actor: actor, on: request.db)
        let model = OperatorsView.InviteModel(form: form, errors: errors, message: message, roleOptions: choices.roles, scopeOptions: choices.scopes,
                                              timeZone: .init(value: form.timeZone ?? TimeZoneField.fallback, error: errors["time_zone"],
                                                              fromBrowser: form.timeZone == nil))
        return await request.page("Invite an operator", status: status, current: .operators, content: OperatorsView.invite(model, csrfToken: request.csrfToken))
    }

    private static func detail(_ request: Request, target: Operator, actor: Actor, notice: OperatorsView.Notice? = nil, message: String? = nil,
                               errors: OperatorInput.Errors = .init(), reason: String = "", timeZone: String? = nil,
                               status: HTTPResponseStatus = .ok) async throws -> Response {
        let subject = try await OperatorAdministration.subject(for: target, on: request.db)
        let session = SessionFacts(isImpersonating: request.signedIn?.impersonator != nil)
        func state(_ action: OperatorAction) -> OperatorsView.Action.State {
            if case .deny(let reason) = AccessPolicy.decide(actor, action, on: subject, session: session) { return .disabled(reason.message) }
            return .enabled
        }
        let id = try target.requireID().uuidString.lowercased()
        func button(_ action: OperatorAction, _ label: String, _ style: String) -> OperatorsView.Action {
            .init(label: label, path: SiteURL.operatorAction(id: id, action: action).path, style: style, state: state(action))
        }
        let actions: [OperatorsView.Action] = [
            button(.resendInvite, "Resend invite", "secondary"),
            button(.resetPassword, "Send password reset", "secondary"),
            button(.resetSecondFactor, "Reset two-step sign-in", "secondary"),
            target.status == .blocked ? button(.unblock, "Unblock", "secondary") : button(.block, "Block", "danger"),
            button(.remove, "Remove", "danger"),
        ]
        let partner = try request.partner
        let loginAs = OperatorsView.LoginAs(
            state: state(.loginAs), reasonRequired: partner.impersonationReasonRequired, reason: reason, error: errors["reason"],
            maxMinutes: partner.impersonationMaxMinutes)
        let roles = try await AccessLoader.roles(partnerID: actor.partnerID, on: request.db)
        let choices = try await grantChoices(actor: actor, keeping: target.grants, on: request.db)
        let model = OperatorsView.DetailModel(
            id: id, name: target.name, email: target.email, phone: target.phone ?? "", status: target.status, lastLoginAt: target.lastLoginAt,
            grants: target.grants.map { .init(role: roles[$0.role]?.name ?? $0.role, scope: choices.names.name(of: $0)) },
            grantForm: OperatorsView.InviteForm(grants: target.grants.map { ($0.role, APIService.formatScope($0)) }),
            mayEdit: AccessPolicy.decide(actor, .edit, on: subject).isAllowed, isSelf: target.id == actor.operatorID,
            actions: actions, loginAs: loginAs, notifications: target.notificationPreferences, notice: notice, message: message, errors: errors,
            roleOptions: choices.roles, scopeOptions: choices.scopes,
            timeZone: .init(value: timeZone ?? target.timeZone, error: errors["time_zone"], fromBrowser: false))
        return await request.page(target.name, status: status, current: .operators, content: OperatorsView.detail(model, csrfToken: request.csrfToken))
    }
}
