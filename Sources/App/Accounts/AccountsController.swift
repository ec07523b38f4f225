import Fluent
import Vapor

/// `/accounts` (the client accounts list) and `/accounts/:businessUid` (one account).
enum AccountsController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let filter = try Self.filter(from: request)
        let after = (try? request.query.get(String.self, at: "after")).flatMap(UUID.init(uuidString:))
        async let page = AccountDirectory.page(filter, for: actor, after: after, on: request.db)
        async let counts = AccountDirectory.counts(filter, for: actor, on: request.db)
        let groups = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let paths = Dictionary(uniqueKeysWithValues: groups.compactMap { group in group.id.map { ($0, GroupService.displayPath(group, in: groups).joined(separator: " › ")) } })
        let model = AccountsView.ListModel(
            filter: filter, counts: try await counts, rows: try await page.rows, next: try await page.next,
            isFirstPage: after == nil, groupNames: paths,
            groupOptions: paths.sorted { $0.value < $1.value }.map { .init(id: $0.key.uuidString.lowercased(), label: $0.value) },
            mayCreate: AccessPolicy.decideAnywhere(actor, [.accountsCreate]).isAllowed)
        return await request.page("Client accounts", current: .accounts, content: AccountsView.list(model))
    }

    struct NewForm: Content {
        var name: String?
        var email: String?
        var ownerName: String?
        var phone: String?
        var group: String?
        var template: String?
        var secure: String?

        enum CodingKeys: String, CodingKey {
            case name, email, phone, group, template, secure
            case ownerName = "owner_name"
        }
    }

    static func new(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountsCreate]), permission: .accountsCreate)
        return try await newForm(request, actor: actor, form: .init(template: try? request.query.get(String.self, at: "template")))
    }

    static func create(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let form = try request.content.decode(NewForm.self)
        do {
            let account = try await AccountService.create(
                .init(name: form.name ?? "", email: form.email ?? "", groupID: form.group.flatMap(UUID.init(uuidString:)), secure: form.secure == "1",
                      ownerName: form.ownerName?.nilIfBlank, phone: form.phone?.nilIfBlank, templateUID: form.template.flatMap { $0.isEmpty ? nil : $0 }),
                by: actor, context: request.auditContext, on: request.db)
            return request.redirect(to: SiteURL.account(uid: account.businessUID).path + "?done=saved", redirectType: .normal)
        } catch let errors as OperatorInput.Errors {
            return try await newForm(request, actor: actor, form: form, errors: errors, status: .unprocessableEntity)
        } catch let error as PortalError where [.conflict, .forbidden].contains(error.status) {
            return try await newForm(request, actor: actor, form: form, message: error.detail, status: error.status)
        }
    }

    private static func newForm(_ request: Request, actor: Actor, form: NewForm, errors: OperatorInput.Errors = .init(), message: String? = nil,
                                status: HTTPResponseStatus = .ok) async throws -> Response {
        let groups = try await GroupService.visible(to: actor, on: request.db)
        let all = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        var templates: [AccountsView.Option] = []
        if AccessPolicy.decideAnywhere(actor, [.accountsCreateFromTemplate]).isAllowed {
            var filter = AccountDirectory.Filter()
            filter.template = true
            templates = try await AccountDirectory.page(filter, for: actor, limit: 100, on: request.db).rows
                .map { .init(id: $0.businessUID, label: $0.name) }
        }
        let model = AccountsView.NewModel(
            name: form.name ?? "", email: form.email ?? "", ownerName: form.ownerName ?? "", phone: form.phone ?? "",
            group: form.group ?? "", template: form.template ?? "", secure: form.secure == "1",
            groupOptions: groups.compactMap { group in group.id.map { .init(id: $0.uuidString.lowercased(), label: GroupService.displayPath(group, in: all).joined(separator: " › ")) } },
            templateOptions: templates,
            mayMarkSecure: actor.grants.contains { $0.role.secureClearance && $0.role.permissions.contains(.accountSecureSet) },
            errors: errors, message: message)
        return await request.page("New account", status: status, current: .accounts, content: AccountsView.new(model, csrfToken: request.csrfToken))
    }

    static func show(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: request.parameters.get("businessUid") ?? "", by: actor, on: request.db)
        return try await detail(request, account: account, actor: actor,
                                notice: (try? request.query.get(String.self, at: "done")) == "saved" ? "Saved." : nil)
    }

    static func toggle(_ toggle: AccountAdministration.Toggle) -> @Sendable (Request) async throws -> Response {
        { request in
            let (account, actor) = try await target(request)
            try await AccountAdministration.apply(toggle, to: account, by: actor, context: request.auditContext, on: request.db)
            return saved(request, account)
        }
    }

    static func nickname(_ request: Request) async throws -> Response {
        struct Form: Content { var nickname: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        do {
            try await AccountAdministration.setNickname(form.nickname ?? "", on: account, by: actor, context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await detail(request, account: account, actor: actor, errors: errors, typedNickname: form.nickname ?? "", status: .unprocessableEntity)
        }
        return saved(request, account)
    }

    static func assignments(_ request: Request) async throws -> Response {
        struct Form: Content { var operators: [String]? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        let ids = Set((form.operators ?? []).compactMap(UUID.init(uuidString:)))
        try await AccountAdministration.assign(ids, to: account, by: actor, context: request.auditContext, on: request.db)
        return saved(request, account)
    }

    static func addTag(_ request: Request) async throws -> Response {
        struct Form: Content { var tag: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        do {
            try await AccountLabels.addTag(form.tag ?? "", to: account, by: actor, context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await detail(request, account: account, actor: actor, errors: errors, typedTag: form.tag ?? "", status: .unprocessableEntity)
        }
        return saved(request, account)
    }

    static func removeTag(_ request: Request) async throws -> Response {
        struct Form: Content { var tag: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        try await AccountLabels.removeTag(form.tag ?? "", from: account, by: actor, context: request.auditContext, on: request.db)
        return saved(request, account)
    }

    static func addNote(_ request: Request) async throws -> Response {
        struct Form: Content { var note: String? }
        let (account, actor) = try await target(request)
        let form = try request.content.decode(Form.self)
        do {
            _ = try await AccountLabels.addNote(form.note ?? "", to: account, by: actor, context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await detail(request, account: account, actor: actor, errors: errors, typedNote: form.note ?? "", status: .unprocessableEntity)
        }
        return saved(request, account)
    }

    private static func target(_ request: Request) async throws -> (Account, Actor) {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: request.parameters.get("businessUid") ?? "", by: actor, on: request.db)
        return (account, actor)
    }

    private static func saved(_ request: Request, _ account: Account) -> Response {
        request.redirect(to: SiteURL.account(uid: account.businessUID).path + "?done=saved", redirectType: .normal)
    }

    private static func detail(_ request: Request, account: Account, actor: Actor, notice: String? = nil, errors: OperatorInput.Errors = .init(),
                               typedNickname: String? = nil, typedTag: String = "", typedNote: String = "",
                               status: HTTPResponseStatus = .ok) async throws -> Response {
        let facts = try await AccountAdministration.facts(account, actor: actor, on: request.db)
        func state(_ decision: Decision, markingSecure: Bool = false) -> AccountsView.Control.State {
            guard case .deny(let reason) = decision else { return .enabled }
            if markingSecure, reason == .secureAccount {
                return .disabled("Marking an account secure needs a role with secure clearance (a Secure role).")
            }
            return .disabled(reason.message)
        }
        func state(_ permission: Permission) -> AccountsView.Control.State { state(AccessPolicy.decide(actor, permission, .account(facts))) }
        let uid = account.businessUID
        func control(_ on: AccountAdministration.Toggle, _ off: AccountAdministration.Toggle, isOn: Bool, label: String, onText: String, offText: String) -> AccountsView.Control {
            .init(label: label, value: isOn ? onText : offText, button: isOn ? off : on, path: SiteURL.accountAction(uid: uid, action: (isOn ? off : on).rawValue).path,
                  state: state(AccountAdministration.decide(isOn ? off : on, by: actor, on: facts), markingSecure: (isOn ? off : on) == .markSecure))
        }
        var controls: [AccountsView.Control] = [
            control(.lock, .unlock, isOn: account.locked, label: "Lock account", onText: "Locked: the owner and staff cannot sign in", offText: "Not locked"),
            control(.enableSendLinks, .disableSendLinks, isOn: account.sendLinksEnabled, label: "Send links",
                    onText: "Enabled: links are not screened",
                    offText: account.createdAt.map { "Screened until \($0.addingTimeInterval(30 * 86_400).formatted(date: .long, time: .omitted))" } ?? "Screened"),
            control(.markSecure, .unmarkSecure, isOn: account.secure, label: "Secure", onText: "Secure: only operators with a Secure role act on it", offText: "Not secure"),
            control(.setTemplate, .unsetTemplate, isOn: account.isTemplate, label: "Template", onText: "A template for new accounts", offText: "Not a template"),
        ]
        if !account.setupCompleted {
            controls.append(.init(label: "Setup", value: "In setup", button: .completeSetup,
                                  path: SiteURL.accountAction(uid: uid, action: AccountAdministration.Toggle.completeSetup.rawValue).path,
                                  state: state(.accountSetupComplete)))
        }
        let operators = try await Operator.query(on: request.db).filter(\.$partner.$id == actor.partnerID).sort(\.$name).all()
        let assigned = Set(try await AccountAssignment.query(on: request.db).filter(\.$accountID == account.requireID()).all().map(\.operatorID))
        let historyAllowed = AccessPolicy.decide(actor, .accountHistoryView, .account(facts)).isAllowed
        let history = historyAllowed ? try await AccountAdministration.history(of: account, by: actor, on: request.db) : []
        let group = try await account.groupID.asyncFlatMap { try await GroupService.find($0, partnerID: actor.partnerID, on: request.db) }
        let groups = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let model = AccountsView.DetailModel(
            name: account.name, businessUID: account.businessUID, email: account.email, phone: account.phone, ownerName: account.ownerName,
            nickname: account.nickname, plan: account.plan, staffSlots: account.staffSlots, createdAt: account.createdAt,
            group: group.map { GroupService.displayPath($0, in: groups).joined(separator: " › ") },
            secure: account.secure, locked: account.locked, setupCompleted: account.setupCompleted, isTemplate: account.isTemplate,
            sendLinksEnabled: account.sendLinksEnabled, lastActivityAt: account.lastActivityAt,
            controls: controls, nicknameState: state(.accountNicknameEdit), typedNickname: typedNickname ?? account.nickname ?? "",
            assignmentState: state(.accountAssignmentsEdit),
            operators: operators.compactMap { op in op.id.map { .init(id: $0.uuidString.lowercased(), name: op.name, assigned: assigned.contains($0)) } },
            history: historyAllowed ? history.map { .init(action: $0.action, actor: $0.actorName, onBehalfOf: $0.impersonatorName, details: $0.details, at: $0.at) } : nil,
            tags: try await AccountLabels.tags(of: account, on: request.db), tagState: state(.accountTagsEdit), typedTag: typedTag,
            notes: try await AccountLabels.notes(of: account, on: request.db).map { .init(author: $0.authorName, body: $0.body, at: $0.createdAt) },
            noteState: state(.accountNotesEdit), typedNote: typedNote,
            notice: notice, errors: errors)
        return await request.page(account.name, status: status, current: .accounts, content: AccountsView.detail(model, csrfToken: request.csrfToken))
    }

    /// The list's filter from the query string; unknown values are ignored, as in a URL typed by hand.
    static func filter(from request: Request) throws -> AccountDirectory.Filter {
        func text(_ key: String) -> String? { (try? request.query.get(String.self, at: key)).flatMap { $0.isEmpty ? nil : $0 } }
        func flag(_ key: String) -> Bool? { text(key).flatMap { ["yes": true, "no": false][$0] } }
        var filter = AccountDirectory.Filter()
        filter.search = String((text("q") ?? "").prefix(AccountDirectory.maxSearchLength))
        filter.status = text("status").flatMap(AccountDirectory.Status.init(rawValue:))
        filter.locked = flag("locked")
        filter.setupCompleted = flag("setup")
        filter.secure = flag("secure")
        filter.template = flag("template")
        filter.groupID = text("group").flatMap(UUID.init(uuidString:))
        filter.mine = text("mine") == "1"
        filter.tag = text("tag").map { String($0.prefix(AccountLabels.maxTagLength)) }
        filter.sort = text("sort").flatMap(AccountDirectory.Sort.init(rawValue:)) ?? .name
        return filter
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
