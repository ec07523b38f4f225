import Fluent
import Vapor

/// `/accounts/:businessUid` and its tabs, and every form on them. A form that fails shows
/// its tab again with the errors next to the fields and what was typed; one that succeeds
/// redirects back to its tab.
enum AccountPageController {
    typealias Tab = AccountPageView.Tab

    static func show(_ tab: Tab) -> @Sendable (Request) async throws -> Response {
        { request in
            let (account, actor) = try await target(request)
            let notice = await request.takeNotice()
            return try await render(request, tab, account: account, actor: actor, notice: notice)
        }
    }

    // MARK: Account tab switches

    static func toggle(_ toggle: AccountAdministration.Toggle) -> @Sendable (Request) async throws -> Response {
        { request in
            let (account, actor) = try await target(request)
            if toggle == .lock, !account.locked, !request.isConfirmed {
                let facts = try await AccountAdministration.facts(account, actor: actor, on: request.db)
                try request.enforce(AccountAdministration.decide(toggle, by: actor, on: facts), permission: toggle.permission)
                return await request.confirmation(AccountConfirmations.lock(account))
            }
            try await AccountAdministration.apply(toggle, to: account, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: (toggle == .completeSetup ? Tab.activity : .account).path(uid: account.businessUID), notice: toggle.notice)
        }
    }

    /// The handler of each of the page's forms.
    static func handler(for form: AccountForm) -> @Sendable (Request) async throws -> Response {
        switch form {
        case .nickname: nickname
        case .assignments: assignments
        case .group: group
        case .resetPassword: resetPassword
        case .details: details
        case .tags: addTag
        case .removeTag: removeTag
        case .notes: addNote
        case .locations: addLocation
        case .removeLocation: removeLocation
        case .subscription: subscription
        case .staff: addStaff
        case .removeStaff: removeStaff
        }
    }

