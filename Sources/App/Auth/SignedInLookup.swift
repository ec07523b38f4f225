import Fluent
import Foundation
import SQLKit

/// The signed-in operator of a request in one query: the session (or API token) with its
/// operator, the operator's grants and whether they are assigned to any account. Custom roles
/// are read by a second query only when a grant names one. This is every request's fixed
/// cost, so it is kept to this; anything unusual (a login-as, an expired or idle session, an
/// operator no longer active) is left to the full path, which also cleans up.
enum SignedInLookup {
    /// What the query read, before the checks.
    struct Found: Sendable {
        let credentialID: UUID
        let operatorID: UUID
        let name: String
        let email: String
        let status: Operator.Status
        let grants: [SignedIn.GrantSummary]
        let hasAssignments: Bool
        /// Sessions: their CSRF token. Tokens: nil.
        let csrfToken: String?
        let lastSeenAt: Date?
        let expiresAt: Date?
        let impersonatorID: UUID?
        /// Sessions: whether a notice waits for the next page (`Flash`). Tokens: false.
        let noticeWaiting: Bool
    }

    enum Credential {
        case session, apiToken

        var table: String { self == .session ? PortalSession.schema : APIToken.schema }
        var lastSeenColumn: String { self == .session ? "last_seen_at" : "last_used_at" }
    }

    static func find(_ credential: Credential, digest: String, partnerID: UUID, on db: any Database) async throws -> Found? {
        let sql = try db.sql
        let csrf = credential == .session ? "c.csrf_token" : "NULL"
        let notice: SQLQueryString = credential == .session
            ? "EXISTS (SELECT 1 FROM flash_notices f WHERE f.session_id = c.id)" : "1 = 0"
        let query: SQLQueryString = """
            SELECT c.id AS credential_id, c.\(ident: credential.lastSeenColumn) AS last_seen, c.expires_at AS expires_at,
                   c.impersonator_id AS impersonator_id, \(unsafeRaw: csrf) AS csrf_token,
                   o.id AS operator_id, o.name AS name, o.email AS email, o.status AS status,
                   g.role AS role, g.scope AS scope, g.scope_id AS scope_id,
                   EXISTS (SELECT 1 FROM \(ident: AccountAssignment.schema) a WHERE a.operator_id = o.id AND a.partner_id = c.partner_id) AS has_assignments,
                   \(notice) AS notice_waiting
            FROM \(ident: credential.table) c
            JOIN \(ident: Operator.schema) o ON o.id = c.operator_id AND o.partner_id = c.partner_id
            LEFT JOIN \(ident: Grant.schema) g ON g.operator_id = o.id AND g.partner_id = c.partner_id
            WHERE c.token_digest = \(bind: digest) AND c.partner_id = \(bind: partnerID)
            """
        let rows = try await sql.raw(query).all()
        guard let first = rows.first else { return nil }
        let grants = try rows.compactMap { row -> SignedIn.GrantSummary? in
            guard let role = try row.decodeNil(column: "role") ? nil : row.decode(column: "role", as: String.self),
                  let scope = Grant.ScopeKind(rawValue: try row.decode(column: "scope", as: String.self))
            else { return nil }
            let scopeID = try row.decodeNil(column: "scope_id") ? nil : row.decode(column: "scope_id", as: UUID.self)
            return SignedIn.GrantSummary(role: role, scope: scope, scopeID: scopeID)
        }
        guard let status = Operator.Status(rawValue: try first.decode(column: "status", as: String.self)) else { return nil }
        return Found(
            credentialID: try first.decode(column: "credential_id", as: UUID.self),
            operatorID: try first.decode(column: "operator_id", as: UUID.self),
            name: try first.decode(column: "name", as: String.self),
            email: try first.decode(column: "email", as: String.self),
            status: status,
            grants: grants,
            hasAssignments: try decodeBool(first, "has_assignments"),
            csrfToken: try first.decodeNil(column: "csrf_token") ? nil : first.decode(column: "csrf_token", as: String.self),
            lastSeenAt: try first.decodeNil(column: "last_seen") ? nil : first.decode(column: "last_seen", as: Date.self),
            expiresAt: try first.decodeNil(column: "expires_at") ? nil : first.decode(column: "expires_at", as: Date.self),
            impersonatorID: try first.decodeNil(column: "impersonator_id") ? nil : first.decode(column: "impersonator_id", as: UUID.self),
            noticeWaiting: try decodeBool(first, "notice_waiting")
        )
    }

    /// SQLite answers EXISTS with an integer, PostgreSQL with a boolean.
    private static func decodeBool(_ row: any SQLRow, _ column: String) throws -> Bool {
        if let flag = try? row.decode(column: column, as: Bool.self) { return flag }
        return try row.decode(column: column, as: Int.self) != 0
    }

    /// The actor behind `found`: built-in roles from the code, custom ones from the database.
    static func actor(_ found: Found, partnerID: UUID, on db: any Database) async throws -> Actor {
        var roles: [String: RoleDefinition] = [:]
        var custom: [UUID] = []
        for grant in found.grants where roles[grant.role] == nil {
            if let builtIn = BuiltInRole.all.first(where: { $0.code == grant.role }) {
                roles[grant.role] = RoleDefinition(builtIn: builtIn)
            } else if let id = UUID(uuidString: grant.role) {
                custom.append(id)
            }
        }
        if !custom.isEmpty {
            for role in try await CustomRole.query(on: db).filter(\.$partnerID == partnerID).filter(\.$id ~~ custom).all() {
                let definition = role.definition
                roles[definition.id] = definition
            }
        }
        let grants = found.grants.compactMap { grant -> ActorGrant? in
            guard let role = roles[grant.role], let scope = AccessLoader.scope(kind: grant.scope, id: grant.scopeID) else { return nil }
            return ActorGrant(role: role, scope: scope)
        }
        return Actor(operatorID: found.operatorID, partnerID: partnerID, isActive: found.status == .active,
                     grants: grants, hasAssignments: found.hasAssignments)
    }
}
