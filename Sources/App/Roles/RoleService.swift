import Fluent
import Foundation

/// Custom roles: create, edit, clone, delete when unused. Built-in roles are read-only.
enum RoleService {
    struct Input: Sendable {
        var name: String
        var description: String
        var permissions: Set<Permission>
        var secureClearance: Bool
    }

    static func find(_ id: String, partnerID: UUID, on db: any Database) async throws -> RoleDefinition? {
        if let builtIn = BuiltInRole.named(id) { return RoleDefinition(builtIn: builtIn) }
        guard let custom = try await custom(id, partnerID: partnerID, on: db) else { return nil }
        return custom.definition
    }

    static func custom(_ id: String, partnerID: UUID, on db: any Database) async throws -> CustomRole? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        return try await CustomRole.query(on: db).filter(\.$id == uuid).filter(\.$partnerID == partnerID).first()
    }

    static func all(partnerID: UUID, on db: any Database) async throws -> [RoleDefinition] {
        let custom = try await CustomRole.query(on: db).filter(\.$partnerID == partnerID).sort(\.$name).all()
        return BuiltInRole.all.map(RoleDefinition.init(builtIn:)) + custom.map(\.definition)
    }

    static func create(_ input: Input, by actor: Actor, on db: any Database) async throws -> CustomRole {
        try authorize(input, by: actor)
        let name = try await validate(input, partnerID: actor.partnerID, excluding: nil, on: db)
        let role = CustomRole(partnerID: actor.partnerID, name: name, description: clean(input.description),
                              permissions: input.permissions, secureClearance: input.secureClearance)
        try await role.create(on: db)
        return role
    }

    static func update(_ role: CustomRole, with input: Input, by actor: Actor, on db: any Database) async throws {
        try authorize(input, by: actor)
        role.name = try await validate(input, partnerID: actor.partnerID, excluding: role.id, on: db)
        role.description = clean(input.description)
        role.permissions = input.permissions
        role.secureClearance = input.secureClearance
        try await role.update(on: db)
    }

    static func delete(_ role: CustomRole, by actor: Actor, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)))
        let holders = try await Grant.query(on: db).filter(\.$partnerID == actor.partnerID)
            .filter(\.$role == role.requireID().uuidString.lowercased()).count()
        guard holders == 0 else {
            throw PortalError(status: .conflict, title: "Role in use",
                              detail: "\(holders) grant\(holders == 1 ? "" : "s") still use “\(role.name)”. Change those operators' roles first.")
        }
        try await role.delete(on: db)
    }

    /// Managing roles needs roles.manage; a role may not carry more than its author holds.
    private static func authorize(_ input: Input, by actor: Actor) throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)))
        try OperatorAdministration.require(AccessPolicy.decideRoleContent(actor, permissions: input.permissions, clearance: input.secureClearance))
    }

    private static func validate(_ input: Input, partnerID: UUID, excluding: UUID?, on db: any Database) async throws -> String {
        guard let name = DisplayText.trimmed(input.name), input.name.unicodeScalars.count <= 100, !DisplayText.hasControl(input.name) else {
            throw PortalError.badRequest("name: use 1 to 100 characters.")
        }
        guard input.description.unicodeScalars.count <= 500 else { throw PortalError.badRequest("description: use at most 500 characters.") }
        if BuiltInRole.all.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            throw PortalError(status: .conflict, title: "Name taken", detail: "“\(name)” is a built-in role. Choose another name.")
        }
        var query = CustomRole.query(on: db).filter(\.$partnerID == partnerID).filter(\.$name == name)
        if let excluding { query = query.filter(\.$id != excluding) }
        if try await query.count() > 0 {
            throw PortalError(status: .conflict, title: "Name taken", detail: "A role named “\(name)” already exists.")
        }
        return name
    }

    private static func clean(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The roles matrix as CSV: one row per permission, one column per role.
    static func matrixCSV(_ roles: [RoleDefinition]) -> String {
        let field = CSV.field
        var lines = [(["permission", "description"] + roles.map(\.name)).map(field).joined(separator: ",")]
        lines.append((["secure clearance", ""] + roles.map { $0.secureClearance ? "yes" : "" }).map(field).joined(separator: ","))
        for permission in Permission.allCases {
            let cells = roles.map { role in
                role.permissions.contains(permission) ? "yes" : role.whileInSetup.contains(permission) ? "while in setup" : ""
            }
            lines.append(([permission.rawValue, permission.title] + cells).map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
