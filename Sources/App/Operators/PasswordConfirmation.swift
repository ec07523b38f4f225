import Fluent
import Vapor

extension Request {
    /// Whether `password` is `op`'s current password, hashed on the thread pool. An empty or
    /// missing password, or an operator without one, never matches. Wrong answers count with
    /// failed sign-ins (per email and per address), so a stolen session cannot guess the
    /// password here either: past the sign-in limits this answers 429.
    func confirmsPassword(_ password: String?, of op: Operator, now: Date = Date()) async throws -> Bool {
        // Nothing typed is no guess: it neither counts nor is throttled.
        guard let password, !password.isEmpty, let hash = op.passwordHash else { return false }
        let config = application.portalConfig
        let since = now.addingTimeInterval(-config.signInFailureWindow)
        let partnerID = op.$partner.id
        let byEmail = try await SignInAttempt.query(on: db).filter(\.$partnerID == partnerID).filter(\.$email == op.email)
            .filter(\.$succeeded == false).filter(\.$at > since).count()
        let byAddress = try await SignInAttempt.query(on: db).filter(\.$ip == clientIP)
            .filter(\.$succeeded == false).filter(\.$at > since).count()
        guard byEmail < config.signInFailuresPerAccountPerMinute, byAddress < config.signInFailuresPerIPPerMinute else {
            logger.notice("password confirmation throttled", metadata: ["operator": "\(op.id?.uuidString ?? "-")", "ip": "\(clientIP)"])
            throw PortalError.tooManyRequests(retryAfterSeconds: Int(config.signInFailureWindow),
                                              detail: "Too many wrong passwords. Wait a minute and try again.")
        }
        let matches = (try? await self.password.async.verify(password, created: hash)) ?? false
        if !matches {
            try await SignInAttempt(partnerID: partnerID, email: op.email, ip: clientIP, succeeded: false, at: now).create(on: db)
            try await Audit.record("operator.password-confirmation-failed", in: auditContext, partnerID: partnerID, target: Audit.target(op),
                                   now: now, on: db)
        }
        return matches
    }
}
