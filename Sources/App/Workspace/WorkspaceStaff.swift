import Fluent
import Foundation

/// The account's people as the owner manages them in the workspace: invites within the staff
/// slots (race-safe, the same rule as an operator's invite), and removals.
enum WorkspaceStaff {
    struct Person: Sendable {
        let id: UUID
        let name: String
        let email: String
        let role: AccountUser.Role
        let status: AccountUser.Status
    }

    static func people(of user: WorkspaceUser, on db: any Database) async throws -> (people: [Person], slots: Int) {
        guard let account = try await account(of: user, on: db) else { throw PortalError.unauthorized() }
        let people = try await AccountUsers.users(of: account, on: db).map {
            Person(id: try $0.requireID(), name: $0.name, email: $0.email, role: $0.role, status: $0.status)
        }
        return (people, account.staffSlots)
    }

    static func invite(name: String, email: String, by user: WorkspaceUser, partner: Partner, baseURL: String, ip: String,
                       now: Date = Date(), on db: any Database) async throws {
        if case .deny(let reason) = AccessPolicy.mayManageStaff(user.role, supported: user.impersonator != nil) { throw PortalError.denied(reason) }
        guard let account = try await account(of: user, on: db) else { throw PortalError.unauthorized() }
        _ = try await AccountUsers.inviteStaff(name: name, email: email, to: account, context: context(user, ip: ip), partner: partner,
                                               baseURL: baseURL, now: now, on: db)
    }

    static func remove(_ userID: UUID, by user: WorkspaceUser, ip: String, on db: any Database) async throws {
        if case .deny(let reason) = AccessPolicy.mayManageStaff(user.role, supported: user.impersonator != nil) { throw PortalError.denied(reason) }
        guard let account = try await account(of: user, on: db) else { throw PortalError.unauthorized() }
        guard let person = try await AccountUser.query(on: db).filter(\.$id == userID).filter(\.$accountID == user.accountID)
            .filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.notFound("No staff member of this account has this id.") }
        guard person.role == .staff else { throw PortalError.conflict("The owner cannot be removed.") }
        let line = "staff: \(person.name) <\(person.email)> → —"
        try await db.writeTransaction { db in
            try await ClientLoginAs.endAll(userID: try person.requireID(), partnerID: user.partnerID, why: "\(person.name) was removed from the account",
                                           ip: ip, on: db)
            try await AccountUserSession.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountUserID == person.requireID()).delete()
            try await AccountUserToken.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountUserID == person.requireID()).delete()
            try await person.delete(on: db)
            try await Audit.record("account.staff-removed", in: context(user, ip: ip), partnerID: user.partnerID, target: Audit.target(account),
                                   details: line, on: db)
        }
    }

    /// A new invitation for a staff member who has not accepted yet; the earlier link stops working.
    static func resend(_ userID: UUID, by user: WorkspaceUser, partner: Partner, baseURL: String, ip: String, now: Date = Date(),
                       on db: any Database) async throws {
        if case .deny(let reason) = AccessPolicy.mayManageStaff(user.role, supported: user.impersonator != nil) { throw PortalError.denied(reason) }
        guard let account = try await account(of: user, on: db) else { throw PortalError.unauthorized() }
        guard let person = try await AccountUser.query(on: db).filter(\.$id == userID).filter(\.$accountID == user.accountID)
            .filter(\.$partnerID == user.partnerID).filter(\.$role == .staff).first()
        else { throw PortalError.notFound("No staff member of this account has this id.") }
        guard person.status == .invited else { throw PortalError.conflict("\(person.name) has accepted the invitation already.") }
        try await db.writeTransaction { db in
            try await AccountUsers.invite(person, to: account, inviter: user.name, partner: partner, baseURL: baseURL, now: now, on: db)
            try await Audit.record("account.staff-invite-resent", in: context(user, ip: ip), partnerID: user.partnerID, target: Audit.target(account),
                                   details: "staff: \(person.name) <\(person.email)>", now: now, on: db)
        }
    }

    private static func account(of user: WorkspaceUser, on db: any Database) async throws -> Account? {
        try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
    }

    /// History names the account's own person who acted.
    private static func context(_ user: WorkspaceUser, ip: String) -> AuditContext {
        AuditContext(actor: user.auditActor, ip: ip)
    }
}
