import Fluent
import SQLKit
import Vapor

/// Logging in as another operator to see what they see (seed 000 §3.2), and signing out as
/// them. The session (or API token) keeps who really acts; every audit entry written in
/// between names both people.
enum Impersonation {
    static let maxReasonLength = 500

    /// Checks everything that must hold before `actor` logs in as `target`: the permission
    /// (with the admin and blocked rules), no nesting, an active target and the partner's
    /// reason rule. Returns the cleaned reason.
    static func authorize(target: Operator, by actor: Actor, signedIn: SignedIn, reason rawReason: String?, partner: Partner,
                          on db: any Database) async throws -> String? {
        try refuseNesting(signedIn)
        // The same answer the operator page shows: the permission, admin protection, blocked
        // and inactive targets, yourself, nesting.
        try OperatorAdministration.require(AccessPolicy.decide(actor, .loginAs, on: try await OperatorAdministration.subject(for: target, on: db),
                                                               session: SessionFacts(isImpersonating: signedIn.impersonator != nil)))
        let reason = (rawReason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = OperatorInput.Errors()
        // The limit is on what was sent, as the API document states it, not on what is kept.
        if (rawReason ?? "").unicodeScalars.count > maxReasonLength {
            errors.fields["reason"] = "Keep the reason under \(maxReasonLength) characters."
        } else if reason.isEmpty && partner.impersonationReasonRequired {
            errors.fields["reason"] = "Say why you are logging in as \(target.name); your organisation requires a reason."
        }
        guard errors.isEmpty else { throw errors }
        return reason.isEmpty ? nil : reason
    }

    /// Logging in as someone is never done from inside a login as someone else.
    static func refuseNesting(_ signedIn: SignedIn) throws {
        guard signedIn.impersonator == nil else {
            throw PortalError(status: .conflict, title: "Already logged in as someone",
                              detail: "You are logged in as \(signedIn.name). Sign out as them before logging in as another operator.")
        }
    }

    /// Turns the browser session into one of `target`, until `partner`'s time limit. The
    /// session gets a new token (returned, and issued to the browser through `SessionRenewal`):
    /// whoever knew the old one, perhaps by planting it, does not get the new identity.
    @discardableResult
    static func start(session sessionID: UUID, target: Operator, by signedIn: SignedIn, reason: String?, partner: Partner,
                      context: AuditContext, now: Date = Date(), on db: any Database) async throws -> SecretToken {
        guard let session = try await PortalSession.query(on: db).filter(\.$id == sessionID).filter(\.$partnerID == partner.requireID()).first() else {
            throw PortalError.unauthorized("Your session has ended. Sign in again.")
        }
        let expiry = min(now.addingTimeInterval(TimeInterval(partner.impersonationMaxMinutes * 60)), session.expiresAt)
        let token = SecretToken.generate()
        try await db.writeTransaction { db in
            session.tokenDigest = token.digest
            session.$operator.id = try target.requireID()
            session.impersonatorID = signedIn.operatorID
            session.impersonationStartedAt = now
            session.impersonationExpiresAt = expiry
            session.impersonationReason = reason
            try await session.update(on: db)
            try await recordStart(target: target, context: context, reason: reason, until: expiry, via: "browser", now: now, on: db)
        }
        SessionRenewal.issue(token)
        return token
    }

    /// An API token that acts as `target` until the partner's time limit.
    static func startToken(target: Operator, by signedIn: SignedIn, reason: String?, partner: Partner, context: AuditContext,
                           now: Date = Date(), on db: any Database) async throws -> (SecretToken, Date) {
        let expiry = now.addingTimeInterval(TimeInterval(partner.impersonationMaxMinutes * 60))
        let token = SecretToken.generate(prefix: APIToken.prefix)
        try await db.writeTransaction { db in
            let record = APIToken(partnerID: try partner.requireID(), operatorID: try target.requireID(),
                                  name: "Logged in as \(target.name) by \(signedIn.name)", tokenDigest: token.digest, now: now, expiresAt: expiry)
            record.impersonatorID = signedIn.operatorID
            try await record.create(on: db)
            try await recordStart(target: target, context: context, reason: reason, until: expiry, via: "API", now: now, on: db)
        }
        return (token, expiry)
    }

    /// Gives the session back to the person who logged in as someone else, under a new token
    /// (returned, and issued through `SessionRenewal`). Only one request can end a login-as:
    /// the change is made only while the session still holds it, so when two requests find it
    /// expired at once, one ends it and writes the entry, and the other gets nil.
    @discardableResult
    static func end(session: PortalSession, why: String, ip: String, now: Date = Date(), on db: any Database) async throws -> SecretToken? {
        guard let impersonatorID = session.impersonatorID else { return nil }
        let targetID = session.$operator.id
        let target = try await Operator.query(on: db).filter(\.$id == targetID).filter(\.$partner.$id == session.partnerID).first()
        let impersonator = try await Operator.query(on: db).filter(\.$id == impersonatorID).filter(\.$partner.$id == session.partnerID).first()
        let token = SecretToken.generate()
        let ended = try await db.writeTransaction { db in
            let claimed = try await db.sql.update(PortalSession.schema)
                .set("token_digest", to: token.digest)
                .set("operator_id", to: impersonatorID)
                .set("impersonator_id", to: SQLLiteral.null)
                .set("impersonation_started_at", to: SQLLiteral.null)
                .set("impersonation_expires_at", to: SQLLiteral.null)
                .set("impersonation_reason", to: SQLLiteral.null)
                .where("id", .equal, try session.requireID())
                .where("token_digest", .equal, session.tokenDigest)
                .where("impersonator_id", .equal, impersonatorID)
                .returning("id").all()
            guard !claimed.isEmpty else { return false }
            try await recordEnd(target: target, targetID: targetID, impersonator: impersonator, partnerID: session.partnerID,
                                why: why, ip: ip, now: now, on: db)
            return true
        }
        guard ended else { return nil }
        session.tokenDigest = token.digest
        session.$operator.id = impersonatorID
        session.impersonatorID = nil
        session.impersonationStartedAt = nil
        session.impersonationExpiresAt = nil
        session.impersonationReason = nil
        SessionRenewal.issue(token)
        return token
    }

    /// Ends a browser session in which someone is logged in as another operator, because the
    /// person really acting may no longer be signed in at all. The entry is written once, by
    /// whichever request deletes the session.
    static func endSignedOut(session: PortalSession, why: String, ip: String, now: Date = Date(), on db: any Database) async throws {
        guard let impersonatorID = session.impersonatorID else {
            try await session.delete(on: db)
            return
        }
        let target = try await Operator.query(on: db).filter(\.$id == session.$operator.id).filter(\.$partner.$id == session.partnerID).first()
        let impersonator = try await Operator.query(on: db).filter(\.$id == impersonatorID).filter(\.$partner.$id == session.partnerID).first()
        try await db.writeTransaction { db in
            let deleted = try await db.sql.delete(from: PortalSession.schema).where("id", .equal, try session.requireID()).returning("id").all()
            guard !deleted.isEmpty else { return }
            try await recordEnd(target: target, targetID: session.$operator.id, impersonator: impersonator, partnerID: session.partnerID,
                                why: why, ip: ip, now: now, on: db)
        }
    }

    /// Ends every login-as that `impersonatorID` started, in the browser and through the API,
    /// with an entry for each (the impersonator blocked, removed, or all their sessions ended).
    static func endAll(startedBy impersonatorID: UUID, why: String, ip: String, now: Date = Date(), on db: any Database) async throws {
        let sessions = try await PortalSession.query(on: db).filter(\.$impersonatorID == impersonatorID).all()
        for session in sessions {
            try await endSignedOut(session: session, why: why, ip: ip, now: now, on: db)
        }
        let tokens = try await APIToken.query(on: db).filter(\.$impersonatorID == impersonatorID).all()
        for token in tokens {
            try await endToken(try token.requireID(), why: why, ip: ip, now: now, on: db)
        }
    }

    /// Revokes an API token made by logging in as someone.
    static func endToken(_ tokenID: UUID, why: String, ip: String, now: Date = Date(), on db: any Database) async throws {
        guard let token = try await APIToken.find(tokenID, on: db), let impersonatorID = token.impersonatorID else { return }
        let target = try await Operator.query(on: db).filter(\.$id == token.$operator.id).filter(\.$partner.$id == token.partnerID).first()
        let impersonator = try await Operator.query(on: db).filter(\.$id == impersonatorID).filter(\.$partner.$id == token.partnerID).first()
        try await db.writeTransaction { db in
            try await token.delete(on: db)
            try await recordEnd(target: target, targetID: token.$operator.id, impersonator: impersonator, partnerID: token.partnerID,
                                why: why, ip: ip, now: now, on: db)
        }
    }

    private static func recordStart(target: Operator, context: AuditContext, reason: String?, until expiry: Date, via: String,
                                    now: Date, on db: any Database) async throws {
        let until = ISO8601DateFormatter().string(from: expiry)
        try await Audit.record("operator.impersonation-started", in: context, partnerID: target.$partner.id, target: Audit.target(target),
                               details: ["via \(via), until \(until)", reason.map { "reason: \($0)" }].compactMap { $0 }.joined(separator: "\n"),
                               now: now, on: db)
    }

    private static func recordEnd(target: Operator?, targetID: UUID, impersonator: Operator?, partnerID: UUID, why: String, ip: String,
                                  now: Date, on db: any Database) async throws {
        let actor = AuditActor(id: target?.id ?? targetID, name: target?.name ?? "Removed operator",
                               impersonator: impersonator.flatMap { op in op.id.map { .init(id: $0, name: op.name) } })
        try await Audit.record("operator.impersonation-ended", by: actor, partnerID: partnerID,
                               target: target.map(Audit.target) ?? ("operator", targetID.uuidString.lowercased(), "Removed operator"),
                               details: why, ip: ip, now: now, on: db)
    }
}
