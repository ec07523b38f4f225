import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Operators logging in to a client account as its owner or a staff member (seed 000,
/// PRODUCT.md §4 "Login as"). The login-as is a workspace session of that person which
/// also names the operator: every entry written from it carries both names, it ends when
/// its time is up, when the operator signs out as them, or when the operator may no longer
/// do it, each way with an end entry.
enum ClientLoginAs {
    static let linkLifetime: TimeInterval = 60

    /// The account's user to act as: the owner, or the staff member `userID`.
    static func target(in account: Account, userID: UUID?, on db: any Database) async throws -> AccountUser {
        var query = AccountUser.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == (try account.requireID()))
        query = userID.map { query.filter(\.$id == $0) } ?? query.filter(\.$role == .owner)
        guard let user = try await query.first() else {
            throw PortalError.notFound(userID == nil ? "This account has no owner to log in as." : "There is no such staff member on this account.")
        }
        return user
    }

    static func facts(_ account: Account, actor: Actor, partner: Partner, now: Date = Date(), on db: any Database) async throws -> ClientLoginFacts {
        ClientLoginFacts(account: try await AccessLoader.facts(for: account, actor: actor, on: db), isTemplate: account.isTemplate,
                         consentRequired: partner.loginAsConsentRequired,
                         grantedUntil: try await SupportConsent.grantedUntil(account: account, now: now, on: db))
    }

    /// The reason as the partner's policy wants it: required or optional, at most 500 characters.
    static func reason(_ raw: String?, for user: AccountUser, partner: Partner) throws -> String? {
        // One line: control characters (line breaks among them) become spaces, so that the
        // reason cannot add lines to the owner's email or the audit log.
        let flattened = String(String.UnicodeScalarView((raw ?? "").unicodeScalars.map { LogSanitizer.needsEscape($0) ? " " : $0 }))
        let reason = flattened.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = OperatorInput.Errors()
        // The limit is on what was sent, as the API document states it, not on what is kept.
        if (raw ?? "").unicodeScalars.count > Impersonation.maxReasonLength {
            errors.fields["reason"] = "Keep the reason under \(Impersonation.maxReasonLength) characters."
        } else if reason.isEmpty && partner.impersonationReasonRequired {
            errors.fields["reason"] = "Say why you are logging in as \(user.name); your organisation requires a reason."
        }
        guard errors.isEmpty else { throw errors }
        return reason.isEmpty ? nil : reason
    }

    struct Started: Sendable {
        let token: SecretToken
        let endsAt: Date
    }

    /// Opens the session of `user` for the operator. The decision is taken again here, on
    /// the database the session is written to.
    static func start(as user: AccountUser, in account: Account, by actor: Actor, operatorName: String, session: LoginAsSession,
                      reason: String?, via: String, partner: Partner, ip: String, now: Date = Date(), on db: any Database) async throws -> Started {
        try OperatorAdministration.require(AccessPolicy.decideLoginAsClient(
            actor, on: try await facts(account, actor: actor, partner: partner, now: now, on: db), session: session))
        let endsAt = now.addingTimeInterval(TimeInterval(partner.impersonationMaxMinutes * 60))
        let token = SecretToken.generate()
        try await db.writeTransaction { db in
            let access = try SupportAccess(user: user, operatorID: actor.operatorID, operatorName: operatorName, reason: reason, via: via,
                                           now: now, endsAt: endsAt)
            try await access.create(on: db)
            let workspaceSession = try AccountUserSession(user: user, tokenDigest: token.digest, now: now, lifetime: endsAt.timeIntervalSince(now))
            workspaceSession.supportAccessID = try access.requireID()
            try await workspaceSession.create(on: db)
            let until = endsAt.formatted(date: .omitted, time: .shortened)
            try await Audit.record("account.login-as-started", by: AuditActor(id: actor.operatorID, name: operatorName), partnerID: account.partnerID,
                                   target: Audit.target(account),
                                   details: "as \(user.role.rawValue) \(user.name) <\(user.email)> until \(until) UTC, via \(via)"
                                       + (reason.map { "; reason: \($0)" } ?? ""),
                                   ip: ip, now: now, on: db)
            try await notifyOwner(of: account, partner: partner, operatorName: operatorName, user: user, reason: reason, now: now, on: db)
        }
        return Started(token: token, endsAt: endsAt)
    }

    /// The owner hears of it by email, as the partner's policy says.
    private static func notifyOwner(of account: Account, partner: Partner, operatorName: String, user: AccountUser, reason: String?, now: Date,
                                    on db: any Database) async throws {
        switch partner.loginAsOwnerNotice {
        case .never: return
        case .secureOnly: guard account.secure else { return }
        case .always: break
        }
        guard let owner = try await AccountUsers.owner(of: account, on: db) else { return }
        let email = Emails.supportAccess(partner: partner.name, business: account.name, operatorName: operatorName,
                                         asName: user.role == .owner ? "you" : "\(user.name) (staff)", at: now, reason: reason)
        try await Outbox.enqueue(partnerID: account.partnerID, channel: .email, to: owner.email, subject: email.subject, body: email.body,
                                 about: account.id, now: now, on: db)
    }

    // MARK: The API's single-use links

    /// A link that opens the login-as once, within a minute; the decision is taken again
    /// when it is opened.
    static func issueLink(as user: AccountUser, in account: Account, by actor: Actor, operatorName: String, reason: String?, partner: Partner,
                          ip: String, now: Date = Date(), on db: any Database) async throws -> (SecretToken, Date) {
        let token = SecretToken.generate()
        let link = ClientLoginLink()
        link.partnerID = account.partnerID
        link.accountID = try account.requireID()
        link.accountUserID = try user.requireID()
        link.operatorID = actor.operatorID
        link.reason = reason
        link.tokenDigest = token.digest
        link.createdAt = now
        link.expiresAt = now.addingTimeInterval(linkLifetime)
        try await link.create(on: db)
        return (token, link.expiresAt)
    }

    /// Spends the link and opens its login-as: nil when it is unknown, used or older than a
    /// minute. Only one request can spend it.
    static func redeem(_ token: String, partner: Partner, ip: String, now: Date = Date(), on db: any Database) async throws -> (Started, Account)? {
        let partnerID = try partner.requireID()
        guard let link = try await ClientLoginLink.query(on: db).filter(\.$tokenDigest == SecretToken.digest(of: token))
            .filter(\.$partnerID == partnerID).first(), link.usedAt == nil, link.expiresAt > now
        else { return nil }
        let spent = try await db.sql.update(ClientLoginLink.schema).set("used_at", to: now)
            .where("id", .equal, try link.requireID()).where("used_at", .is, SQLLiteral.null).returning("id").all()
        guard !spent.isEmpty,
              let actor = try await AccessLoader.actor(operatorID: link.operatorID, partnerID: partnerID, on: db),
              let op = try await Operator.query(on: db).filter(\.$id == link.operatorID).filter(\.$partner.$id == partnerID).first(),
              let account = try await Account.query(on: db).filter(\.$id == link.accountID).filter(\.$partnerID == partnerID).first(),
              let user = try await AccountUser.query(on: db).filter(\.$id == link.accountUserID).filter(\.$partnerID == partnerID).first()
        else { return nil }
        let started = try await start(as: user, in: account, by: actor, operatorName: op.name, session: .plain, reason: link.reason,
                                      via: "API link", partner: partner, ip: ip, now: now, on: db)
        return (started, account)
    }

    // MARK: Ending

    /// Ends the login-as `accessID`: its session goes, and the first request to end it
    /// writes the end entry (two requests finding it expired at once write one).
    @discardableResult
    static func end(_ accessID: UUID, partnerID: UUID, why: String, ip: String, now: Date = Date(), on db: any Database) async throws -> Bool {
        try await db.writeTransaction { db in
            try await AccountUserSession.query(on: db).filter(\.$partnerID == partnerID).filter(\.$supportAccessID == accessID).delete()
            let ended = try await db.sql.update(SupportAccess.schema).set("ended_at", to: now).set("end_reason", to: why)
                .where("id", .equal, accessID).where("partner_id", .equal, partnerID).where("ended_at", .is, SQLLiteral.null)
                .returning("id").all()
            guard !ended.isEmpty,
                  let access = try await SupportAccess.query(on: db).filter(\.$id == accessID).filter(\.$partnerID == partnerID).first(),
                  let account = try await Account.query(on: db).filter(\.$id == access.accountID).filter(\.$partnerID == partnerID).first()
            else { return false }
            try await Audit.record("account.login-as-ended", by: AuditActor(id: access.operatorID, name: access.operatorName), partnerID: partnerID,
                                   target: Audit.target(account),
                                   details: "as \(access.userRole.rawValue) \(access.userName): \(why)", ip: ip, now: now, on: db)
            return true
        }
    }

    /// Ends every open login-as as this person (they are being removed, say).
    static func endAll(userID: UUID, partnerID: UUID, why: String, ip: String, now: Date = Date(), on db: any Database) async throws {
        let open = try await SupportAccess.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountUserID == userID)
            .filter(\.$endedAt == nil).all()
        for access in open { try await end(try access.requireID(), partnerID: partnerID, why: why, ip: ip, now: now, on: db) }
    }

    /// Ends every open login-as of the account (it was locked, say).
    static func endAll(accountID: UUID, partnerID: UUID, why: String, ip: String, now: Date = Date(), on db: any Database) async throws {
        let open = try await SupportAccess.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID == accountID)
            .filter(\.$endedAt == nil).all()
        for access in open { try await end(try access.requireID(), partnerID: partnerID, why: why, ip: ip, now: now, on: db) }
    }

    /// Ends the login-as whose time is up, on every partner, so that a session nobody comes
    /// back to still gets its end entry. Run every minute by the `login-as-expiry` job; `end`
    /// writes each entry once, however many runs find the same visit.
    @discardableResult
    static func endExpired(now: Date = Date(), on db: any Database) async throws -> Int {
        let due = try await SupportAccess.query(on: db).filter(\.$endedAt == nil).filter(\.$endsAt <= now).limit(500).all()
        var count = 0
        for access in due where try await end(try access.requireID(), partnerID: access.partnerID, why: "time limit reached", ip: "", now: now, on: db) {
            count += 1
        }
        return count
    }

    /// The operator behind a workspace session that belongs to a login-as, while it still
    /// holds: in time, and still allowed (roles, scope, lock, secure and setup are decided
    /// again on every request). Otherwise it is ended here, with its entry, and nil returned.
    static func resume(_ accessID: UUID, partnerID: UUID, ip: String, now: Date, on db: any Database) async throws -> WorkspaceUser.Impersonator? {
        guard let access = try await SupportAccess.query(on: db).filter(\.$id == accessID).filter(\.$partnerID == partnerID).first(),
              access.endedAt == nil
        else { return nil }
        guard access.endsAt > now else {
            try await end(accessID, partnerID: partnerID, why: "time limit reached", ip: ip, now: now, on: db)
            return nil
        }
        let decision: Decision
        if let actor = try await AccessLoader.actor(operatorID: access.operatorID, partnerID: partnerID, on: db),
           let account = try await Account.query(on: db).filter(\.$id == access.accountID).filter(\.$partnerID == partnerID).first(),
           let partner = try await Partner.query(on: db).filter(\.$id == partnerID).first() {
            var facts = try await facts(account, actor: actor, partner: partner, now: now, on: db)
            // Consent is asked for at the start: a grant that runs out later does not cut the visit short.
            facts.consentRequired = false
            decision = AccessPolicy.decideLoginAsClient(actor, on: facts, session: .plain)
        } else {
            decision = .deny(.blocked)
        }
        if case .deny(let reason) = decision {
            try await end(accessID, partnerID: partnerID, why: "no longer allowed: \(reason.message)", ip: ip, now: now, on: db)
            return nil
        }
        return .init(operatorID: access.operatorID, name: access.operatorName, endsAt: access.endsAt, accessID: accessID)
    }
}

extension Emails {
    static func supportAccess(partner: String, business: String, operatorName: String, asName: String, at: Date, reason: String?) -> Email {
        Email(subject: "\(partner) support logged in to your \(business) account", body: """
            Hello,

            \(operatorName) from \(partner) logged in to your \(business) account as \(asName) on \(at.formatted(date: .long, time: .shortened)) UTC.\(reason.map { "\nReason given: \($0)" } ?? "")

            Everything done during the visit is recorded. Your workspace lists recent support access under Support access.

            If you did not expect this, contact \(partner).
            """)
    }
}
