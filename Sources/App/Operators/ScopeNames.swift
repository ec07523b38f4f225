import Fluent
import Foundation
import SQLKit

/// How every page, confirmation and audit entry names a grant's scope: "Every client account",
/// "Assigned accounts", "Group North › East", "Account Bakery (BUID)". One function, so the
/// operator page, the forms and the audit log say the same thing.
struct ScopeNames: Sendable {
    static let allAccounts = "Every client account"
    static let assignedAccounts = "Assigned accounts"

    struct AccountName: Sendable, Equatable {
        let name: String
        let businessUID: String
    }

    let groups: GroupPaths
    let accounts: [UUID: AccountName]

    init(groups: GroupPaths, accounts: [UUID: AccountName] = [:]) {
        self.groups = groups
        self.accounts = accounts
    }

    func name(_ kind: Grant.ScopeKind, id: UUID?) -> String {
        switch kind {
        case .all: return Self.allAccounts
        case .assigned: return Self.assignedAccounts
        case .group: return groups.label(of: id).map { "Group \($0)" } ?? "A group that no longer exists"
        case .account:
            guard let account = id.flatMap({ accounts[$0] }) else { return "An account that no longer exists" }
            return "Account \(account.name) (\(account.businessUID))"
        }
    }

    func name(of grant: Grant) -> String { name(grant.scope, id: grant.scopeID) }

    /// "Support over Group North › East", as an audit entry or a list of grants says it.
    func describe(role: String, scope: Grant.ScopeKind, id: UUID?, roles: [String: RoleDefinition]) -> String {
        "\(roles[role]?.name ?? role) over \(name(scope, id: id))"
    }

    /// The partner's groups, and the accounts that `scopes` name: two queries, however many grants.
    static func load(partnerID: UUID, naming scopes: [(Grant.ScopeKind, UUID?)], on db: any Database) async throws -> ScopeNames {
        let groups = try await GroupPaths.load(partnerID: partnerID, on: db)
        let accountIDs = Array(Set(scopes.compactMap { $0.0 == .account ? $0.1 : nil }))
        var accounts: [UUID: AccountName] = [:]
        if !accountIDs.isEmpty {
            let rows = try await db.sql.select().column("id").column("name").column("business_uid").from(Account.schema)
                .where("partner_id", .equal, partnerID).where("id", .in, accountIDs).all()
            for row in rows {
                accounts[try row.decode(column: "id", as: UUID.self)] = AccountName(
                    name: try row.decode(column: "name", as: String.self), businessUID: try row.decode(column: "business_uid", as: String.self))
            }
        }
        return ScopeNames(groups: groups, accounts: accounts)
    }

    static func load(partnerID: UUID, naming grants: [Grant], on db: any Database) async throws -> ScopeNames {
        try await load(partnerID: partnerID, naming: grants.map { ($0.scope, $0.scopeID) }, on: db)
    }
}
