import Fluent
import Vapor

/// Sends what the outbox holds: claims due messages, hands each to its channel's transport,
/// and records the outcome at once. The `outbox` job runs a round every second in every
/// serving instance; the messages' own claims keep instances apart, and a round repeated
/// after a crash sends only what is still pending (a message accepted but not yet marked
/// sent can go twice: delivery is at least once).
enum DeliveryWorker {
    static let batchSize = 20
    static let lease: TimeInterval = 120
    static let maxAttempts = 12

    /// The transports the configuration asks for.
    static func transports(for config: AppConfig, app: Application) -> Transports {
        Transports(
            email: config.smtp.map { SMTPTransport(settings: $0, group: app.eventLoopGroup) },
            sms: config.smsWebhook.map { SMSWebhookTransport(url: $0.url, token: $0.token, client: app.client) }
        )
    }

    /// One round: claim, send, record. Returns how many messages it handled.
    @discardableResult
    static func runOnce(db: any Database, transports: Transports, worker: String, now: Date,
                        retryCap: TimeInterval = 900, lease: TimeInterval = DeliveryWorker.lease, logger: Logger) async throws -> Int {
        let due = try await Outbox.claim(worker: worker, limit: batchSize, lease: lease, now: now, on: db)
        guard !due.isEmpty else { return 0 }
        let partnerIDs = Set(due.map(\.partnerID))
        let names = try await Partner.query(on: db).filter(\.$id ~~ partnerIDs).all()
            .reduce(into: [UUID: String]()) { names, partner in if let id = partner.id { names[id] = partner.name } }
        for message in due {
            guard let transport = transports.transport(for: message.channel) else {
                try await Outbox.markHeld(message, now: Date(), on: db)
                logger.notice("message kept in the development mailbox", metadata: ["channel": "\(message.channel.rawValue)", "to": "\(message.recipient)"])
                continue
            }
            do {
                try await transport.send(message, partnerName: names[message.partnerID] ?? Layout.productName)
                try await Outbox.markSent(message, now: Date(), on: db)
                logger.info("message sent", metadata: ["channel": "\(message.channel.rawValue)", "id": "\(message.id?.uuidString ?? "")"])
            } catch {
                try await Outbox.markFailedAttempt(message, error: "\(error)", now: Date(), maxAttempts: maxAttempts, retryCap: retryCap, on: db)
                logger.warning("message not sent; will retry", metadata: ["channel": "\(message.channel.rawValue)", "attempt": "\(message.attempts + 1)", "error": "\(error)"])
            }
        }
        return due.count
    }
}
