import Foundation
import Fluent
import SQLKit

/// The rule that a partner always keeps an active admin over all accounts, checked inside the
/// transaction that would break it. The partner's row is written first, which serialises
/// every such transaction of one partner (a row lock on PostgreSQL, the write lock on
/// SQLite), so two admins blocking each other at the same moment cannot both succeed.
enum AdminGuard {
    static let adminRoles = ["admin", "admin-secure"]

    /// Throws `lastAdmin` unless another active admin over all accounts remains once `target`
    /// stops being one. Call it inside the transaction, before the change.
    static func requireAnotherAdmin(besides target: Operator, action: String, on db: any Database) async throws {
        try await db.sql.update(Partner.schema).set(SQLIdentifier("name"), to: SQLIdentifier("name"))
            .where("id", .equal, target.$partner.id).run()
        guard try await isAdmin(target, on: db) else { return }
        let others = try await activeAdmins(partnerID: target.$partner.id, on: db).subtracting([try target.requireID()])
        if others.isEmpty { throw PortalError.lastAdmin(name: target.name, action: action) }
    }

    /// Whether `target` is the partner's only active operator holding Admin over all accounts.
    static func isLastAdmin(_ target: Operator, on db: any Database) async throws -> Bool {
        try await activeAdmins(partnerID: target.$partner.id, on: db) == [try target.requireID()]
    }

    private static func isAdmin(_ target: Operator, on db: any Database) async throws -> Bool {
        try await activeAdmins(partnerID: target.$partner.id, on: db).contains(try target.requireID())
    }

    private static func activeAdmins(partnerID: UUID, on db: any Database) async throws -> Set<UUID> {
        let grants = try await Grant.query(on: db)
            .filter(\.$partnerID == partnerID).filter(\.$role ~~ adminRoles).filter(\.$scope == .all)
            .join(parent: \.$operator).filter(Operator.self, \.$status == .active)
            .all()
        return Set(grants.map { $0.$operator.id })
    }
}
