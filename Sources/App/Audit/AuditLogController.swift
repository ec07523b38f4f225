import Fluent
import Vapor

/// `/audit`: the partner-wide audit log with filters, and `/audit/export.csv`.
enum AuditLogController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.auditView]), permission: .auditView)
        let (filter, typed, errors) = try await Self.filter(from: request, partnerID: actor.partnerID)
        let after = (try? request.query.get(String.self, at: "after")).flatMap(UUID.init(uuidString:))
        let page = try await AuditLog.page(filter, for: actor, after: after, on: request.db)
        // The filter names only operators the reader may view (and themselves): a
        // group-scoped reader does not learn the rest of the partner's staff from it.
        var operators = try await OperatorDirectory.names(for: actor, on: request.db)
        if !operators.contains(where: { $0.id == actor.operatorID }),
           let me = try await Operator.query(on: request.db).filter(\.$id == actor.operatorID).filter(\.$partner.$id == actor.partnerID).first() {
            operators = (operators + [(id: actor.operatorID, name: me.name)]).sorted { $0.name.lowercased() < $1.name.lowercased() }
        }
        let db = request.db
        let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
        let model = AuditLogView.Model(
            entries: page.entries, next: page.next, isFirstPage: after == nil, typed: typed, errors: errors,
            operators: operators.map { .init(id: $0.id.uuidString.lowercased(), label: $0.name) },
            accountLinks: try await accountLinks(page.entries, partnerID: actor.partnerID, on: request.db),
            mayExport: AccessPolicy.decideAnywhere(actor, [.auditView]).isAllowed,
            names: try await groupNames(for: actor, paths: paths, on: request.db),
            chain: AccessPolicy.mayReadAuditChain(actor).isAllowed ? try await chain(partnerID: actor.partnerID, request: request) : nil)
        return await request.page("Audit log", status: errors.isEmpty ? .ok : .unprocessableEntity, current: .audit, content: AuditLogView.render(model))
    }

    static func export(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.auditView]), permission: .auditView)
        let (filter, _, errors) = try await Self.filter(from: request, partnerID: actor.partnerID)
        guard errors.isEmpty else { throw PortalError.badRequest(errors.summary) }
        let db = request.db
        let response = Response(status: .ok, body: .init(managedAsyncStream: { writer in
            try await AuditLog.exportCSV(filter, for: actor, on: db) { try await writer.writeBuffer(ByteBuffer(string: $0)) }
        }))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"audit-log.csv\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The names of the groups the reader may see, by id, for details that name a group by
    /// its id (a grant's scope); a group out of the reader's reach stays unnamed.
    static func groupNames(for actor: Actor, paths: GroupPaths, on db: any Database) async throws -> [String: String] {
        let reached = try await GroupVisibility.ids(for: actor, on: db.sql)
        return Dictionary(paths.options.filter { UUID(uuidString: $0.id).map(reached.contains) ?? false }.map { ($0.id, $0.label) },
                          uniquingKeysWith: { first, _ in first })
    }

    /// The partner's signed head and the last verification's result.
    private static func chain(partnerID: UUID, request: Request) async throws -> AuditLogView.Chain? {
        guard let stored = try await AuditChain.readStoredHead(partnerID: partnerID, on: request.db.sql), stored.head.seq > 0 else { return nil }
        return AuditLogView.Chain(seq: stored.head.seq, hash: stored.head.hash, signature: stored.signature,
                                  publicKey: try AuditChain.Signer(request.application.secrets()).publicKey, sealedAt: stored.sealedAt,
                                  verifiedAt: stored.verifiedAt, verifiedThrough: stored.verifiedThrough, problem: stored.problem)
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
