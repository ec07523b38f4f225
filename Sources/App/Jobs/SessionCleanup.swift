import Fluent
import Foundation
import SQLKit

/// Deletes the sessions past their time limits, which a request would refuse anyway:
/// operators' (the partner's idle and absolute timeouts, as `SessionStore.resume` checks
/// them) and owners' and staff's (`WorkspaceSessions`). A session in which an operator is
/// logged in as someone else ends with its entry, as when a request finds it timed out;
/// each entry is written once, by whichever run or request ends it. Run again at the same
/// time, it finds nothing left: `session-cleanup`.
enum SessionCleanup {
    static let reason = "the session timed out"

    @discardableResult
    static func run(now: Date, on db: any Database) async throws -> Int {
        var ended = 0
        for partner in try await Partner.query(on: db).all() {
            ended += try await endOperatorSessions(of: partner, now: now, on: db)
            ended += try await endWorkspaceSessions(partnerID: try partner.requireID(), now: now, on: db)
        }
        return ended
    }

    private static func endOperatorSessions(of partner: Partner, now: Date, on db: any Database) async throws -> Int {
        let partnerID = try partner.requireID()
        let idleSince = now.addingTimeInterval(-TimeInterval(partner.idleTimeoutMinutes * 60))
        let timedOut = try await PortalSession.query(on: db).filter(\.$partnerID == partnerID)
            .group(.or) { $0.filter(\.$expiresAt <= now).filter(\.$lastSeenAt <= idleSince) }
            .all()
        for session in timedOut {
            if session.impersonatorID != nil {
                try await Impersonation.endSignedOut(session: session, why: reason, ip: "", now: now, on: db)
            } else {
                try await PortalSession.query(on: db).filter(\.$partnerID == partnerID).filter(\.$id == session.requireID()).delete()
            }
        }
        return timedOut.count
    }

    private static func endWorkspaceSessions(partnerID: UUID, now: Date, on db: any Database) async throws -> Int {
        let idleSince = now.addingTimeInterval(-WorkspaceSessions.idleLimit)
        let timedOut = try await AccountUserSession.query(on: db).filter(\.$partnerID == partnerID)
            .group(.or) { either in
                either.filter(\.$expiresAt <= now).filter(\.$lastSeenAt < idleSince)
                    .group(.and) { $0.filter(\.$lastSeenAt == nil).filter(\.$createdAt < idleSince) }
            }
            .all()
        for session in timedOut {
            if let accessID = session.supportAccessID {
                // Ends the login-as with its entry, and deletes its session.
                try await ClientLoginAs.end(accessID, partnerID: partnerID, why: reason, ip: "", now: now, on: db)
            }
            try await AccountUserSession.query(on: db).filter(\.$partnerID == partnerID).filter(\.$id == session.requireID()).delete()
        }
        return timedOut.count
    }
}
