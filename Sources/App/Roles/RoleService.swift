import Fluent
import Foundation

/// Custom roles: create, edit, clone, delete when unused. Built-in roles are read-only. Every
/// change writes an audit entry in the same transaction; `context` is who acts and from where
/// (a request's `auditContext`), without it the actor is named from the database.
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

    static func create(_ input: Input, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws -> CustomRole {
        try authorize(input, by: actor)
        let name = try await validate(input, partnerID: actor.partnerID, excluding: nil, on: db)
        let role = CustomRole(partnerID: actor.partnerID, name: name, description: clean(input.description),
                              permissions: input.permissions, secureClearance: input.secureClearance)
        let context = try await Audit.context(context, for: actor, on: db)
        try await db.writeTransaction { db in
            try await role.create(on: db)
            try await Audit.record("role.created", in: context, partnerID: role.partnerID, target: Audit.target(role),
                                   details: Self.summary(role), on: db)
        }
        return role
    }

    static func update(_ role: CustomRole, with input: Input, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws {
        try authorize(input, by: actor)
        let name = try await validate(input, partnerID: actor.partnerID, excluding: role.id, on: db)
        let before = (name: role.name, description: role.description, permissions: role.permissions, clearance: role.secureClearance)
        role.name = name
        role.description = clean(input.description)
        role.permissions = input.permissions
        role.secureClearance = input.secureClearance
        let added = role.permissions.subtracting(before.permissions).sorted().map(\.rawValue)
        let removed = before.permissions.subtracting(role.permissions).sorted().map(\.rawValue)
        let lines = [
            Audit.change("name", before.name, role.name),
            Audit.change("description", before.description, role.description),
            added.isEmpty ? nil : "permissions added: " + added.joined(separator: ", "),
            removed.isEmpty ? nil : "permissions removed: " + removed.joined(separator: ", "),
            Audit.change("secure clearance", before.clearance ? "yes" : "no", role.secureClearance ? "yes" : "no"),
        ].compactMap { $0 }
        let context = try await Audit.context(context, for: actor, on: db)
        try await db.writeTransaction { db in
            try await role.update(on: db)
            try await Audit.record("role.edited", in: context, partnerID: role.partnerID, target: Audit.target(role),
                                   details: lines.isEmpty ? "no change" : lines.joined(separator: "\n"), on: db)
        }
    }

    static func delete(_ role: CustomRole, by actor: Actor, in context: AuditContext? = nil, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .rolesManage, .partner(actor.partnerID)))
        let holders = try await Grant.query(on: db).filter(\.$partnerID == actor.partnerID)
            .filter(\.$role == role.requireID().uuidString.lowercased()).count()
        guard holders == 0 else {
            throw PortalError(status: .conflict, title: "Role in use",
                              detail: "\(holders) grant\(holders == 1 ? "" : "s") still use “\(role.name)”. Change those operators' roles first.")
        }
        let context = try await Audit.context(context, for: actor, on: db)
        try await db.writeTransaction { db in
            try await role.delete(on: db)
            try await Audit.record("role.deleted", in: context, partnerID: role.partnerID, target: Audit.target(role),
                                   details: Self.summary(role), on: db)
        }
    }

    /// What a role holds, for the entries that create or delete it.
    private static func summary(_ role: CustomRole) -> String {
        "permissions: \(role.permissions.sorted().map(\.rawValue).joined(separator: ", "))\nsecure clearance: \(role.secureClearance ? "yes" : "no")"
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

extension Audit {
    static func target(_ role: CustomRole) -> (type: String, id: String?, label: String) {
        ("role", role.id?.uuidString.lowercased(), role.name)
    }
}
