import Fluent
import Vapor

/// Recognises the session cookie: loads the session with its operator, checks it belongs to
/// this partner, has not expired or idled out, and that the operator is still active.
/// A session that fails any check is deleted and its cookie cleared.
struct SessionAuthenticator: AsyncMiddleware {
    /// Sliding the idle deadline costs a write; do it at most this often per session.
    static let touchInterval: TimeInterval = 60

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let token = request.cookies[SessionCookies.session]?.string, !token.isEmpty else {
            return try await next.respond(to: request)
        }
        let partner = try request.partner
        let now = Date()
        // Whatever renews the session's token during this request (login-as starting or
        // ending, here or in a handler) leaves the new token here for the response's cookie.
        let renewal = SessionRenewal()
        return try await SessionRenewal.$current.withValue(renewal) {
            let valid: SignedIn?
            if let (signedIn, actor) = try await SessionStore.resumeDirectly(token: token, partner: partner, now: now, on: request.db) {
                valid = signedIn
                request.remember(actor)
            } else {
                valid = try await SessionStore.resume(token: token, partner: partner, now: now, ip: request.clientIP, on: request.db)
            }
            let response: Response
            if let valid {
                request.signedIn = valid
                if let impersonator = valid.impersonator {
                    request.logger[metadataKey: "impersonator"] = "\(impersonator.id)"
                }
                response = try await next.respond(to: request)
            } else {
                response = try await next.respond(to: request)
                if response.cookies[SessionCookies.session] == nil, !renewal.supersededByAnotherRequest {
                    response.cookies[SessionCookies.session] = SessionCookies.expired(for: request)
                }
            }
            if let renewed = renewal.token, response.cookies[SessionCookies.session]?.string.isEmpty ?? true {
                response.cookies[SessionCookies.session] = SessionCookies.make(renewed.value, for: request)
            }
            return response
        }
    }
}

/// Creating, resuming and ending sessions.
enum SessionStore {
    struct Started: Sendable {
        let token: SecretToken
        let session: PortalSession
    }

    static func start(operator op: Operator, partner: Partner, ip: String, userAgent: String, now: Date, on db: any Database) async throws -> Started {
        let token = SecretToken.generate()
        let session = PortalSession(
            tokenDigest: token.digest, partnerID: try partner.requireID(), operatorID: try op.requireID(),
            csrfToken: SecretToken.generate().value, now: now,
            expiresAt: now.addingTimeInterval(TimeInterval(partner.absoluteTimeoutMinutes * 60)),
            ip: ip, userAgent: userAgent
        )
        try await session.create(on: db)
        return Started(token: token, session: session)
    }

    /// The usual case in one query: a valid session of an active operator, not logged in as
    /// anyone; the operator and their actor. Nil sends the request to `resume`, which handles
    /// everything else (and deletes what has run out).
    static func resumeDirectly(token: String, partner: Partner, now: Date, on db: any Database) async throws -> (SignedIn, Actor)? {
        let partnerID = try partner.requireID()
        guard let found = try await SignedInLookup.find(.session, digest: SecretToken.digest(of: token), partnerID: partnerID, on: db),
              found.impersonatorID == nil, found.status == .active,
              let lastSeen = found.lastSeenAt, let expires = found.expiresAt, let csrf = found.csrfToken,
              expires > now, lastSeen.addingTimeInterval(TimeInterval(partner.idleTimeoutMinutes * 60)) > now
        else { return nil }
        if now.timeIntervalSince(lastSeen) > SessionAuthenticator.touchInterval {
            try await PortalSession.query(on: db).filter(\.$id == found.credentialID).set(\.$lastSeenAt, to: now).update()
        }
        var signedIn = SignedIn(operatorID: found.operatorID, partnerID: partnerID, name: found.name, email: found.email,
                                grants: found.grants, credential: .session(id: found.credentialID, csrfToken: csrf))
        signedIn.noticeWaiting = found.noticeWaiting
        return (signedIn, try await SignedInLookup.actor(found, partnerID: partnerID, on: db))
    }

