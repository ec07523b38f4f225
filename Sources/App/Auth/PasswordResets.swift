import Fluent
import SQLKit
import Vapor

/// "Forgot password?" for operators.
///
/// The page only stores the request (`PasswordResetRequest`), in the same way for every
/// address, and answers the same words: whether the address belongs to anyone, and whether a
/// link goes out, is decided afterwards by the `password-resets` job, so neither the answer
/// nor its timing tells them apart. The link is the admin-sent reset's (`OneTimeToken`
/// `.passwordReset`, the `/setup/{token}` page), valid `linkLifetime`, and leads to the same
/// second factor as a sign-in.
enum PasswordResets {
    static let linkLifetime: TimeInterval = 60 * 60
    /// How many requests one address (per partner) and one client may make in `window`.
    static let requestsPerAddress = 3
    static let requestsPerClient = 20
    static let window: TimeInterval = 15 * 60
    /// Requests are kept this long for investigation, then deleted by the job.
    static let keptFor: TimeInterval = 86_400

    enum Outcome: Equatable {
        case queued
        /// Too many requests for the address or from the client: nothing is stored or sent.
        case throttled
    }

    /// Stores the request unless the address or the client is over its limit.
    static func request(partner: Partner, email rawEmail: String, ip: String, linkBase: String, now: Date,
                        on db: any Database, logger: Logger) async throws -> Outcome {
        let partnerID = try partner.requireID()
        let email = Operator.normalize(email: rawEmail)
        let since = now.addingTimeInterval(-window)
        let byAddress = try await PasswordResetRequest.query(on: db)
            .filter(\.$partnerID == partnerID).filter(\.$email == email).filter(\.$requestedAt > since).count()
        let byClient = try await PasswordResetRequest.query(on: db).filter(\.$ip == ip).filter(\.$requestedAt > since).count()
        if byAddress >= requestsPerAddress || byClient >= requestsPerClient {
            logger.notice("password reset request throttled", metadata: [
                "partner": "\(partner.slug)", "email": "\(email)", "ip": "\(ip)",
                "limit": "\(byAddress >= requestsPerAddress ? "address" : "client")",
            ])
            return .throttled
        }
        try await PasswordResetRequest(partnerID: partnerID, email: email, ip: ip, linkBase: linkBase, requestedAt: now).create(on: db)
        return .queued
    }

    /// Why a request gets no link, for the audit log (never shown to the person asking).
    enum Refusal: String, Equatable {
        case unknownAddress = "no operator of this partner uses the address"
        case blocked = "the operator is blocked"
        case invited = "the operator has not accepted their invitation yet"
        case tooManyLinks = "the operator was already sent the most links allowed in a short time"
    }

    /// Who gets a link: an active operator of the request's partner, found by the address.
    /// The lookup names the partner, so another partner's operator is an unknown address.
    static func refusal(for op: Operator?) -> Refusal? {
        guard let op else { return .unknownAddress }
        switch op.status {
        case .active: return nil
        case .blocked: return .blocked
        case .invited: return .invited
        }
    }

    /// The `password-resets` job: handles every stored request once (each in its own
    /// transaction, claimed inside it, so a run repeated by another instance sends nothing
    /// twice), and deletes requests older than `keptFor`. Returns the requests handled.
    static func handlePending(now: Date, on db: any Database, logger: Logger) async throws -> Int {
        let pending = try await PasswordResetRequest.query(on: db).filter(\.$handledAt == nil)
            .sort(\.$requestedAt).limit(200).all()
        var handled = 0
        for request in pending where try await handle(request, now: now, on: db, logger: logger) {
            handled += 1
        }
        // Handled within seconds of being made, so this is the age of the request too (and reads the pending index).
        try await PasswordResetRequest.query(on: db).filter(\.$handledAt < now.addingTimeInterval(-keptFor)).delete()
        return handled
    }

