import Fluent
import Plot
import Vapor

/// `/audit`: the partner-wide audit log with filters, and `/audit/export.csv`.
enum AuditLogController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.auditView]), permission: .auditView)
        let (filter, typed, errors) = try await Self.filter(from: request, partnerID: actor.partnerID)
        let after = (try? request.query.get(String.self, at: "after")).flatMap(UUID.init(uuidString:))
        let page = try await AuditLog.page(filter, partnerID: actor.partnerID, after: after, on: request.db)
        let operators = try await Operator.query(on: request.db).filter(\.$partner.$id == actor.partnerID).sort(\.$name).all()
        let model = AuditLogView.Model(
            entries: page.entries, next: page.next, isFirstPage: after == nil, typed: typed, errors: errors,
            operators: operators.compactMap { op in op.id.map { .init(id: $0.uuidString.lowercased(), label: op.name) } },
            accountLinks: try await accountLinks(page.entries, partnerID: actor.partnerID, on: request.db),
            mayExport: AccessPolicy.decideAnywhere(actor, [.auditView]).isAllowed)
        return await request.page("Audit log", status: errors.isEmpty ? .ok : .unprocessableEntity, current: .audit, content: AuditLogView.render(model))
    }

    static func export(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.auditView]), permission: .auditView)
        let (filter, _, errors) = try await Self.filter(from: request, partnerID: actor.partnerID)
        guard errors.isEmpty else { throw PortalError.badRequest(errors.summary) }
        let db = request.db, partnerID = actor.partnerID
        let response = Response(status: .ok, body: .init(managedAsyncStream: { writer in
            try await AuditLog.exportCSV(filter, partnerID: partnerID, on: db) { try await writer.writeBuffer(ByteBuffer(string: $0)) }
        }))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"audit-log.csv\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// Business UIDs of the accounts the entries are about, to link to them.
    private static func accountLinks(_ entries: [AuditEvent], partnerID: UUID, on db: any Database) async throws -> [String: String] {
        let ids = Set(entries.filter { $0.targetType == "account" }.compactMap { $0.targetID.flatMap(UUID.init(uuidString:)) })
        guard !ids.isEmpty else { return [:] }
        let accounts = try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$id ~~ Array(ids)).all()
        return Dictionary(uniqueKeysWithValues: accounts.compactMap { account in account.id.map { ($0.uuidString.lowercased(), account.businessUID) } })
    }

    /// The filter from the query string: `operator` (id), `account` (Business UID or
    /// nickname), `action`, `from` and `to` (dates, `YYYY-MM-DD`, in UTC; `to` is inclusive).
    static func filter(from request: Request, partnerID: UUID) async throws -> (AuditLog.Filter, [String: String], OperatorInput.Errors) {
        func text(_ key: String) -> String? { (try? request.query.get(String.self, at: key)).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        var filter = AuditLog.Filter()
        var typed: [String: String] = [:]
        var errors = OperatorInput.Errors()
        for key in ["operator", "account", "action", "from", "to"] { typed[key] = text(key) ?? "" }
        if let raw = text("operator") {
            if let id = UUID(uuidString: raw) { filter.operatorID = id } else { errors.fields["operator"] = "Choose an operator from the list." }
        }
        if let raw = text("account") {
            let key = raw.trimmingCharacters(in: .whitespaces)
            if let account = try await Account.query(on: request.db).filter(\.$partnerID == partnerID)
                .group(.or, { $0.filter(\.$businessUID == key).filter(\.$nickname == key.lowercased()) }).first() {
                filter.accountID = account.id
            } else {
                errors.fields["account"] = "No account has this Business UID or nickname."
            }
        }
        filter.action = text("action").map { String($0.prefix(AuditLog.maxActionLength)) }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if let raw = text("from") {
            if let date = day.date(from: raw) { filter.from = date } else { errors.fields["from"] = "Enter a date like 2026-01-31." }
        }
        if let raw = text("to") {
            if let date = day.date(from: raw) { filter.to = date.addingTimeInterval(86_400 - 0.001) } else { errors.fields["to"] = "Enter a date like 2026-01-31." }
        }
        if let from = filter.from, let to = filter.to, from > to { errors.fields["to"] = "The end date comes before the start date." }
        return (filter, typed, errors)
    }
}

