import Fluent
import Foundation
import SQLKit
import Vapor

/// The owner and staff of client accounts (seed 001 §3.4): the owner is created with the
/// account and invited by email; operators may reset the owner's password; locking an
/// account ends its users' sessions at once.
enum AccountUsers {
    static let inviteLifetime: TimeInterval = 7 * 86_400
    static let resetLifetime: TimeInterval = 24 * 3600

    /// The account's users, owner first, then staff by name.
    static func users(of account: Account, on db: any Database) async throws -> [AccountUser] {
        let users = try await AccountUser.query(on: db).filter(\.$partnerID == account.partnerID)
            .filter(\.$accountID == account.requireID()).all()
        return users.sorted { ($0.role == .owner ? 0 : 1, $0.name.lowercased()) < ($1.role == .owner ? 0 : 1, $1.name.lowercased()) }
    }

    static func owner(of account: Account, on db: any Database) async throws -> AccountUser? {
        try await AccountUser.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .filter(\.$role == .owner).first()
    }

    /// Creates the owner (named `name`, reached at the account's email) and queues the
    /// invite; call it inside the transaction that creates the account.
    static func createOwner(of account: Account, name: String, inviter: String, partner: Partner, baseURL: String, now: Date,
                            on db: any Database) async throws {
        let owner = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .owner, name: name, email: account.email)
        try await owner.create(on: db)
        try await invite(owner, to: account, inviter: inviter, partner: partner, baseURL: baseURL, now: now, on: db)
    }

    static func invite(_ user: AccountUser, to account: Account, inviter: String, partner: Partner, baseURL: String, now: Date,
                       on db: any Database) async throws {
        let token = try await issue(.invite, for: user, lifetime: inviteLifetime, now: now, on: db)
        let email = Emails.accountUserInvite(partner: partner.name, business: account.name, inviter: inviter, link: url(for: token, base: baseURL))
        try await Outbox.enqueue(partnerID: account.partnerID, channel: .email, to: user.email, subject: email.subject, body: email.body,
                                 about: account.id, now: now, on: db)
    }

    /// A new single-use link; earlier unused links of the user stop working.
    static func issue(_ purpose: AccountUserToken.Purpose, for user: AccountUser, lifetime: TimeInterval, now: Date,
                      on db: any Database) async throws -> SecretToken {
        try await AccountUserToken.query(on: db).filter(\.$accountUserID == user.requireID()).filter(\.$usedAt == nil)
            .set(\.$usedAt, to: now).update()
        let token = SecretToken.generate()
        try await AccountUserToken(partnerID: user.partnerID, accountUserID: try user.requireID(), purpose: purpose,
                                   tokenDigest: token.digest, now: now, lifetime: lifetime).create(on: db)
        return token
    }

    static func url(for token: SecretToken, base: String) -> String {
        base + SiteURL.accountUserSetup(token: token.value).path
    }

    /// The unused, unexpired link of this partner, with its user.
    static func find(_ token: String, partnerID: UUID, now: Date, on db: any Database) async throws -> (AccountUserToken, AccountUser)? {
        guard let record = try await AccountUserToken.query(on: db).filter(\.$tokenDigest == SecretToken.digest(of: token))
            .filter(\.$partnerID == partnerID).first(),
            record.usedAt == nil, record.expiresAt > now,
            let user = try await AccountUser.query(on: db).filter(\.$id == record.accountUserID).filter(\.$partnerID == partnerID).first()
        else { return nil }
        return (record, user)
    }

    /// Sets the user's password from a link, spending it; false when another request spent it first.
    static func choosePassword(hash: String, with record: AccountUserToken, user: AccountUser, ip: String, now: Date, on db: any Database) async throws -> Bool {
        try await db.writeTransaction { db in
            let spent = try await db.sql.update(AccountUserToken.schema).set("used_at", to: now)
                .where("id", .equal, try record.requireID()).where("used_at", .is, SQLLiteral.null).returning("id").all()
            guard !spent.isEmpty else { return false }
            user.passwordHash = hash
            user.status = .active
            user.mustChangePassword = false
            try await user.update(on: db)
            try await AccountUserSession.query(on: db).filter(\.$accountUserID == user.requireID()).filter(\.$supportAccessID == nil).delete()
            if let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first() {
                try await Audit.record(record.purpose == .invite ? "account.user-invite-accepted" : "account.user-password-reset",
                                       by: AuditActor(id: nil, name: user.name), partnerID: user.partnerID, target: Audit.target(account),
                                       details: "\(user.role.rawValue): \(user.email)", ip: ip, now: now, on: db)
            }
            return true
        }
    }

    /// Ends every session of the account's users (locking does this).
    @discardableResult
    static func endSessions(of account: Account, why: String, now: Date = Date(), on db: any Database) async throws -> Int {
        let accountID = try account.requireID()
        // Operators logged in as the account's people get their end entries first.
        try await ClientLoginAs.endAll(accountID: accountID, partnerID: account.partnerID, why: why, ip: "", now: now, on: db)
        let count = try await AccountUserSession.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == accountID).count()
        try await AccountUserSession.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == accountID).delete()
        return count
    }

    enum ResetMethod: String, Sendable, CaseIterable { case link, temporary }

    enum ResetResult: Sendable, Equatable {
        /// The link, shown once to the operator and emailed to the owner.
        case link(String)
        /// A temporary password, shown once; the owner must change it at the next sign-in.
        case temporary(String)
    }

    /// Resets the owner's password: either a single-use link (shown once and emailed), or a
    /// temporary password to be changed at the next sign-in. Either ends the owner's sessions.
    static func resetOwnerPassword(of account: Account, method: ResetMethod, by actor: Actor, context: AuditContext, partner: Partner,
                                   baseURL: String, passwords: AsyncPasswordHasher, now: Date = Date(), on db: any Database) async throws -> ResetResult {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountPasswordReset, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
        guard let owner = try await owner(of: account, on: db) else { throw PortalError.conflict("This account has no owner to reset.") }
        let temporary = method == .temporary ? temporaryPassword() : nil
        let hash = try await temporary.asyncFlatMap { try await passwords.hash($0) }
        return try await db.writeTransaction { db in
            try await AccountUserSession.query(on: db).filter(\.$accountUserID == owner.requireID()).filter(\.$supportAccessID == nil).delete()
            let result: ResetResult
            if let temporary, let hash {
                try await AccountUserToken.query(on: db).filter(\.$accountUserID == owner.requireID()).filter(\.$usedAt == nil)
                    .set(\.$usedAt, to: now).update()
                owner.passwordHash = hash
                owner.mustChangePassword = true
                owner.status = .active
                try await owner.update(on: db)
                result = .temporary(temporary)
            } else {
                let token = try await issue(.reset, for: owner, lifetime: resetLifetime, now: now, on: db)
                let link = url(for: token, base: baseURL)
                let email = Emails.accountUserReset(partner: partner.name, business: account.name, link: link)
                try await Outbox.enqueue(partnerID: account.partnerID, channel: .email, to: owner.email, subject: email.subject, body: email.body,
                                         about: account.id, now: now, on: db)
                result = .link(link)
            }
            try await Audit.record("account.owner-password-reset", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: method == .link ? "a single-use link, emailed to \(owner.email)" : "a temporary password, to be changed at the next sign-in",
                                   now: now, on: db)
            return result
        }
    }

    /// 16 characters in groups of 4 from an alphabet without look-alikes (80 bits).
    static func temporaryPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// Invites a staff member, within the account's staff slots (an operator with
    /// `account.staff.manage`).
    static func addStaff(name rawName: String, email rawEmail: String, to account: Account, by actor: Actor, context: AuditContext,
                         partner: Partner, baseURL: String, now: Date = Date(), on db: any Database) async throws -> AccountUser {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountStaffManage, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
        return try await inviteStaff(name: rawName, email: rawEmail, to: account, context: context, partner: partner, baseURL: baseURL, now: now, on: db)
    }

    /// Creates and invites a staff member once the caller was allowed to. The slots are counted
    /// inside the transaction after the account's row is written, which serialises every
    /// invite of one account (a row lock on PostgreSQL, the write lock on SQLite): two invites
    /// at once never exceed the slots.
    static func inviteStaff(name rawName: String, email rawEmail: String, to account: Account, context: AuditContext,
                            partner: Partner, baseURL: String, now: Date = Date(), on db: any Database) async throws -> AccountUser {
        var errors = OperatorInput.Errors()
        var name = "", email = ""
        switch OperatorInput.name(rawName) {
        case .success(let value): name = value
        case .failure(let message): errors.fields["name"] = message
        }
        switch OperatorInput.email(rawEmail) {
        case .success(let value): email = value
        case .failure(let message): errors.fields["email"] = message
        }
        guard errors.isEmpty else { throw errors }
        let user = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .staff, name: name, email: email)
        let line = "staff: — → \(name) <\(email)>", checkedEmail = email
        try await db.writeTransaction { db in
            try await db.sql.update(Account.schema).set(SQLIdentifier("staff_slots"), to: SQLIdentifier("staff_slots"))
                .where("id", .equal, try account.requireID()).run()
            guard let current = try await Account.query(on: db).filter(\.$id == account.requireID()).filter(\.$partnerID == account.partnerID).first()
            else { throw PortalError.notFound() }
            let people = try await Self.users(of: current, on: db)
            if people.contains(where: { $0.email == checkedEmail }) {
                throw OperatorInput.Errors(fields: ["email": "Someone on this account already uses \(checkedEmail)."])
            }
            guard people.filter({ $0.role == .staff }).count < current.staffSlots else {
                throw PortalError.conflict("All \(current.staffSlots) staff slots are in use. More slots come with the subscription.")
            }
            try await user.create(on: db)
            try await invite(user, to: account, inviter: context.actor.name, partner: partner, baseURL: baseURL, now: now, on: db)
            try await Audit.record("account.staff-added", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: line, now: now, on: db)
        }
        return user
    }

    /// Removes a staff member (never the owner); their sessions end with them.
    static func removeStaff(_ userID: UUID, from account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountStaffManage, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
        guard let user = try await AccountUser.query(on: db).filter(\.$id == userID).filter(\.$accountID == account.requireID())
            .filter(\.$partnerID == account.partnerID).first()
        else { throw PortalError.notFound("No staff member of this account has this id.") }
        guard user.role == .staff else { throw PortalError.conflict("The owner cannot be removed; the owner is reached at the account's email.") }
        try await db.writeTransaction { db in
            try await ClientLoginAs.endAll(userID: try user.requireID(), partnerID: account.partnerID, why: "\(user.name) was removed from the account",
                                           ip: context.ip, on: db)
            try await user.delete(on: db)
            try await Audit.record("account.staff-removed", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: "staff: \(user.name) <\(user.email)> → —", on: db)
        }
    }
}
