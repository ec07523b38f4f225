import Fluent
import Foundation
import Vapor

/// Turning an operator's digest off from the link in it: no categories, the frequency kept,
/// audited as the operator's own change "via the email link".
enum Unsubscribe {
    /// The operator the token names, in this partner; nil for a forged or foreign token, or
    /// an operator who was removed.
    static func recipient(token: String, partnerID: UUID, secrets: SecretBox, on db: any Database) async throws -> Operator? {
        guard let operatorID = UnsubscribeToken.verify(token, partnerID: partnerID, secrets: secrets) else { return nil }
        return try await Operator.query(on: db).filter(\.$id == operatorID).filter(\.$partner.$id == partnerID).first()
    }

    static func turnOff(_ op: Operator, ip: String, now: Date = Date(), on db: any Database) async throws {
        let before = op.notificationPreferences
        guard !before.categories.isEmpty else { return }
        op.notificationPreferences = NotificationPreferences(frequency: before.frequency, categories: [])
        let change = Audit.change("notifications", before.stored, op.storedNotificationPreferences) ?? ""
        try await db.writeTransaction { db in
            try await op.update(on: db)
            try await Audit.record("operator.notifications-changed", by: AuditActor(id: op.id, name: op.name), partnerID: op.$partner.id,
                                   target: Audit.target(op), details: change + " (via the email link)", ip: ip, now: now, on: db)
        }
    }
}

/// `GET` and `POST /unsubscribe/{token}`: no session and no CSRF token (the token in the
/// address is the proof, and a mail client's one-click POST carries nothing else).
enum UnsubscribeController {
    static func show(_ request: Request) async throws -> Response {
        let (_, model) = try await resolve(request)
        return await request.page("Stop digest emails", content: UnsubscribeView.confirm(model))
    }

    static func unsubscribe(_ request: Request) async throws -> Response {
        let (op, model) = try await resolve(request)
        try await Unsubscribe.turnOff(op, ip: request.clientIP, on: request.db)
        return await request.page("Unsubscribed", content: UnsubscribeView.done(model))
    }

    private static func resolve(_ request: Request) async throws -> (Operator, UnsubscribeView.Model) {
        let partner = try request.partner
        let token = request.parameters.get("token") ?? ""
        guard let op = try await Unsubscribe.recipient(token: token, partnerID: try partner.requireID(), secrets: try request.application.secrets(),
                                                       on: request.db)
        else {
            request.logger.notice("unsubscribe link refused", metadata: ["reason": "unknown or forged token"])
            throw PortalError.notFound("This unsubscribe link is not valid. Change which digests you receive on your profile.")
        }
        return (op, UnsubscribeView.Model(partnerName: partner.name, email: op.email, action: .unsubscribe(token: token)))
    }
}
