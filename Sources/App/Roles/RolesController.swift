import Fluent
import Vapor

/// The Roles & permissions pages: the matrix, its CSV, and the custom role editor.
enum RolesController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await APIService.authorizeRoleReading(request)
        let roles = try await RoleService.all(partnerID: actor.partnerID, on: request.db)
        let mayManage = AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)).isAllowed
        let usage = try await usageCounts(partnerID: actor.partnerID, on: request.db)
        let model = RolesView.Model(
            roles: roles.map { role in
                .init(id: role.id, name: role.name, description: role.description, isBuiltIn: role.isBuiltIn,
                      secureClearance: role.secureClearance, permissions: role.permissions, whileInSetup: role.whileInSetup,
                      holders: usage[role.id] ?? 0)
            },
            mayManage: mayManage,
            notice: await request.takeNotice()
        )
        return await request.page("Roles & permissions", current: .roles, content: RolesView.render(model, csrfToken: request.csrfToken))
    }

    static func csv(_ request: Request) async throws -> Response {
        let actor = try await APIService.authorizeRoleReading(request)
        let csv = RoleService.matrixCSV(try await RoleService.all(partnerID: actor.partnerID, on: request.db))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"roles-matrix.csv\"")
        return Response(status: .ok, headers: headers, body: .init(string: csv))
    }

    static func new(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)), permission: .rolesManage)
        var form = RoleEditorView.Model(roleID: nil, name: "", description: "", permissions: [], secureClearance: false, error: nil)
        if let from = try? request.query.get(String.self, at: "from"),
           let source = try await RoleService.find(from, partnerID: actor.partnerID, on: request.db) {
            form.name = "Copy of " + source.name
            form.description = source.description
            // A clone holds the in-setup permissions outright; the editor shows them ticked.
            form.permissions = source.allPermissions
            form.secureClearance = source.secureClearance
        }
        return await editor(request, form)
    }

    static func create(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let form = try RoleEditorView.Model(decoding: request, roleID: nil)
        do {
            let role = try await RoleService.create(form.input, by: actor, in: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.roles.path, notice: "Role “\(role.name)” created.")
        } catch let error as PortalError where error.status != .forbidden {
            return await editor(request, form.with(error: error.detail), status: error.status)
        }
    }

    static func edit(_ request: Request) async throws -> Response {
        let (actor, role) = try await customRole(request)
        try request.enforce(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)), permission: .rolesManage)
        return await editor(request, .init(roleID: role.id?.uuidString.lowercased(), name: role.name, description: role.description,
                                           permissions: role.permissions, secureClearance: role.secureClearance, error: nil))
    }

    static func update(_ request: Request) async throws -> Response {
        let (actor, role) = try await customRole(request)
        let form = try RoleEditorView.Model(decoding: request, roleID: role.id?.uuidString.lowercased())
        do {
            try await RoleService.update(role, with: form.input, by: actor, in: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.roles.path, notice: "Role “\(role.name)” changed: its holders have the new permissions now.")
        } catch let error as PortalError where error.status != .forbidden {
            return await editor(request, form.with(error: error.detail), status: error.status)
        }
    }

    static func delete(_ request: Request) async throws -> Response {
        let (actor, role) = try await customRole(request)
        try await RoleService.delete(role, by: actor, in: request.auditContext, on: request.db)
        return try await request.redirect(to: SiteURL.roles.path, notice: "Role “\(role.name)” deleted.")
    }

    /// The custom role named in the path, for this partner. Built-in roles are not editable.
    private static func customRole(_ request: Request) async throws -> (Actor, CustomRole) {
        let actor = try await request.actor()
        let id = request.parameters.get("roleId") ?? ""
        if BuiltInRole.named(id) != nil {
            throw PortalError(status: .conflict, title: "Built-in role", detail: "Built-in roles cannot be edited or deleted. Clone it instead.")
        }
        guard let role = try await RoleService.custom(id, partnerID: actor.partnerID, on: request.db) else { throw PortalError.notFound() }
        return (actor, role)
    }

    private static func editor(_ request: Request, _ form: RoleEditorView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page(form.title, status: status, current: .roles, content: RoleEditorView.render(form, csrfToken: request.csrfToken))
    }

    /// How many grants use each role, by role id.
    private static func usageCounts(partnerID: UUID, on db: any Database) async throws -> [String: Int] {
        let grants = try await Grant.query(on: db).filter(\.$partnerID == partnerID).field(\.$role).all()
        return grants.reduce(into: [:]) { counts, grant in counts[grant.role, default: 0] += 1 }
    }
}

extension Request {
    /// The CSRF token for this request's forms: the session's when signed in.
    var csrfToken: String { signedIn?.csrfToken ?? anonymousCSRFToken }
}
