import Fluent
import OpenAPIRuntime
import Vapor

extension APIService {
    func listGrants(_ input: Operations.ListGrants.Input) async throws -> Operations.ListGrants.Output {
        let request = try APIContext.current()
        let (target, _) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        return .ok(.init(body: .json(try await Self.grants(of: target, on: request.db))))
    }

    func replaceGrants(_ input: Operations.ReplaceGrants.Input) async throws -> Operations.ReplaceGrants.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        guard (1...50).contains(body.grants.count) else { throw PortalError.badRequest("grants: give 1 to 50 grants.") }
        let requested = try body.grants.map { item in
            let (kind, id) = try Self.parseScope(item.scope)
            return OperatorAdministration.RequestedGrant(role: item.role, scope: kind, scopeID: id)
        }
        let (target, actor) = try await Self.operatorTarget(input.path.operatorId, permission: .operatorsView, request: request)
        try await OperatorAdministration.replaceGrants(of: target, with: requested, by: actor, context: request.auditContext, on: request.db)
        return .ok(.init(body: .json(try await Self.grants(of: target, on: request.db))))
    }

    /// `all`, `assigned`, `group:<id>` or `account:<id>`.
    static func parseScope(_ raw: String) throws -> (Grant.ScopeKind, UUID?) {
        switch raw {
        case "all": return (.all, nil)
        case "assigned": return (.assigned, nil)
        default:
            let parts = raw.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Grant.ScopeKind(rawValue: parts[0]), kind == .group || kind == .account,
                  let id = UUID(uuidString: parts[1])
            else { throw PortalError.badRequest("scope: expected all, assigned, group:<id> or account:<id>, got '\(raw)'.") }
            return (kind, id)
        }
    }

    static func formatScope(_ grant: Grant) -> String {
        switch grant.scope {
        case .all, .assigned: grant.scope.rawValue
        case .group, .account: "\(grant.scope.rawValue):\(grant.scopeID?.uuidString.lowercased() ?? "")"
        }
    }

    static func operatorTarget(_ rawID: String, permission: Permission, request: Request) async throws -> (Operator, Actor) {
        let actor = try await request.actor()
        guard let target = try await Operator.query(on: request.db)
            .filter(\.$id == (try APIInput.pathID(rawID))).filter(\.$partner.$id == actor.partnerID).with(\.$grants).first()
        else { throw PortalError.notFound("No operator with this id.") }
        try request.enforce(AccessPolicy.decide(actor, permission, .operator(try await AccessLoader.facts(for: target, on: request.db))),
                            permission: permission)
        return (target, actor)
    }

    static func grants(of op: Operator, on db: any Database) async throws -> [Components.Schemas.GrantOut] {
        let roles = try await AccessLoader.roles(partnerID: op.$partner.id, on: db)
        return op.grants.map { grant in
            .init(role: grant.role, roleName: roles[grant.role]?.name ?? grant.role, scope: formatScope(grant))
        }
    }
}
