import Fluent
import OpenAPIRuntime
import SQLKit
import Vapor

extension APIService {
    func listOperators(_ input: Operations.ListOperators.Input) async throws -> Operations.ListOperators.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.operatorsView]), permission: .operatorsView)
        if (input.query.q?.unicodeScalars.count ?? 0) > 200 { throw PortalError.badRequest("q: use at most 200 characters.") }
        if (input.query.role?.unicodeScalars.count ?? 0) > 100 { throw PortalError.badRequest("role: use at most 100 characters.") }
        let filter = OperatorDirectory.Filter(query: input.query.q ?? "", status: input.query.status.flatMap { Operator.Status(rawValue: $0.rawValue) },
                                              role: input.query.role, group: try input.query.group.map { raw in
                                                  guard let id = UUID(uuidString: raw) else { throw PortalError.badRequest("group: give a group id (a UUID).") }
                                                  return id
                                              })
        let listed = try await OperatorDirectory.list(filter, for: actor, on: request.db)
        return .ok(.init(body: .json(try await listed.asyncMap { try await Self.operatorOut($0, on: request.db) })))
    }

    func inviteOperator(_ input: Operations.InviteOperator.Input) async throws -> Operations.InviteOperator.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["phone"], in: request)
        guard (1...50).contains(body.grants.count) else { throw PortalError.badRequest("grants: give 1 to 50 grants.") }
        let grants = try body.grants.map { item in
            let (kind, id) = try Self.parseScope(item.scope)
            return OperatorAdministration.RequestedGrant(role: item.role, scope: kind, scopeID: id)
        }
        do {
            let op = try await OperatorInvitations.invite(
                .init(name: body.name, email: body.email, phone: body.phone, grants: grants),
                by: try await request.actor(), context: request.auditContext, partner: try request.partner, baseURL: request.baseURL, on: request.db)
            return .created(.init(body: .json(try await Self.operatorOut(op, on: request.db))))
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
    }

    func getOperator(_ input: Operations.GetOperator.Input) async throws -> Operations.GetOperator.Output {
        let request = try APIContext.current()
        let (target, _) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        return .ok(.init(body: .json(try await Self.operatorOut(target, on: request.db))))
    }

    func updateOperator(_ input: Operations.UpdateOperator.Input) async throws -> Operations.UpdateOperator.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name", "email", "notifications"], in: request)
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        if let notifications = body.notifications {
            guard Set(notifications.categories).count == notifications.categories.count else {
                throw PortalError.badRequest("notifications.categories: list each category once.")
            }
            try await OperatorAdministration.setNotifications(
                of: target, to: NotificationPreferences(form: notifications.frequency.rawValue, categories: notifications.categories.map(\.rawValue)),
                by: actor, context: request.auditContext, on: request.db)
        }
        let change = OperatorAdministration.ProfileChange(
            name: body.name, email: body.email,
            phone: APIContext.hasNull("phone", in: request) ? .some(nil) : body.phone.map { .some($0) })
        do {
            try await OperatorAdministration.edit(target, change, by: actor, through: .operatorsAPI, context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
        return .ok(.init(body: .json(try await Self.operatorOut(target, on: request.db))))
    }

    func removeOperator(_ input: Operations.RemoveOperator.Input) async throws -> Operations.RemoveOperator.Output {
        let request = try APIContext.current()
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorAdministration.remove(target, by: actor, context: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    func blockOperator(_ input: Operations.BlockOperator.Input) async throws -> Operations.BlockOperator.Output {
        let request = try APIContext.current()
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorAdministration.block(target, by: actor, context: request.auditContext, on: request.db)
        return .ok(.init(body: .json(try await Self.operatorOut(target, on: request.db))))
    }

    func unblockOperator(_ input: Operations.UnblockOperator.Input) async throws -> Operations.UnblockOperator.Output {
        let request = try APIContext.current()
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorAdministration.unblock(target, by: actor, context: request.auditContext, on: request.db)
        return .ok(.init(body: .json(try await Self.operatorOut(target, on: request.db))))
    }

    func resendInvite(_ input: Operations.ResendInvite.Input) async throws -> Operations.ResendInvite.Output {
        let request = try APIContext.current()
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorInvitations.resend(to: target, by: actor, context: request.auditContext, partner: try request.partner,
                                             baseURL: request.baseURL, on: request.db)
        return .noContent(.init())
    }

    func resetOperatorPassword(_ input: Operations.ResetOperatorPassword.Input) async throws -> Operations.ResetOperatorPassword.Output {
        let request = try APIContext.current()
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorInvitations.resetPassword(of: target, by: actor, context: request.auditContext, partner: try request.partner,
                                                    baseURL: request.baseURL, on: request.db)
        return .noContent(.init())
    }

    func loginAsOperator(_ input: Operations.LoginAsOperator.Input) async throws -> Operations.LoginAsOperator.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        try Impersonation.refuseNesting(signedIn)
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["reason"], in: request)
        let reason = body.reason
        let partner = try request.partner
        try Self.refuseMissingReason(reason, partner: partner)
        do {
            let cleaned = try await Impersonation.authorize(target: target, by: actor, signedIn: signedIn, reason: reason, partner: partner, on: request.db)
            let (token, expiry) = try await Impersonation.startToken(target: target, by: signedIn, reason: cleaned, partner: partner,
                                                                     context: request.auditContext, on: request.db)
            return .created(.init(body: .json(.init(token: token.value, expiresAt: expiry, _operator: try await Self.operatorOut(target, on: request.db)))))
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
    }

    func resetOperatorSecondFactor(_ input: Operations.ResetOperatorSecondFactor.Input) async throws -> Operations.ResetOperatorSecondFactor.Output {
        let request = try APIContext.current()
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorAdministration.resetSecondFactor(of: target, by: actor, context: request.auditContext, partner: try request.partner, on: request.db)
        return .noContent(.init())
    }

    func signOutAs(_ input: Operations.SignOutAs.Input) async throws -> Operations.SignOutAs.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        guard signedIn.impersonator != nil, case .apiToken(let tokenID) = signedIn.credential else {
            throw PortalError(status: .conflict, title: "Not logged in as anyone", detail: "This token is not a login as another operator.")
        }
        try await Impersonation.endToken(tokenID, why: "signed out as", ip: request.clientIP, on: request.db)
        return .noContent(.init())
    }

    static func operatorOut(_ op: Operator, on db: any Database) async throws -> Components.Schemas.Operator {
        .init(id: try op.requireID().uuidString.lowercased(), name: op.name, email: op.email, phone: op.phone,
              status: .init(rawValue: op.status.rawValue) ?? .blocked, lastLoginAt: op.lastLoginAt,
              grants: try await grants(of: op, on: db),
              notifications: .init(frequency: .init(rawValue: op.notificationPreferences.frequency.rawValue) ?? .daily,
                                   categories: NotificationPreferences.Category.allCases.filter(op.notificationPreferences.categories.contains)
                                       .compactMap { .init(rawValue: $0.rawValue) }))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

extension Request {
    /// The address for links in emails and scripts ("https://portal.partner.com"): the
    /// partner's domain the request came in on; PUBLIC_URL when the host is not one of the
    /// partner's registered domains and PUBLIC_URL is set; else the host (PartnerMiddleware
    /// has checked it is only a host name and a port).
    var baseURL: String {
        if !hostIsRegistered, let configured = application.portalConfig.publicURL?.nilIfEmpty {
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        let host = headers.first(name: .host).flatMap(PartnerMiddleware.validHostHeader) ?? "localhost"
        return (isSecureTransport ? "https://" : "http://") + host
    }
}

/// Finding operators: the list the caller may see, with filters.
enum OperatorDirectory {
    struct Filter: Sendable {
        var query: String = ""
        var status: Operator.Status?
        var role: String?
        /// Operators with a grant on this group or on one beneath it.
        var group: UUID?
    }

    /// One page of the list, with how many match in all.
    struct Page: Sendable {
        let operators: [Operator]
        let total: Int
        /// 1-based, within 1...pages.
        let number: Int
        let pages: Int
        /// The position of the first operator shown (1-based).
        var first: Int { (number - 1) * OperatorDirectory.pageSize + 1 }
    }

    static let pageSize = 50

    /// Operators of the actor's partner that the policy lets them view (`OperatorVisibility`,
    /// decided by the database), by name.
    static func list(_ filter: Filter, for actor: Actor, on db: any Database) async throws -> [Operator] {
        try await load(try await matching(filter, for: actor, on: db), partnerID: actor.partnerID, on: db)
    }

    /// Page `number` of the same list (the last page when it is past the end).
    static func page(_ filter: Filter, number: Int, for actor: Actor, on db: any Database) async throws -> Page {
        let ids = try await matching(filter, for: actor, on: db)
        let pages = max(1, (ids.count + pageSize - 1) / pageSize)
        let number = min(max(number, 1), pages)
        let shown = Array(ids.dropFirst((number - 1) * pageSize).prefix(pageSize))
        return Page(operators: try await load(shown, partnerID: actor.partnerID, on: db), total: ids.count, number: number, pages: pages)
    }

    /// The operators the actor may view, by name: ids and names only (a filter's choices).
    static func names(for actor: Actor, on db: any Database) async throws -> [(id: UUID, name: String)] {
        try await db.sql.select().column("id").column("name").from(Operator.schema)
            .where("partner_id", .equal, actor.partnerID)
            .where(OperatorVisibility.condition(for: actor, column: "id"))
            .orderBy("name").orderBy("id").all()
            .map { (id: try $0.decode(column: "id", as: UUID.self), name: try $0.decode(column: "name", as: String.self)) }
    }

    /// How many operators the actor may view, by status: one grouped count.
    static func counts(for actor: Actor, on db: any Database) async throws -> [Operator.Status: Int] {
        let rows = try await db.sql.select().column("status").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Operator.schema)
            .where("partner_id", .equal, actor.partnerID)
            .where(OperatorVisibility.condition(for: actor, column: "id"))
            .groupBy("status").all()
        var counts: [Operator.Status: Int] = [:]
        for row in rows {
            guard let status = Operator.Status(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
            counts[status] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }

    /// The ids of the operators the filter matches, by name: status, role and group decided by
    /// the database, the words of the search over the names and emails read (a few columns a
    /// row, no grants).
    private static func matching(_ filter: Filter, for actor: Actor, on db: any Database) async throws -> [UUID] {
        let sql = try db.sql
        var select = sql.select().column("id").column("name").column("email").from(Operator.schema)
            .where("partner_id", .equal, actor.partnerID)
            .where(OperatorVisibility.condition(for: actor, column: "id"))
        if let status = filter.status { select = select.where("status", .equal, status.rawValue) }
        if let role = filter.role, !role.isEmpty {
            select = select.where(SQLQueryString("""
                EXISTS (SELECT 1 FROM grants fg WHERE fg.partner_id = \(bind: actor.partnerID) AND fg.operator_id = operators.id AND fg.role = \(bind: role))
                """))
        }
        if let group = filter.group {
            select = select.where(SQLQueryString("""
                EXISTS (SELECT 1 FROM grants fg WHERE fg.partner_id = \(bind: actor.partnerID) AND fg.operator_id = operators.id \
                AND fg.scope = \(bind: Grant.ScopeKind.group.rawValue) AND fg.scope_id IN \(GroupSubtree.ids(of: group, partnerID: actor.partnerID)))
                """))
        }
        let needle = filter.query.trimmingCharacters(in: .whitespaces).lowercased()
        var ids: [UUID] = []
        for row in try await select.orderBy("name").orderBy("id").all() {
            if !needle.isEmpty {
                let name = try row.decode(column: "name", as: String.self), email = try row.decode(column: "email", as: String.self)
                if !name.lowercased().contains(needle), !email.contains(needle) { continue }
            }
            ids.append(try row.decode(column: "id", as: UUID.self))
        }
        return ids
    }

    /// The operators with their grants, in the order of `ids`.
    private static func load(_ ids: [UUID], partnerID: UUID, on db: any Database) async throws -> [Operator] {
        guard !ids.isEmpty else { return [] }
        var loaded: [UUID: Operator] = [:]
        // Bounded IN lists: SQLite takes at most 32,766 parameters a statement.
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let chunk = Array(ids[start..<min(start + 1_000, ids.count)])
            for op in try await Operator.query(on: db).filter(\.$partner.$id == partnerID).filter(\.$id ~~ chunk).with(\.$grants).all() {
                if let id = op.id { loaded[id] = op }
            }
        }
        return ids.compactMap { loaded[$0] }
    }
}
