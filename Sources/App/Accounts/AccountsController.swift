import Fluent
import SQLKit
import Vapor

/// `/accounts` (the client accounts list) and `/accounts/new`; one account's page is `AccountPageController`.
enum AccountsController {
    /// Accounts on a full page of the list.
    static let pageSize = 50

    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let db = request.db, now = Date()
        let paths = try await request.application.groupPaths.value(actor.partnerID) {
            try await GroupPaths.load(partnerID: actor.partnerID, on: db)
        }
        let sql = try db.sql
        let values = queryValues(request)
        // The group and the assignee asked for, when the reader may choose them: the list
        // names one of each, so only those are looked up (the choices come from the type-ahead).
        let group = try await values["group"].flatMap(UUID.init(uuidString:)).asyncFlatMap { id in
            try await GroupChoices.isVisible(id, to: actor, on: sql) ? id : nil
        }
        let assignee = try await values["operator"].flatMap(UUID.init(uuidString:)).asyncFlatMap { id in
            try await AssigneeChoices.find(id, partnerID: actor.partnerID, on: sql)
        }
        let choices = try await request.application.listChoices.value(.init(actor: actor, filter: .init())) {
            // Retired plans too: accounts keep them, and the filter finds those accounts.
            ListChoices(hasGroups: try await GroupChoices.hasAny(for: actor, on: sql),
                        plans: try await PlanCatalogue.catalogue(partnerID: actor.partnerID, on: db).map(\.name))
        }
        let offersGroupFilter = group != nil || choices.hasGroups
        let plans = choices.plans
        var parsed = AccountListQuery.parse(values, choices: .init(
            groupIDs: Set([group].compactMap { $0 }), plans: Set(plans), operatorIDs: Set([assignee?.id].compactMap { $0 })))
        parsed.filter.namesOnly = !AccessPolicy.readsAccountDetails(actor)
        let filter = parsed.filter
        async let hiddenSecure = SecureNotice.hiddenCount(for: actor, on: db)
        let cache = request.application.headerCounts
        let listing = try await AccountDirectory.listing(parsed, for: actor, limit: pageSize, now: now, on: db) { filter in
            try await cache.value(.init(actor: actor, filter: filter)) { try await AccountDirectory.counts(filter, for: actor, now: now, on: db) }
        }
        let page = listing.page
        let model = AccountsView.ListModel(
            filter: filter, counts: listing.counts, rows: page.rows, next: page.next,
            isFirstPage: page.previous == nil, groupPaths: paths, offersGroupFilter: offersGroupFilter,
            planOptions: plans, assignee: assignee,
            mayCreate: AccessPolicy.decideAnywhere(actor, [.accountsCreate]).isAllowed,
            mayExport: AccessPolicy.decideAnywhere(actor, [.accountsExport]).isAllowed,
            bulk: try await BulkController.toolbar(for: request, actor: actor),
            notice: await request.takeNotice(), showsDetails: !filter.namesOnly,
            mayImport: AccessPolicy.decideImport(actor, .accounts).isAllowed,
            total: listing.total, moreThan: listing.moreThan, start: listing.start, previous: page.previous, errors: parsed.errors, rejected: parsed.rejected,
            hiddenSecure: try await hiddenSecure, now: now, pageSize: pageSize)
        return await request.page("Client accounts", status: parsed.isValid ? .ok : .unprocessableEntity, current: .accounts,
                                  content: AccountsView.list(model, csrfToken: request.csrfToken))
    }

    /// The list's parameters from the query string (the first of each; others are ignored).
    private static func queryValues(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for key in AccountListQuery.keys {
            if let value = try? request.query.get(String.self, at: key) { values[key] = value }
        }
        return values
    }

    /// `GET /accounts/export.csv`: the whole filtered list, streamed in keyset batches.
    static func export(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountsExport]), permission: .accountsExport)
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        let parsed = AccountListQuery.parse(queryValues(request), choices: nil)
        if let message = parsed.errors.sorted(by: { $0.key < $1.key }).first.map({ "\($0.key): \($0.value)" }) {
            throw PortalError.badRequest("The export's filter is not valid. \(message)")
        }
        let filter = parsed.filter
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
            return try await request.redirect(to: SiteURL.account(uid: account.businessUID).path, notice: "Account “\(account.name)” created; the owner was emailed an invitation.")
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

    /// The list's filter from the query string, without the values that are not valid (the
    /// list itself shows those next to their controls).
    static func filter(from request: Request) throws -> AccountDirectory.Filter {
        AccountListQuery.parse(queryValues(request), choices: nil).filter
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

/// What the list's filters offer the reader: whether they see any group, and the partner's
/// plans. Kept a few seconds per reader like the counts (`Application.listChoices`).
struct ListChoices: Sendable {
    var hasGroups: Bool
    var plans: [String]
}

extension Application {
    private struct ListChoicesKey: StorageKey { typealias Value = PartnerCache<HeaderCounts.Key, ListChoices> }

    /// Set up by `configure`; a change on the partner's domain drops the partner's entries.
    var listChoices: PartnerCache<HeaderCounts.Key, ListChoices> {
        get {
            guard let cache = storage[ListChoicesKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[ListChoicesKey.self] = newValue }
    }
}
