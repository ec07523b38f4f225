import Fluent
import Foundation

/// A partner's own role, built from the permission catalogue (or cloned from a built-in).
final class CustomRole: Model, @unchecked Sendable {
    static let schema = "roles"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "name") var name: String
    @Field(key: "description") var description: String
    /// Permission codes, comma-separated, in catalogue order.
    @Field(key: "permissions") var permissionCodes: String
    @Field(key: "secure_clearance") var secureClearance: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(id: UUID = UUID(), partnerID: UUID, name: String, description: String, permissions: Set<Permission>, secureClearance: Bool) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.description = description
        self.permissionCodes = permissions.sorted().map(\.rawValue).joined(separator: ",")
        self.secureClearance = secureClearance
    }

    var permissions: Set<Permission> {
        get { Set(permissionCodes.split(separator: ",").compactMap { Permission(rawValue: String($0)) }) }
        set { permissionCodes = newValue.sorted().map(\.rawValue).joined(separator: ",") }
    }

    var definition: RoleDefinition {
        RoleDefinition(id: id?.uuidString.lowercased() ?? "", name: name, description: description,
                       permissions: permissions, secureClearance: secureClearance)
    }
}