    /// The signed-in operator for a session token, or nil (and the session deleted) when it
    /// is unknown, another partner's, expired, idle too long, or its operator is not active.
    static func resume(token: String, partner: Partner, now: Date, ip: String = "", on db: any Database) async throws -> SignedIn? {
        let found = try await PortalSession.query(on: db)
            .filter(\.$tokenDigest == SecretToken.digest(of: token))
            .with(\.$operator) { $0.with(\.$grants) }
            .first()
        guard let session = found else { return nil }
        let idleDeadline = session.lastSeenAt.addingTimeInterval(TimeInterval(partner.idleTimeoutMinutes * 60))
        guard session.partnerID == partner.id, session.expiresAt > now, idleDeadline > now else {
            try await session.delete(on: db)
            return nil
        }
        if let impersonatorID = session.impersonatorID {
            // The person really at the keyboard must still be allowed in; the one they are
            // logged in as must still be active, and the time limit not passed.
            guard let impersonator = try await Operator.query(on: db).filter(\.$id == impersonatorID).with(\.$grants).first(),
                  impersonator.status == .active
            else {
                try await Impersonation.endSignedOut(session: session, why: "the operator who logged in is no longer active", ip: ip, now: now, on: db)
                return nil
            }
            let expired = session.impersonationExpiresAt.map { $0 <= now } ?? true
            if expired || session.operator.status != .active {
                // Ended here, under a new token; a request that lost the race to end it is
                // holding the old token, which no longer works.
                guard try await Impersonation.end(session: session, why: expired ? "time limit reached" : "\(session.operator.name) is no longer active",
                                                  ip: ip, now: now, on: db) != nil
                else {
                    SessionRenewal.supersede()
                    return nil
                }
                return try SignedIn(operator: impersonator, credential: .session(id: try session.requireID(), csrfToken: session.csrfToken))
            }
            var signedIn = try SignedIn(operator: session.operator, credential: .session(id: try session.requireID(), csrfToken: session.csrfToken))
            signedIn.impersonator = .init(id: impersonatorID, name: impersonator.name, expiresAt: session.impersonationExpiresAt)
            try await touch(session, now: now, on: db)
            return signedIn
        }
        guard session.operator.status == .active else {
            try await session.delete(on: db)
            return nil
        }
        try await touch(session, now: now, on: db)
        return try SignedIn(operator: session.operator, credential: .session(id: try session.requireID(), csrfToken: session.csrfToken))
    }

    private static func touch(_ session: PortalSession, now: Date, on db: any Database) async throws {
        if now.timeIntervalSince(session.lastSeenAt) > SessionAuthenticator.touchInterval {
            session.lastSeenAt = now
            try await session.update(on: db)
        }
    }

    static func end(sessionID: UUID, on db: any Database) async throws {
        try await PortalSession.query(on: db).filter(\.$id == sessionID).delete()
    }

    /// Ends every session of an operator (password or email change, block, removal).
    static func endAll(operatorID: UUID, on db: any Database) async throws {
        // Each login-as they started ends with an entry (block calls `Impersonation.endAll`
        // first with its own reason; then there is nothing left here).
        try await Impersonation.endAll(startedBy: operatorID, why: "the sessions of the operator who logged in were ended", ip: "", on: db)
        // Their own sessions, and those in which they are logged in as someone else. A session
        // in which someone else is logged in as them goes back to that person on its next request.
        try await PortalSession.query(on: db).group(.or) { either in
            either.group(.and) { $0.filter(\.$operator.$id == operatorID).filter(\.$impersonatorID == nil) }
                .filter(\.$impersonatorID == operatorID)
        }.delete()
        // Tokens made by logging in as someone end with the person who made them.
        try await APIToken.query(on: db).filter(\.$impersonatorID == operatorID).delete()
    }
}

extension SignedIn {
    init(operator op: Operator, credential: Credential) throws {
        self.init(
            operatorID: try op.requireID(), partnerID: op.$partner.id, name: op.name, email: op.email,
            grants: op.grants.map { GrantSummary(role: $0.role, scope: $0.scope, scopeID: $0.scopeID) },
            credential: credential
        )
    }
}
