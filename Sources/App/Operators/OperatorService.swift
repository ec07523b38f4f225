import Fluent
import Foundation

/// Creating operators. Used by the first-admin setup page, `portal operator create`, and
/// later the operators pages and API.
enum OperatorService {
    /// The role of a partner's first admin: Admin with secure clearance, since they own the
    /// partner's data and must see every account, secure ones included.
    static let firstAdminRole = "admin-secure"

    struct NewOperator: Sendable {
        var name: String
        var email: String
        var role: String
        var passwordHash: String?
    }

    /// Validates and creates an operator holding `role` over scope all. Active when a password
    /// hash is given, invited otherwise.
    static func create(_ input: NewOperator, partnerID: UUID, on db: any Database) async throws -> Operator {
        var errors = OperatorInput.Errors()
        let name: String?, email: String?
        switch OperatorInput.name(input.name) {
        case .success(let value): name = value
        case .failure(let message): name = nil; errors.fields["name"] = message
        }
        switch OperatorInput.email(input.email) {
        case .success(let value): email = value
        case .failure(let message): email = nil; errors.fields["email"] = message
        }
        if BuiltInRole.named(input.role) == nil {
            errors.fields["role"] = "Unknown role '\(input.role)'. Known roles: \(BuiltInRole.all.map(\.code).joined(separator: ", "))."
        }
        if let email, try await Operator.query(on: db).filter(\.$partner.$id == partnerID).filter(\.$email == email).count() > 0 {
            errors.fields["email"] = "An operator with this email already exists."
        }
        guard errors.isEmpty, let name, let email else { throw errors }

        return try await db.writeTransaction { db in
            let op = Operator(partnerID: partnerID, email: email, name: name,
                              status: input.passwordHash == nil ? .invited : .active, passwordHash: input.passwordHash)
            try await op.create(on: db)
            try await Grant(partnerID: partnerID, operatorID: try op.requireID(), role: input.role, scope: .all).create(on: db)
            try await op.$grants.load(on: db)
            return op
        }
    }
}