    static func nickname(_ request: Request) async throws -> Response {
        struct Form: Content { var nickname: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        return try await attempt(request, .account, account, actor, typed: ["nickname": form.nickname ?? ""]) {
            try await AccountAdministration.setNickname(form.nickname ?? "", on: account, by: actor, context: request.auditContext, on: request.db)
            return account.nickname.map { "Nickname set to “\($0)”: the business page is /b/\($0)." } ?? "Nickname removed."
        }
    }

    static func assignments(_ request: Request) async throws -> Response {
        struct Form: Content { var operators: [String]? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        let ids = Set((form.operators ?? []).compactMap(UUID.init(uuidString:)))
        try await AccountAdministration.assign(ids, to: account, by: actor, context: request.auditContext, on: request.db)
        return try await done(request, account, .account, ids.isEmpty ? "Nobody is assigned to the account now."
                                                                      : "\(ids.count) operator\(ids.count == 1 ? " is" : "s are") assigned to the account now.")
    }

    static func group(_ request: Request) async throws -> Response {
        struct Form: Content { var group: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        var groupID: UUID?
        switch form.group?.trimmingCharacters(in: .whitespaces) ?? "" {
        case AccountPageView.noGroup: groupID = nil
        case let raw:
            guard let id = UUID(uuidString: raw) else {
                let error = raw.isEmpty ? "Choose a group, or No group (top level)." : "Choose a group from the list."
                return try await render(request, .account, account: account, actor: actor, form: .init(errors: .init(fields: ["group": error])),
                                        status: .unprocessableEntity)
            }
            groupID = id
        }
        return try await attempt(request, .account, account, actor, typed: [:]) {
            try await AccountEditing.move(account, to: groupID, by: actor, context: request.auditContext, on: request.db)
            let groups = try await AccountGroup.query(on: request.db).filter(\.$partnerID == account.partnerID).all()
            return GroupPaths(groups).label(of: account.groupID).map { "Account moved to \($0)." } ?? "Account moved out of every group."
        }
    }

    static func resetPassword(_ request: Request) async throws -> Response {
        struct Form: Content { var method: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        let method = form.method.flatMap(AccountUsers.ResetMethod.init(rawValue:)) ?? .link
        if !request.isConfirmed {
            let facts = try await AccountAdministration.facts(account, actor: actor, on: request.db)
            try request.enforce(AccessPolicy.decide(actor, .accountPasswordReset, .account(facts)), permission: .accountPasswordReset)
            return await request.confirmation(AccountConfirmations.resetOwnerPassword(account, method: method))
        }
        do {
            let result = try await AccountUsers.resetOwnerPassword(of: account, method: method, by: actor, context: request.auditContext,
                                                                   partner: try request.partner, baseURL: request.baseURL,
                                                                   passwords: request.password.async, on: request.db)
            // Shown on this response only: never in a URL, never again.
            let response = try await render(request, .account, account: account, actor: actor, resetResult: result)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        } catch let error as PortalError where error.status == .conflict {
            return try await render(request, .account, account: account, actor: actor, message: error.detail, status: .conflict)
        }
    }

    // MARK: Business information tab

    static func details(_ request: Request) async throws -> Response {
        struct Form: Content {
            var name: String?
            var email: String?
            var ownerName: String?
            var phone: String?
            var address: String?
            enum CodingKeys: String, CodingKey { case name, email, phone, address, ownerName = "owner_name" }
        }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        let details = AccountEditing.Details(name: form.name ?? "", email: form.email ?? "", phone: .some(form.phone?.nilIfBlank),
                                             ownerName: .some(form.ownerName?.nilIfBlank), address: .some(form.address?.joinedLines.nilIfBlank))
        let typed = ["form": "details", "name": form.name ?? "", "email": form.email ?? "", "owner_name": form.ownerName ?? "",
                     "phone": form.phone ?? "", "address": form.address ?? ""]
        return try await attempt(request, .business, account, actor, typed: typed) {
            try await AccountEditing.update(details, of: account, by: actor, context: request.auditContext, on: request.db)
            return "Business details of \(account.name) updated."
        }
    }

    static func addTag(_ request: Request) async throws -> Response {
        struct Form: Content { var tag: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        return try await attempt(request, .business, account, actor, typed: ["tag": form.tag ?? ""]) {
            try await AccountLabels.addTag(form.tag ?? "", to: account, by: actor, context: request.auditContext, on: request.db)
            return "Tag “\(AccountLabels.normalizeTag(form.tag ?? "") ?? "")” added."
        }
    }

    static func removeTag(_ request: Request) async throws -> Response {
        struct Form: Content { var tag: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        try await AccountLabels.removeTag(form.tag ?? "", from: account, by: actor, context: request.auditContext, on: request.db)
        return try await done(request, account, .business, AccountLabels.normalizeTag(form.tag ?? "").map { "Tag “\($0)” removed." } ?? "No tag was removed.")
    }

    static func addNote(_ request: Request) async throws -> Response {
        struct Form: Content { var note: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        return try await attempt(request, .business, account, actor, typed: ["note": form.note ?? ""]) {
            _ = try await AccountLabels.addNote(form.note ?? "", to: account, by: actor, context: request.auditContext, on: request.db)
            return "Note added: your team sees it under Internal notes."
        }
    }

    static func addLocation(_ request: Request) async throws -> Response {
        struct Form: Content {
            var name: String?
            var address: String?
            enum CodingKeys: String, CodingKey { case name = "location_name", address = "location_address" }
        }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        return try await attempt(request, .business, account, actor, typed: ["location_name": form.name ?? "", "location_address": form.address ?? ""]) {
            let location = try await AccountEditing.addLocation(name: form.name ?? "", address: (form.address ?? "").joinedLines, to: account, by: actor,
                                                                context: request.auditContext, on: request.db)
            return "Location “\(location.name)” added."
        }
    }

    static func removeLocation(_ request: Request) async throws -> Response {
        struct Form: Content { var location: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        guard let id = form.location.flatMap(UUID.init(uuidString:)) else { throw PortalError.notFound("This account has no location with this id.") }
        let name = try await AccountEditing.locations(of: account, on: request.db).first { $0.id == id }?.name
        try await AccountEditing.removeLocation(id, from: account, by: actor, context: request.auditContext, on: request.db)
        return try await done(request, account, .business, name.map { "Location “\($0)” removed." } ?? "Location removed.")
    }

    // MARK: Subscription and Staff tabs

    static func subscription(_ request: Request) async throws -> Response {
        struct Form: Content {
            var plan: String?
            var staffSlots: String?
            enum CodingKeys: String, CodingKey { case plan, staffSlots = "staff_slots" }
        }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        let typed = ["plan": form.plan ?? "", "staff_slots": form.staffSlots ?? ""]
        let rawSlots = (form.staffSlots ?? "").trimmingCharacters(in: .whitespaces)
        guard let slots = Int(rawSlots) else {
            return try await render(request, .subscription, account: account, actor: actor,
                                    form: .init(values: typed, errors: .init(fields: ["staffSlots": "Enter a whole number of staff slots."])),
                                    status: .unprocessableEntity)
        }
        return try await attempt(request, .subscription, account, actor, typed: typed) {
            try await AccountEditing.updateSubscription(plan: form.plan?.nilIfEmpty, staffSlots: slots, of: account, by: actor,
                                                        context: request.auditContext, on: request.db)
            return "Subscription saved: \(account.plan.map { "plan \($0), " } ?? "")\(account.staffSlots) staff slot\(account.staffSlots == 1 ? "" : "s")."
        }
    }

    static func addStaff(_ request: Request) async throws -> Response {
        struct Form: Content {
            var name: String?
            var email: String?
            enum CodingKeys: String, CodingKey { case name = "staff_name", email = "staff_email" }
        }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        return try await attempt(request, .staff, account, actor, typed: ["staff_name": form.name ?? "", "staff_email": form.email ?? ""]) {
            let user = try await AccountUsers.addStaff(name: form.name ?? "", email: form.email ?? "", to: account, by: actor, context: request.auditContext,
                                                       partner: try request.partner, baseURL: request.baseURL, on: request.db)
            return "Invitation sent to \(user.name) at \(user.email)."
        }
    }

    static func removeStaff(_ request: Request) async throws -> Response {
        struct Form: Content { var user: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        guard let id = form.user.flatMap(UUID.init(uuidString:)) else { throw PortalError.notFound("No staff member of this account has this id.") }
        let name = try await AccountUsers.users(of: account, on: request.db).first { $0.id == id }?.name
        try await AccountUsers.removeStaff(id, from: account, by: actor, context: request.auditContext, on: request.db)
        return try await done(request, account, .staff, name.map { "\($0) was removed from the staff and can no longer sign in." } ?? "Staff member removed.")
    }

    // MARK: - Rendering

    private static func target(_ request: Request) async throws -> (Account, Actor) {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: request.parameters.get("businessUid") ?? "", by: actor, on: request.db)
        return (account, actor)
    }

    /// Back to `tab`, at the top where `notice` says what the change did (without a fragment
    /// of its own, the browser would keep the form's and land beside the form).
    private static func done(_ request: Request, _ account: Account, _ tab: Tab, _ notice: String) async throws -> Response {
        try await request.redirect(to: tab.path(uid: account.businessUID) + "#main", notice: notice)
    }

    /// Runs `change`, which answers what it did; field errors and refusals of the account's
    /// present state show the tab again.
    private static func attempt(_ request: Request, _ tab: Tab, _ account: Account, _ actor: Actor, typed: [String: String],
                                _ change: () async throws -> String) async throws -> Response {
        let notice: String
        do {
            notice = try await change()
        } catch let errors as OperatorInput.Errors {
            return try await render(request, tab, account: account, actor: actor, form: .init(values: typed, errors: errors), status: .unprocessableEntity)
        } catch let error as PortalError where error.status == .conflict {
            return try await render(request, tab, account: account, actor: actor, form: .init(values: typed), message: error.detail, status: .conflict)
        }
        return try await done(request, account, tab, notice)
    }

    static func render(_ request: Request, _ tab: Tab, account: Account, actor: Actor, form: AccountPageView.Form = .init(),
                       notice: String? = nil, message: String? = nil, resetResult: AccountUsers.ResetResult? = nil,
                       status: HTTPResponseStatus = .ok) async throws -> Response {
        let db = request.db
        let facts = try await AccountAdministration.facts(account, actor: actor, on: db)
        func state(_ decision: Decision) -> AccountPageView.State {
            guard case .deny(let reason) = decision else { return .enabled }
            return .disabled(reason.message)
        }
        func state(_ permission: Permission) -> AccountPageView.State { state(AccessPolicy.decide(actor, permission, .account(facts))) }
        let tabs = Tab.allCases.filter { AccessPolicy.mayOpenAccountTab(actor, $0, facts).isAllowed }
        guard tabs.contains(tab) else {
            // A link to the account lands on the first tab the operator may open (Messages, for the Messaging Agent).
            if tab == .business, let first = tabs.first { return request.redirect(to: first.path(uid: account.businessUID)) }
            try request.enforce(AccessPolicy.mayOpenAccountTab(actor, tab, facts))
            throw PortalError.notFound()
        }
        let loginAs = try await loginAsPanel(request, account: account, actor: actor, facts: facts)
        let row = AccountDirectory.Row(account)
        let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
        func path(_ id: UUID?) -> String? { paths.label(of: id) }
        let body: Markup
        switch tab {
        case .business:
            let template = try await account.templateSourceID.asyncFlatMap { id in
                try await Account.query(on: db).filter(\.$id == id).filter(\.$partnerID == account.partnerID).first()
            }
            let model = AccountPageView.Business(
                email: account.email, phone: account.phone, ownerName: account.ownerName, address: account.address, plan: account.plan,
                group: path(account.groupID), template: template.map { "\($0.name) (\($0.businessUID))" }, editState: state(.accountEdit),
                tags: try await AccountLabels.tags(of: account, on: db), tagState: state(.accountTagsEdit),
                notes: try await AccountLabels.notes(of: account, on: db).map { .init(author: $0.authorName, body: $0.body, at: $0.createdAt) },
                noteState: state(.accountNotesEdit),
                locations: try await AccountEditing.locations(of: account, on: db).compactMap { location in
                    location.id.map { .init(id: $0.uuidString.lowercased(), name: location.name, address: location.address) }
                },
                description: account.businessDescription, openingHours: account.openingHours, services: BookableServices.names(account.services))
            body = AccountPageView.business(row, model, form: form, csrfToken: request.csrfToken)
        case .activity:
            let model = AccountPageView.Activity(
                summary: try await AccountActivity.summary(of: account, by: actor, on: db), steps: try await PlanCatalogue.steps(for: account, on: db),
                setupCompleted: account.setupCompleted, completeSetupState: state(.accountSetupComplete))
            body = AccountPageView.activity(row, model, csrfToken: request.csrfToken)
        case .subscription:
            let model = AccountPageView.Subscription(
                plan: account.plan, staffSlots: account.staffSlots,
                staffCount: try await AccountUser.query(on: db).filter(\.$accountID == account.requireID()).filter(\.$role == .staff).count(),
                plans: try await PlanCatalogue.plans(for: account, on: db), state: state(.accountSubscriptionEdit))
            body = AccountPageView.subscription(row, model, form: form, csrfToken: request.csrfToken)
        case .staff:
            let users = try await AccountUsers.users(of: account, on: db)
            let model = AccountPageView.Staff(
                users: users.compactMap { user in
                    user.id.map { .init(id: $0.uuidString.lowercased(), name: user.name, email: user.email, isOwner: user.role == .owner,
                                        status: user.status == .invited ? "Invited" : (user.mustChangePassword ? "Must change password" : "Active"),
                                        loginAs: loginAs?.state) }
                },
                staffSlots: account.staffSlots, state: state(.accountStaffManage), loginAsReasonRequired: loginAs?.reasonRequired ?? false)
            body = AccountPageView.staff(row, model, form: form, csrfToken: request.csrfToken)
        case .messages:
            body = AccountMessagesView.tab(row, try await AccountMessagesTab.model(request, account: account, actor: actor, facts: facts),
                                           form: form, csrfToken: request.csrfToken)
        case .history:
            let lines = try await AccountAdministration.history(of: account, by: actor, on: db)
            body = AccountPageView.history(lines.map { .init(action: $0.action, actor: $0.actorName, onBehalfOf: $0.impersonatorName, details: $0.details, at: $0.at) },
                                           retentionDays: try request.partner.historyRetentionDays)
        case .account:
            func control(_ on: AccountAdministration.Toggle, _ off: AccountAdministration.Toggle, isOn: Bool, label: String, onText: String, offText: String) -> AccountPageView.Control {
                let button = isOn ? off : on
                var buttonState = state(AccountAdministration.decide(button, by: actor, on: facts))
                if button == .markSecure, case .deny(.secureAccount) = AccountAdministration.decide(button, by: actor, on: facts) {
                    buttonState = .disabled("Marking an account secure needs a role with secure clearance (a Secure role).")
                }
                return .init(label: label, value: isOn ? onText : offText, button: button, state: buttonState)
            }
            let screenedUntil = account.createdAt.map { $0.addingTimeInterval(30 * 86_400) }
            let controls = [
                control(.lock, .unlock, isOn: account.locked, label: "Lock account", onText: "Locked: the owner and staff cannot sign in", offText: "Not locked"),
                control(.enableSendLinks, .disableSendLinks, isOn: account.sendLinksEnabled, label: "Send links",
                        onText: "Enabled: links are not screened",
                        offText: screenedUntil.map { $0 > Date() ? "Screened until \($0.formatted(date: .long, time: .omitted))" : "Screening ended \($0.formatted(date: .long, time: .omitted))" } ?? "Screened"),
                control(.markSecure, .unmarkSecure, isOn: account.secure, label: "Secure", onText: "Secure: only operators with a Secure role act on it", offText: "Not secure"),
                control(.setTemplate, .unsetTemplate, isOn: account.isTemplate, label: "Template", onText: "A template for new accounts", offText: "Not a template"),
            ]
            // Every choice is listed for a partner with few operators or groups, or when asked
            // for (the type-ahead's link); otherwise the assigned operators and a type-ahead.
            let every = (try? request.query.get(String.self, at: "every")).flatMap(AccountPageView.EveryChoice.init(rawValue:))
            func assignable() -> QueryBuilder<Operator> {
                Operator.query(on: db).filter(\.$partner.$id == actor.partnerID).filter(\.$status != .blocked)
            }
            let assigned = Set(try await AccountAssignment.query(on: db).filter(\.$accountID == account.requireID()).all().map(\.operatorID))
            let everyOperatorListed = try await every == .operators ? true : assignable().count() <= AccountPageView.listedChoices
            let operators = everyOperatorListed ? try await assignable().sort(\.$name).all()
                : assigned.isEmpty ? [] : try await assignable().filter(\.$id ~~ assigned).sort(\.$name).all()
            let everyGroupListed = every == .groups || paths.options.count <= AccountPageView.listedChoices
            let movable = everyGroupListed ? try await GroupService.visible(to: actor, on: db) : []
            var template: AccountPageView.TemplateLink? = nil
            if account.isTemplate {
                let made = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$templateSourceID == account.requireID()).count()
                template = .template(made: made, push: state(AccessPolicy.decidePush(actor, template: facts)))
            } else if let sourceID = account.templateSourceID,
                      let source = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$id == sourceID).first() {
                template = .madeFrom(source.name, detach: state(.accountTemplateSet))
            }
            var model = AccountPageView.AccountControls(
                controls: controls, nickname: account.nickname, nicknameState: state(.accountNicknameEdit),
                operators: operators.compactMap { op in op.id.map { .init(id: $0.uuidString.lowercased(), name: op.name, assigned: assigned.contains($0)) } },
                assignmentState: state(.accountAssignmentsEdit),
                groupID: account.groupID?.uuidString.lowercased(),
                groups: movable.compactMap { group in group.id.map { .init(id: $0.uuidString.lowercased(), label: path($0) ?? group.name) } }
                    .sorted { $0.label < $1.label },
                moveState: state(.accountEdit), resetState: state(.accountPasswordReset),
                ownerEmail: account.email, resetResult: resetResult)
            model.template = template
            model.everyOperatorListed = everyOperatorListed
            model.everyGroupListed = everyGroupListed
            model.groupLabel = path(account.groupID)
            body = AccountPageView.account(row, model, form: form, csrfToken: request.csrfToken)
        }
        let header = AccountPageView.Header(row: row, tabs: tabs, current: tab, notice: notice, message: message, loginAs: loginAs)
        let title = tab == .business ? account.name : "\(tab.title) · \(account.name)"
        return await request.page(title, status: status, current: .accounts, content: AccountPageView.page(header, body: body, csrfToken: request.csrfToken))
    }
}

extension AccountPageController {
    /// The header's "Login as", decided as the request to log in will be: hidden from
    /// operators who cannot log in to this account at all, disabled with the reason otherwise.
    static func loginAsPanel(_ request: Request, account: Account, actor: Actor, facts: AccountFacts) async throws -> AccountPageView.LoginAs? {
        let partner = try request.partner
        let grantedUntil = try await SupportConsent.grantedUntil(account: account, now: Date(), on: request.db)
        let decision = AccessPolicy.decideLoginAsClient(
            actor, on: ClientLoginFacts(account: facts, isTemplate: account.isTemplate, consentRequired: partner.loginAsConsentRequired, grantedUntil: grantedUntil),
            session: LoginAsSession(asOperator: request.signedIn?.impersonator != nil, asClient: false))
        switch decision {
        case .deny(.missingPermission), .deny(.outOfScope): return nil
        default: break
        }
        var consent: String?
        if partner.loginAsConsentRequired {
            consent = grantedUntil.map { $0 == .distantFuture ? "Access granted by the owner until they revoke it."
                                                              : "Access granted until \(DisplayDate.text($0, .minute)) UTC." }
                ?? "Ask the owner to grant access: they do it under Support access in their workspace."
        }
        return .init(ownerName: try await AccountUsers.owner(of: account, on: request.db)?.name,
                     state: decision.denialMessage.map { .disabled($0) } ?? .enabled,
                     reasonRequired: partner.impersonationReasonRequired, consent: consent)
    }
}

extension AccountDirectory.Row {
    init(_ account: Account) {
        self.init(id: account.id ?? UUID(), businessUID: account.businessUID, name: account.name, email: account.email, nickname: account.nickname,
                  groupID: account.groupID, secure: account.secure, locked: account.locked, setupCompleted: account.setupCompleted,
                  isTemplate: account.isTemplate, createdAt: account.createdAt, lastActivityAt: account.lastActivityAt,
                  phone: account.phone, ownerName: account.ownerName, plan: account.plan, staffSlots: account.staffSlots)
    }
}
