import Fluent
import Vapor

/// `POST /accounts/bulk` (the accounts list's bulk control) and `GET /accounts/bulk/{id}` (a
/// bulk change's progress). Small selections are changed in the request; larger ones and
/// every "all matching" are queued for the `bulk-operations` job.
enum BulkController {
    /// What the bulk form sent, read field by field so that a malformed field keeps the others.
    static func form(from request: Request) -> (form: BulkView.Form, pageUIDs: [String]) {
        func text(_ key: String) -> String { (try? request.content.get(String.self, at: key)) ?? "" }
        func list(_ key: String) -> [String] {
            let values = (try? request.content.get([String].self, at: key)) ?? (try? request.content.get(String.self, at: key)).map { [$0] } ?? []
            // The page's accounts come as one field, separated by spaces. A Business UID is short
            // and plain; anything else names no account.
            return values.prefix(BulkActions.maxListed + 1)
                .flatMap { $0.split(separator: " ", maxSplits: BulkActions.maxListed + 1, omittingEmptySubsequences: true) }
                .map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0.unicodeScalars.count <= 64 && !DisplayText.hasControl($0) }
        }
        var form = BulkView.Form()
        form.action = String(text("action").prefix(40))
        form.tag = String(text("tag").prefix(200))
        form.operatorID = String(text("operator").prefix(64))
        form.group = String(text("group").prefix(64))
        form.matching = text("scope") == "matching"
        form.pageAll = text("page_all") == "1"
        form.selected = Set(list("accounts").prefix(BulkActions.maxListed + 1))
        return (form, Array(list("on_page").prefix(BulkActions.maxListed + 1)))
    }

    static func bulk(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, BulkAction.permissions), permission: .accountTagsEdit)
        let (form, pageUIDs) = form(from: request)
        var filter = try AccountsController.filter(from: request)
        filter.namesOnly = !AccessPolicy.readsAccountDetails(actor)
        var errors = OperatorInput.Errors()
        if form.matching, !filterIsValid(request) {
            // The filter without its bad value would match more than the list showed.
            errors.fields["accounts"] = "Correct the filter before changing all the accounts it matches."
        }
        var change: BulkChange?
        switch try await BulkOperations.change(action: form.action, tag: form.tag, operatorID: form.operatorID, group: form.group,
                                               actor: actor, on: request.db) {
        case .success(let value):
            try request.enforce(AccessPolicy.decideAnywhere(actor, [value.action.permission]), permission: value.action.permission)
            change = value
        case .failure(let found): errors = found
        }
        let uids = Array(form.selected.union(form.pageAll ? Set(pageUIDs) : [])).sorted()
        var count = uids.count
        if form.matching, errors["accounts"] == nil {
            count = try await BulkActions.countMatching(filter, for: actor, now: Date(), on: request.db)
            if count == 0 { errors.fields["accounts"] = "No account matches this filter." }
        } else if uids.isEmpty {
            errors.fields["accounts"] = "Tick one or more accounts, or choose all matching this filter."
        } else if uids.count > BulkActions.maxListed {
            errors.fields["accounts"] = "Tick at most \(BulkText.number(BulkActions.maxListed)) accounts, or choose all matching this filter."
        }
        // The operator or the group left out, or a search among them: the step that lists them all.
        let step = (try? request.content.get(String.self, at: "step")) ?? ""
        let action = BulkAction(rawValue: form.action)
        let asks: BulkView.Choose.Field? = switch action {
        case .assign, .unassign: .operator
        case .move: .group
        default: nil
        }
        if let action, let asks, step == "find" || form[keyPath: asks.formValue].isEmpty,
           errors.fields.keys.allSatisfy({ $0 == asks.rawValue }) {
            try request.enforce(AccessPolicy.decideAnywhere(actor, [action.permission]), permission: action.permission)
            return try await choose(request, form, pageUIDs: pageUIDs, filter: filter, field: asks, actor: actor,
                                    error: step == "chosen" && form[keyPath: asks.formValue].isEmpty ? errors[asks.rawValue] : nil)
        }
        guard errors.isEmpty, let change else { return try await rejected(request, form, errors) }
        let back = SiteURL.accounts.path + AccountsView.query(filter)
        if change.action == .lock, !request.isConfirmed {
            return await request.page("Lock \(BulkText.accounts(count))?", current: .accounts, content: BulkView.confirmLock(
                .init(count: count, matching: form.matching, query: AccountsView.query(filter), form: form, pageUIDs: form.pageAll ? pageUIDs : []),
                csrfToken: request.csrfToken))
        }
        if !form.matching, uids.count <= BulkActions.inRequestLimit {
            let tally = try await BulkActions.apply(change, toAccountsNamed: uids, by: actor, context: request.auditContext,
                                                    logger: request.logger, on: request.db)
            return try await request.redirect(to: back, notice: change.summary(tally))
        }
        if let refusal = AccessPolicy.refusesBackgroundChange(loggedInAsBy: request.auditContext.actor.impersonator) {
            request.logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "reason": "background bulk change while logged in as"])
            errors.fields["accounts"] = refusal
            return try await rejected(request, form, errors)
        }
        guard try await BulkOperations.unfinished(for: actor, on: request.db) < BulkActions.maxRunning else {
            errors.fields["accounts"] = "You have \(BulkActions.maxRunning) bulk changes under way: start this one when one of them has ended."
            return try await rejected(request, form, errors)
        }
        let operation = try await BulkOperations.start(change, on: form.matching ? .matching(filter) : .accounts(uids), by: actor,
                                                       context: request.auditContext, on: request.db)
        return try await request.redirect(to: back, notice: change.started(operation.total) + " Its progress is shown above the list.")
    }

    private static func filterIsValid(_ request: Request) -> Bool {
        var values: [String: String] = [:]
        for key in AccountListQuery.keys {
            if let value = try? request.query.get(String.self, at: key) { values[key] = value }
        }
        return AccountListQuery.parse(values, choices: nil).isValid
    }

    /// The list again, with the form as it was sent and the errors next to the bulk control.
    private static func rejected(_ request: Request, _ form: BulkView.Form, _ errors: OperatorInput.Errors) async throws -> Response {
        request.storage[KeptForm.self] = .init(form: form, errors: errors)
        let response = try await AccountsController.index(request)
        response.status = .unprocessableEntity
        return response
    }

    private struct KeptForm: StorageKey {
        typealias Value = KeptForm
        let form: BulkView.Form
        let errors: OperatorInput.Errors
    }

    /// The bulk control for the list: the actions the operator may take, the choices they
    /// need, their own bulk changes under way, and the form as sent when it came back.
    static func toolbar(for request: Request, actor: Actor) async throws -> BulkView.Toolbar {
        let actions = BulkAction.offered(to: actor)
        guard !actions.isEmpty else { return BulkView.Toolbar(actions: []) }
        let kept = request.storage[KeptForm.self]
        var toolbar = BulkView.Toolbar(actions: actions, form: kept?.form ?? .init(), errors: kept?.errors ?? .init(),
                                       operations: try await BulkOperations.recent(for: actor, on: request.db).map(BulkView.line))
        // Only the operator and the group the kept form names are looked up: the type-aheads
        // and the choose step offer the others.
        let sql = try request.db.sql
        if let id = UUID(uuidString: toolbar.form.operatorID), let found = try await AssigneeChoices.find(id, partnerID: actor.partnerID, on: sql) {
            toolbar.chosenOperator = .init(found)
        }
        if toolbar.form.group == BulkChange.noGroup {
            toolbar.chosenGroup = GroupSuggestionsController.topLevel
        } else if let id = UUID(uuidString: toolbar.form.group), try await GroupChoices.isVisible(id, to: actor, on: sql) {
            let db = request.db
            let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
            toolbar.chosenGroup = paths.label(of: id).map { .init(value: id.uuidString.lowercased(), label: $0) }
        }
        return toolbar
    }

    /// The step that asks for the operator or the group the form left out (the bar's
    /// type-ahead needs a script): every choice as a radio, narrowed by a find box that posts
    /// the same form again.
    private static func choose(_ request: Request, _ form: BulkView.Form, pageUIDs: [String], filter: AccountDirectory.Filter,
                               field: BulkView.Choose.Field, actor: Actor, error: String?) async throws -> Response {
        let rawFind = (try? request.content.get(String.self, at: "find")) ?? ""
        var find = "", findError: String?, all: [FilterPicker.Chosen] = []
        let sql = try request.db.sql
        switch FilterChoice.term(rawFind) {
        case .success(let term):
            find = term
            switch field {
            case .operator:
                all = try await AssigneeChoices.matching(term, partnerID: actor.partnerID, on: sql).map(FilterPicker.Chosen.init)
            case .group:
                let db = request.db
                let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
                let top = GroupSuggestionsController.topLevel
                all = (FilterChoice.label(top.label, holds: FilterChoice.words(term)) ? [top] : [])
                    + (try await GroupChoices.matching(term, for: actor, paths: paths, on: sql).map(FilterPicker.Chosen.init))
            }
        case .failure(let problem):
            find = String(rawFind.prefix(200))
            findError = String(problem.detail.dropFirst("q: ".count))
        }
        let model = BulkView.Choose(field: field, form: form, pageUIDs: form.pageAll ? pageUIDs : [], query: AccountsView.query(filter),
                                    find: find, findError: findError, error: error, choices: Array(all.prefix(BulkView.Choose.limit)), total: all.count)
        return await request.page(field.title, status: findError == nil && error == nil ? .ok : .unprocessableEntity, current: .accounts,
                                  content: BulkView.choose(model, csrfToken: request.csrfToken))
    }

    /// `GET /accounts/bulk/{id}`: only the operator who started it finds it.
    static func progress(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, BulkAction.permissions), permission: .accountTagsEdit)
        guard let id = request.parameters.get("operationId").flatMap(UUID.init(uuidString:)),
              let operation = try await BulkOperations.find(id, for: actor, on: request.db)
        else { throw PortalError.notFound() }
        let model = BulkView.Progress(
            id: id.uuidString.lowercased(), title: operation.change.title, state: operation.state, total: operation.total, done: operation.done, refused: operation.refused,
            summary: operation.isFinished ? (operation.error ?? operation.change.summary(operation.tally)) : nil,
            startedAt: operation.createdAt, finishedAt: operation.finishedAt,
            refreshes: (try? request.query.get(String.self, at: "refresh")) != "off")
        return await request.page(model.title, current: .accounts, content: BulkView.progress(model))
    }
}