enum AuditLogView {
    struct Model: Sendable {
        var entries: [AuditEvent]
        var next: UUID?
        var isFirstPage: Bool
        var typed: [String: String]
        var errors: OperatorInput.Errors
        var operators: [AccountsView.Option]
        var accountLinks: [String: String]
        var mayExport: Bool
    }

    static func query(_ typed: [String: String], after: UUID? = nil) -> String {
        var items = ["operator", "account", "action", "from", "to"].compactMap { key in typed[key].flatMap { $0.isEmpty ? nil : "\(key)=\($0.urlQueryEscaped)" } }
        if let after { items.append("after=\(after.uuidString.lowercased())") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    static func render(_ model: Model) -> Node<HTML.BodyContext> {
        func header(_ text: String) -> Node<HTML.TableRowContext> { .th(.attribute(named: "scope", value: "col"), .text(text)) }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Audit log")), .p(.text("Everything done in your portal, newest first."))),
                 .if(model.mayExport && model.errors.isEmpty,
                     .a(.class("button secondary"), .href((SiteURL.auditExport.path + query(model.typed)).attributeEscaped),
                        .attribute(named: "download", value: "audit-log.csv"), .text("Export CSV")))),
            .form(.class("card inline-form filters"), .method(.get), .action(SiteURL.audit.path), .novalidate(),
                  Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the filters marked below."),
                  .div(.class("field"), .label(.for("field-operator"), .text("Operator")),
                       .select(.id("field-operator"), .attribute(named: "name", value: "operator"),
                               .attribute(named: "aria-describedby", value: model.errors["operator"] == nil ? nil : "field-operator-error"),
                               Forms.option(value: "", label: "Anyone", selected: (model.typed["operator"] ?? "").isEmpty),
                               .forEach(model.operators) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.typed["operator"]) }),
                       .unwrap(model.errors["operator"]) { .div(.class("error"), .id("field-operator-error"), .text($0)) }),
                  Forms.field(.init(name: "account", label: "Account", value: model.typed["account"] ?? "", error: model.errors["account"],
                                    hint: "Business UID or nickname", autocomplete: "off", required: false)),
                  Forms.field(.init(name: "action", label: "Action", value: model.typed["action"] ?? "", error: model.errors["action"],
                                    hint: "Like account.lock, or account for all of them", autocomplete: "off", required: false)),
                  Forms.field(.init(name: "from", label: "From", type: .date, value: model.typed["from"] ?? "", error: model.errors["from"], required: false)),
                  Forms.field(.init(name: "to", label: "To", type: .date, value: model.typed["to"] ?? "", error: model.errors["to"], required: false)),
                  .button(.class("button secondary"), .type(.submit), .text("Filter"))),
            .if(model.entries.isEmpty,
                .div(.class("card empty"), .h2(.text("No entries match")), .p(.text("Change the filters."))),
                else: .div(.class("table-wrap"), .table(
                    .thead(.tr(header("When"), header("Who"), header("Action"), header("On"), header("Details"))),
                    .tbody(.forEach(model.entries) { entry in
                        let target: Node<HTML.BodyContext> = entry.targetType == "account"
                            ? .unwrap(entry.targetID.flatMap { model.accountLinks[$0] }, { uid in
                                .a(.href(SiteURL.account(uid: uid).path.attributeEscaped), .text(entry.targetLabel)) }, else: .text(entry.targetLabel))
                            : .text(entry.targetLabel)
                        return .tr(.td(.text(entry.at.formatted(date: .abbreviated, time: .standard))),
                                   .td(.text(entry.actorName), .unwrap(entry.impersonatorName) { .small(.text(" (\($0) logged in as them)")) }),
                                   .td(.element(named: "code", text: entry.action)),
                                   .td(target),
                                   .td(.text(entry.details), .unwrap(entry.ip.nilIfEmpty) { .small(.text(" · \($0)")) }))
                    })))),
            .div(.class("pager"),
                 .if(!model.isFirstPage, .a(.class("button secondary"), .href((SiteURL.audit.path + query(model.typed)).attributeEscaped), .text("Newest"))),
                 .unwrap(model.next) { next in
                     .a(.class("button secondary"), .attribute(named: "rel", value: "next"),
                        .href((SiteURL.audit.path + query(model.typed, after: next)).attributeEscaped), .text("Older entries"))
                 })
        )
    }
}
