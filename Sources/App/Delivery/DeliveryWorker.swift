import Fluent
import NIOConcurrencyHelpers
import Vapor

/// Sends what the outbox holds: claims due messages, hands each to its channel's transport,
/// and records the outcome at once. Runs in every serving instance; claims keep them apart.
final class DeliveryWorker: LifecycleHandler, Sendable {
    let transports: Transports
    let interval: Duration
    let retryCap: TimeInterval
    let workerID: String
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    static let batchSize = 20
    static let lease: TimeInterval = 120
    static let maxAttempts = 12

    init(transports: Transports, interval: Duration = .seconds(1), retryCap: TimeInterval = 900) {
        self.transports = transports
        self.interval = interval
        self.retryCap = retryCap
        self.workerID = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    func didBootAsync(_ app: Application) async throws {
        let started = Task { [transports, interval, workerID, retryCap] in
            while !Task.isCancelled {
                do {
                    _ = try await Self.runOnce(db: app.db, transports: transports, worker: workerID, now: Date(),
                                               retryCap: retryCap, logger: app.logger)
                } catch {
                    app.logger.warning("delivery round failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLockedValue { $0 = started }
    }

    /// The transports the configuration asks for.
    static func transports(for config: AppConfig, app: Application) -> Transports {
        Transports(
            email: config.smtp.map { SMTPTransport(settings: $0, group: app.eventLoopGroup) },
            sms: config.smsWebhook.map { SMSWebhookTransport(url: $0.url, token: $0.token, client: app.client) }
        )
    }

    /// Stops after the round in progress, then releases whatever this worker still holds.
    func shutdownAsync(_ app: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
        do {
            let released = try await Outbox.release(worker: workerID, on: app.db)
            if released > 0 { app.logger.notice("released unsent messages for other instances", metadata: ["count": "\(released)"]) }
        } catch {
            app.logger.warning("could not release claimed messages; they wait out their lease", metadata: ["error": "\(error)"])
        }
    }

    /// One round: claim, send, record. Returns how many messages it handled.
    @discardableResult
    static func runOnce(db: any Database, transports: Transports, worker: String, now: Date,
                        retryCap: TimeInterval = 900, logger: Logger) async throws -> Int {
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
