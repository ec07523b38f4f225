import Fluent
import Vapor

/// The owner or staff member signed in to the client workspace, as a request sees them.
struct WorkspaceUser: Sendable {
    let sessionID: UUID
    let userID: UUID
    let accountID: UUID
    let partnerID: UUID
    let name: String
    let email: String
    let role: AccountUser.Role
    let accountName: String
    let csrfToken: String
    /// Set by a temporary password: nothing but choosing a new one until it is done.
    let mustChangePassword: Bool
    /// The operator acting as this person while logged in as them, and until when.
    var impersonator: Impersonator? = nil

    struct Impersonator: Sendable, Equatable {
        let operatorID: UUID
        let name: String
        let endsAt: Date
        /// The login-as (`SupportAccess`) the session belongs to.
        let accessID: UUID
    }

    /// Who an entry written from this session names: the person, and the operator acting
    /// as them while logged in as them, so that History and the audit log show both.
    var auditActor: AuditActor {
        AuditActor(id: nil, name: name, impersonator: impersonator.map { .init(id: $0.operatorID, name: $0.name) })
    }
}

extension Request {
    private struct WorkspaceUserKey: StorageKey { typealias Value = WorkspaceUser }

    var workspaceUser: WorkspaceUser? {
        get { storage[WorkspaceUserKey.self] }
        set { storage[WorkspaceUserKey.self] = newValue }
    }
}

/// Sessions of owners and staff: only the digest of the cookie is stored; they end after a
/// day without use, after 14 days in any case, when the password changes and when the
/// account is locked.
enum WorkspaceSessions {
    static let lifetime: TimeInterval = 14 * 86_400
    static let idleLimit: TimeInterval = 86_400

    struct Started: Sendable {
        let token: SecretToken
        let session: AccountUserSession
    }

    static func start(for user: AccountUser, now: Date, on db: any Database) async throws -> Started {
        let token = SecretToken.generate()
        let session = try AccountUserSession(user: user, tokenDigest: token.digest, now: now, lifetime: lifetime)
        try await session.create(on: db)
        return Started(token: token, session: session)
    }

    /// The signed-in user behind `token` on this partner, or nil. A locked account's sessions
    /// are deleted here, so locking ends them at the next request even on another instance.
    static func resume(token: String, partnerID: UUID, ip: String = "", now: Date, on db: any Database) async throws -> WorkspaceUser? {
        guard let session = try await AccountUserSession.query(on: db).filter(\.$tokenDigest == SecretToken.digest(of: token))
            .filter(\.$partnerID == partnerID).first()
        else { return nil }
        let idle = now.timeIntervalSince(session.lastSeenAt ?? session.createdAt) > idleLimit
        guard session.expiresAt > now, !idle,
              let user = try await AccountUser.query(on: db).filter(\.$id == session.accountUserID).filter(\.$partnerID == partnerID).first(),
              // An operator may set up an account before its owner has accepted the invitation.
              user.status == .active || session.supportAccessID != nil,
              let account = try await Account.query(on: db).filter(\.$id == session.accountID).filter(\.$partnerID == partnerID).first()
        else {
            try await session.delete(on: db)
            return nil
        }
        if account.locked {
            try await AccountUsers.endSessions(of: account, why: "the account was locked", now: now, on: db)
            return nil
        }
        var impersonator: WorkspaceUser.Impersonator?
        if let accessID = session.supportAccessID {
            guard let acting = try await ClientLoginAs.resume(accessID, partnerID: partnerID, ip: ip, now: now, on: db) else { return nil }
            impersonator = acting
        }
        if now.timeIntervalSince(session.lastSeenAt ?? session.createdAt) > 60 {
            session.lastSeenAt = now
            try await session.update(on: db)
        }
        return WorkspaceUser(sessionID: try session.requireID(), userID: try user.requireID(), accountID: try account.requireID(),
                             partnerID: partnerID, name: user.name, email: user.email, role: user.role, accountName: account.name,
                             csrfToken: session.csrfToken,
                             // A temporary password is the person's to replace, not the operator's.
                             mustChangePassword: impersonator == nil && user.mustChangePassword, impersonator: impersonator)
    }
}

/// Recognises the workspace session cookie on `/app` routes.
struct WorkspaceAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.cookies[SessionCookies.workspaceSession]?.string.nilIfEmpty {
            request.workspaceUser = try await WorkspaceSessions.resume(token: token, partnerID: try request.partner.requireID(), ip: request.clientIP, now: Date(),
                                                                       on: request.db)
        }
        return try await next.respond(to: request)
    }
}

/// Sends visitors without a workspace session to the workspace sign-in; a user with a
/// temporary password to the page that replaces it.
struct RequireWorkspaceUser: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.workspaceUser else {
            if request.method == .GET { return request.redirect(to: SiteURL.workspaceSignIn.path) }
            throw PortalError.unauthorized()
        }
        if user.mustChangePassword, ![SiteURL.workspacePassword.path, SiteURL.workspaceSignOut.path].contains(request.url.path) {
            return request.redirect(to: SiteURL.workspacePassword.path)
        }
        return try await next.respond(to: request)
    }
}