    private static func handle(_ request: PasswordResetRequest, now: Date, on db: any Database, logger: Logger) async throws -> Bool {
        try await db.writeTransaction { db in
            let claimed = try await db.sql.update(PasswordResetRequest.schema)
                .set("handled_at", to: now)
                .where("id", .equal, try request.requireID())
                .where("handled_at", .is, SQLLiteral.null)
                .returning("id").all()
            guard !claimed.isEmpty, let partner = try await Partner.find(request.partnerID, on: db) else { return false }
            let partnerID = try partner.requireID()
            let op = try await Operator.query(on: db)
                .filter(\.$partner.$id == partnerID).filter(\.$email == request.email).first()
            let asker = AuditActor(id: nil, name: request.email)
            // The page's limits count stored requests, which requests sent at the same moment
            // can all pass; the links this job (one at a time) issued cannot.
            var recentLinks = 0
            if let id = op?.id {
                recentLinks = try await OneTimeToken.query(on: db)
                    .filter(\.$partnerID == partnerID).filter(\.$operator.$id == id).filter(\.$purpose == .passwordReset)
                    .filter(\.$createdAt > now.addingTimeInterval(-window)).count()
            }
            if let refusal = refusal(for: op) ?? (recentLinks >= requestsPerAddress ? .tooManyLinks : nil) {
                try await Audit.record("operator.password-reset-requested", by: asker, partnerID: partnerID,
                                       target: op.map(Audit.target) ?? ("operator", nil, request.email),
                                       details: "no link sent: \(refusal.rawValue)", ip: request.ip, now: now, on: db)
                logger.notice("password reset requested; no link sent", metadata: ["partner": "\(partner.slug)", "reason": "\(refusal)"])
                return true
            }
            guard let op else { return true }
            let token = try await SetupLinks.issue(.passwordReset, operatorID: op.requireID(), partnerID: partnerID,
                                                   lifetime: linkLifetime, now: now, on: db)
            let email = Emails.forgotPassword(partner: partner.name, link: SetupLinks.url(for: token, base: request.linkBase),
                                              minutes: Int(linkLifetime / 60))
            try await Outbox.enqueue(partnerID: partnerID, channel: .email, to: op.email, subject: email.subject, body: email.body,
                                     now: now, on: db)
            try await Audit.record("operator.password-reset-requested", by: asker, partnerID: partnerID, target: Audit.target(op),
                                   details: "link emailed, valid \(Int(linkLifetime / 60)) minutes", ip: request.ip, now: now, on: db)
            logger.info("password reset link emailed", metadata: ["partner": "\(partner.slug)", "operator": "\(op.id?.uuidString ?? "")"])
            return true
        }
    }

    /// Called in the transaction that sets the new password from a reset link: every other
    /// reset link of the operator stops working, and they are told by email that it changed.
    static func linkUsed(by op: Operator, partner: Partner, ip: String, now: Date, on db: any Database) async throws {
        try await OneTimeToken.query(on: db)
            .filter(\.$partnerID == op.$partner.id).filter(\.$operator.$id == op.requireID())
            .filter(\.$purpose == .passwordReset).filter(\.$usedAt == nil)
            .set(\.$usedAt, to: now).update()
        let email = Emails.passwordChanged(partner: partner.name, at: now, timeZone: op.timeZone, ip: ip)
        try await Outbox.enqueue(partnerID: op.$partner.id, channel: .email, to: op.email, subject: email.subject, body: email.body,
                                 now: now, on: db)
    }

    /// Where an emailed link points. A registered domain of the partner is trusted as the
    /// request's host; on any other host the link uses `PUBLIC_URL` (or, unset, this server on
    /// localhost), never the `Host` header, so that nobody can have a link to their own site
    /// sent to an operator.
    static func linkBase(for request: Request) -> String {
        let server = request.application.http.server
        let ownPort = server.shared.localAddress?.port ?? server.configuration.port
        if request.hostIsRegistered {
            // The registered name, and a port only when it is this server's own or PUBLIC_URL's:
            // the Host header's port is the asker's to choose.
            let publicPort = request.application.portalConfig.publicURL.flatMap { URL(string: $0)?.port }
            let scheme = request.isSecureTransport ? "https://" : "http://"
            let host = PartnerMiddleware.host(of: request)
            if let port = requestedPort(request), port == ownPort || port == publicPort { return scheme + host + ":\(port)" }
            return scheme + host
        }
        if let configured = request.application.portalConfig.publicURL?.nilIfEmpty {
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        return "http://localhost:\(ownPort)"
    }

    /// The port of the request's Host header, if it names one.
    private static func requestedPort(_ request: Request) -> Int? {
        guard let raw = request.headers.first(name: .host) else { return nil }
        let afterHost = raw.hasPrefix("[") ? raw.split(separator: "]", maxSplits: 1).dropFirst().first.map(String.init) ?? "" : raw
        guard let colon = afterHost.lastIndex(of: ":") else { return nil }
        return Int(afterHost[afterHost.index(after: colon)...])
    }
}
