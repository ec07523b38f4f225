import Fluent
import Vapor

/// `/accounts` (the client accounts list) and `/accounts/new`; one account's page is `AccountPageController`.
enum AccountsController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        var typed = try Self.filter(from: request)
        typed.namesOnly = !AccessPolicy.readsAccountDetails(actor)
        let filter = typed
        let after = (try? request.query.get(String.self, at: "after")).flatMap(UUID.init(uuidString:))
        async let page = AccountDirectory.page(filter, for: actor, after: after, on: request.db)
        let db = request.db
        async let counts = request.application.headerCounts.value(.init(actor: actor, filter: filter)) {
            try await AccountDirectory.counts(filter, for: actor, on: db)
        }
        let paths = try await request.application.groupPaths.value(actor.partnerID) {
            try await GroupPaths.load(partnerID: actor.partnerID, on: db)
        }
        let operators = try await request.db.sql.select().column("id").column("name").from(Operator.schema)
            .where("partner_id", .equal, actor.partnerID).where("status", .notEqual, Operator.Status.blocked.rawValue)
            .orderBy("name").all()
            .map { (id: try $0.decode(column: "id", as: UUID.self), name: try $0.decode(column: "name", as: String.self)) }
        let model = AccountsView.ListModel(
            filter: filter, counts: try await counts, rows: try await page.rows, next: try await page.next,
            isFirstPage: after == nil, groupPaths: paths,
            groupOptions: paths.options.map { .init(id: $0.id, label: $0.label) },
            // Retired plans too: accounts keep them, and the filter finds those accounts.
            planOptions: try await PlanCatalogue.catalogue(partnerID: actor.partnerID, on: request.db).map(\.name),
            operatorOptions: operators.map { .init(id: $0.id.uuidString.lowercased(), label: $0.name) },
            mayCreate: AccessPolicy.decideAnywhere(actor, [.accountsCreate]).isAllowed,
            mayExport: AccessPolicy.decideAnywhere(actor, [.accountsExport]).isAllowed,
            mayTag: AccessPolicy.decideAnywhere(actor, [.accountTagsEdit]).isAllowed,
            mayAssign: AccessPolicy.decideAnywhere(actor, [.accountAssignmentsEdit]).isAllowed,
            notice: await request.takeNotice(), showsDetails: !filter.namesOnly)
        return await request.page("Client accounts", current: .accounts, content: AccountsView.list(model, csrfToken: request.csrfToken))
    }

    /// `GET /accounts/export.csv`: the whole filtered list, streamed in keyset batches.
    static func export(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountsExport]), permission: .accountsExport)
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let filter = try Self.filter(from: request)
        let db = request.db, logger = request.logger
        let response = Response(status: .ok, body: .init(managedAsyncStream: { writer in
            do {
                try await AccountDirectory.exportCSV(filter, for: actor, on: db) { chunk in
                    try await writer.writeBuffer(ByteBuffer(string: chunk))
                }
            } catch {
                logger.error("account export stopped", metadata: ["error": "\(String(reflecting: error))"])
                throw error
            }
        }))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"accounts.csv\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        try await Audit.record("accounts.exported", in: request.auditContext, partnerID: actor.partnerID, target: ("partner", nil, "accounts"),
                               details: AccountsView.query(filter), on: request.db)
        return response
    }

    /// `POST /accounts/bulk`: tag or assign the selected accounts. Each is decided on its own;
    /// the ones the operator may not change are left alone and counted.
    static func bulk(_ request: Request) async throws -> Response {
        struct Form: Content {
            var accounts: [String]?
            var action: String?
            var tag: String?
            var `operator`: String?
        }
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountTagsEdit, .accountAssignmentsEdit]), permission: .accountTagsEdit)
        let form = try request.content.decode(Form.self)
        let uids = Array(Set(form.accounts ?? []).prefix(500))
        guard !uids.isEmpty else { return try await request.redirect(to: SiteURL.accounts.path, notice: "Select one or more accounts first.") }
        var changed = 0, refused = 0
        let accounts = try await Account.query(on: request.db).filter(\.$partnerID == actor.partnerID).filter(\.$businessUID ~~ uids).all()
        switch form.action {
        case "tag":
            guard AccountLabels.normalizeTag(form.tag ?? "") != nil else {
                throw PortalError.badRequest("Use 1 to \(AccountLabels.maxTagLength) letters, digits, spaces, hyphens or underscores for the tag.")
            }
            for account in accounts {
                do {
                    try await AccountLabels.addTag(form.tag ?? "", to: account, by: actor, context: request.auditContext, on: request.db)
                    changed += 1
                } catch let error as PortalError where [.forbidden, .notFound].contains(error.status) {
                    refused += 1
                    request.logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "permission": "account.tags.edit", "account": "\(account.businessUID)"])
                }
            }
        case "assign":
            guard let operatorID = form.operator.flatMap(UUID.init(uuidString:)),
                  try await Operator.query(on: request.db).filter(\.$partner.$id == actor.partnerID).filter(\.$id == operatorID).count() == 1
            else { throw PortalError.badRequest("Choose an operator from the list.") }
            for account in accounts {
                do {
                    let current = Set(try await AccountAssignment.query(on: request.db).filter(\.$accountID == account.requireID()).all().map(\.operatorID))
                    try await AccountAdministration.assign(current.union([operatorID]), to: account, by: actor, context: request.auditContext, on: request.db)
                    changed += 1
                } catch let error as PortalError where [.forbidden, .notFound].contains(error.status) {
                    refused += 1
                    request.logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "permission": "account.assignments.edit", "account": "\(account.businessUID)"])
                }
            }
        default:
            throw PortalError.badRequest("Choose what to do with the selected accounts.")
        }
        refused += uids.count - accounts.count
        var notice = "\(changed) \(changed == 1 ? "account" : "accounts") changed."
        if refused > 0 { notice += " \(refused) you may not change \(refused == 1 ? "was" : "were") left alone." }
        let back = AccountsView.query(try Self.filter(from: request))
        return try await request.redirect(to: SiteURL.accounts.path + (back.isEmpty ? "" : "?" + back), notice: notice)
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
                by: actor, context: request.auditContext, partner: try request.partner, baseURL: request.baseURL, on: request.db)
            return try await request.redirect(to: SiteURL.account(uid: account.businessUID).path, notice: "saved")
        } catch let errors as OperatorInput.Errors {
            return try await newForm(request, actor: actor, form: form, errors: errors, status: .unprocessableEntity)
        } catch let error as PortalError where [.conflict, .forbidden].contains(error.status) {
            return try await newForm(request, actor: actor, form: form, message: error.detail, status: error.status)
        }
    }

    private static func newForm(_ request: Request, actor: Actor, form: NewForm, errors: OperatorInput.Errors = .init(), message: String? = nil,
                                status: HTTPResponseStatus = .ok) async throws -> Response {
        let all = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let paths = GroupPaths(all)
        let groups = try await GroupService.visible(to: actor, among: all, paths: paths, on: request.db)
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
            groupOptions: groups.compactMap { group in group.id.map { .init(id: $0.uuidString.lowercased(), label: paths.label(of: $0) ?? group.name) } },
            templateOptions: templates,
            mayMarkSecure: actor.grants.contains { $0.role.secureClearance && $0.role.permissions.contains(.accountSecureSet) },
            errors: errors, message: message)
        return await request.page("New account", status: status, current: .accounts, content: AccountsView.new(model, csrfToken: request.csrfToken))
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
        filter.plan = text("plan").map { String($0.prefix(100)) }
        filter.operatorID = text("operator").flatMap(UUID.init(uuidString:))
        filter.sort = text("sort").flatMap(AccountDirectory.Sort.init(rawValue:)) ?? .name
        return filter
    }
}

extension String {
    /// Percent-encoded for a query value: only RFC 3986's unreserved ASCII characters stay
    /// (Foundation's `alphanumerics` would let non-ASCII letters through).
    var urlQueryEscaped: String {
        addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
