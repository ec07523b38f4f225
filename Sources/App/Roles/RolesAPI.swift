import Fluent
import OpenAPIRuntime
import Vapor

extension APIService {
    /// Reading roles: anyone who manages roles, or views or invites operators (they pick roles).
    static func authorizeRoleReading(_ request: Request) async throws -> Actor {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayReadRoles(actor))
        return actor
    }

    func listRoles(_ input: Operations.ListRoles.Input) async throws -> Operations.ListRoles.Output {
        let request = try APIContext.current()
        let actor = try await Self.authorizeRoleReading(request)
        return .ok(.init(body: .json(try await RoleService.all(partnerID: actor.partnerID, on: request.db).map(Self.role))))
    }

    func getRolesMatrix(_ input: Operations.GetRolesMatrix.Input) async throws -> Operations.GetRolesMatrix.Output {
        let request = try APIContext.current()
        let actor = try await Self.authorizeRoleReading(request)
        let csv = RoleService.matrixCSV(try await RoleService.all(partnerID: actor.partnerID, on: request.db))
        return .ok(.init(body: .csv(HTTPBody(csv))))
    }

    func getRole(_ input: Operations.GetRole.Input) async throws -> Operations.GetRole.Output {
        let request = try APIContext.current()
        let actor = try await Self.authorizeRoleReading(request)
        guard let role = try await RoleService.find(input.path.roleId, partnerID: actor.partnerID, on: request.db) else {
            throw PortalError.notFound("No role with this id.")
        }
        return .ok(.init(body: .json(Self.role(role))))
    }

    func createRole(_ input: Operations.CreateRole.Input) async throws -> Operations.CreateRole.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["description", "secureClearance"], in: request)
        let actor = try await request.actor()
        let roleInput = RoleService.Input(
            // As sent: RoleService checks the length and control characters before it trims.
            name: body.name,
            description: try APIInput.text(body.description ?? "", field: "description", maxLength: 500),
            permissions: try Self.permissions(body.permissions), secureClearance: body.secureClearance ?? false)
        let role = try await RoleService.create(roleInput, by: actor, in: request.auditContext, on: request.db)
        let definition = role.definition
        return .created(.init(body: .json(Self.role(definition))))
    }

    func updateRole(_ input: Operations.UpdateRole.Input) async throws -> Operations.UpdateRole.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name", "description", "permissions", "secureClearance"], in: request)
        let actor = try await request.actor()
        if BuiltInRole.named(input.path.roleId) != nil {
            try request.enforce(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)), permission: .rolesManage)
            throw PortalError(status: .conflict, title: "Built-in role", detail: "Built-in roles cannot be edited. Clone it into a custom role instead.")
        }
        guard let role = try await RoleService.custom(input.path.roleId, partnerID: actor.partnerID, on: request.db) else {
            throw PortalError.notFound("No role with this id.")
        }
        let change = RoleService.Input(
            name: body.name ?? role.name,
            description: try body.description.map { try APIInput.text($0, field: "description", maxLength: 500) } ?? role.description,
            permissions: try body.permissions.map(Self.permissions) ?? role.permissions,
            secureClearance: body.secureClearance ?? role.secureClearance)
        try await RoleService.update(role, with: change, by: actor, in: request.auditContext, on: request.db)
        return .ok(.init(body: .json(Self.role(role.definition))))
    }

    func deleteRole(_ input: Operations.DeleteRole.Input) async throws -> Operations.DeleteRole.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        if BuiltInRole.named(input.path.roleId) != nil {
            try request.enforce(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)), permission: .rolesManage)
            throw PortalError(status: .conflict, title: "Built-in role", detail: "Built-in roles cannot be deleted.")
        }
        guard let role = try await RoleService.custom(input.path.roleId, partnerID: actor.partnerID, on: request.db) else {
            throw PortalError.notFound("No role with this id.")
        }
        try await RoleService.delete(role, by: actor, in: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    static func permissions(_ list: [Components.Schemas.Permission]) throws -> Set<Permission> {
        guard list.count <= 100 else { throw PortalError.badRequest("permissions: at most 100 items.") }
        return Set(list.compactMap { Permission(rawValue: $0.rawValue) })
    }

    static func role(_ role: RoleDefinition) -> Components.Schemas.Role {
        .init(id: role.id, name: role.name, description: role.description, builtIn: role.isBuiltIn,
              secureClearance: role.secureClearance,
              permissions: role.permissions.sorted().map(Components.Schemas.Permission.init),
              whileInSetup: role.whileInSetup.sorted().map(Components.Schemas.Permission.init))
    }
}
