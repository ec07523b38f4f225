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
                        retryCap: TimeInterval = 900, lease: TimeInterval = DeliveryWorker.lease, publicURL: String? = nil,
                        logger: Logger) async throws -> Int {
        let due = try await Outbox.claim(worker: worker, limit: batchSize, lease: lease, now: now, on: db)
        guard !due.isEmpty else { return 0 }
        let partnerIDs = Set(due.map(\.partnerID))
        let brands = try await brands(of: partnerIDs, publicURL: publicURL, on: db)
        for message in due {
            guard let transport = transports.transport(for: message.channel) else {
                try await Outbox.markHeld(message, now: Date(), on: db)
                logger.notice("message kept in the development mailbox", metadata: ["channel": "\(message.channel.rawValue)", "to": "\(message.recipient)"])
                continue
            }
            do {
                try await transport.send(message, brand: brands[message.partnerID] ?? .product)
                try await Outbox.markSent(message, now: Date(), on: db)
                logger.info("message sent", metadata: ["channel": "\(message.channel.rawValue)", "id": "\(message.id?.uuidString ?? "")"])
            } catch {
                try await Outbox.markFailedAttempt(message, error: "\(error)", now: Date(), maxAttempts: maxAttempts, retryCap: retryCap, on: db)
                logger.warning("message not sent; will retry", metadata: ["channel": "\(message.channel.rawValue)", "attempt": "\(message.attempts + 1)", "error": "\(error)"])
            }
        }
        return due.count
    }

    /// Each partner's name, colour and logo, and where its links start: its first registered
    /// domain, else PUBLIC_URL. Without either, links are not made clickable and the logo is
    /// left out.
    static func brands(of partnerIDs: Set<UUID>, publicURL: String?, on db: any Database) async throws -> [UUID: EmailBrand] {
        let partners = try await Partner.query(on: db).filter(\.$id ~~ partnerIDs).with(\.$domains).all()
        let logos = try await PartnerLogo.query(on: db).filter(\.$partnerID ~~ partnerIDs).field(\.$partnerID).field(\.$digest).all()
            .reduce(into: [UUID: String]()) { $0[$1.partnerID] = $1.digest }
        return partners.reduce(into: [UUID: EmailBrand]()) { brands, partner in
            guard let id = partner.id else { return }
            let base = partner.$domains.value?.first.map { "https://\($0.host)" } ?? publicURL
            brands[id] = EmailBrand(name: partner.name, color: partner.brandColor,
                                    logoURL: base.flatMap { base in logos[id].map { base + SiteURL.brandLogo(version: $0).path } },
                                    linkBase: base)
        }
    }
}
