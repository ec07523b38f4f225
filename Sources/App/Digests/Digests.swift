import Fluent
import Foundation
import Vapor

/// The digest of outstanding tasks (PRODUCT.md §4, notification preferences): for each
/// operator who may receive it, at 08:00 in their time zone (`DigestSchedule`), the tasks
/// their Tasks page shows in the categories they chose. Nothing is sent when the digest
/// would be empty, and each period's digest is sent once, whichever instance sends it.
enum Digests {
    /// Where the links of a digest point, and the key of its unsubscribe token.
    struct Links: Sendable {
        let secrets: SecretBox
        /// PUBLIC_URL, for a partner without a registered domain.
        var publicURL: String? = nil

        /// The partner's first registered domain; else PUBLIC_URL; else localhost.
        func base(for partner: Partner) -> String {
            if let host = partner.$domains.value?.first?.host { return "https://\(host)" }
            if let configured = publicURL?.nilIfEmpty { return configured.hasSuffix("/") ? String(configured.dropLast()) : configured }
            return CommandLookup.defaultBase(for: partner)
        }
    }

    /// A digest ready to go out.
    struct Digest: Sendable, Equatable {
        let partnerID: UUID
        let operatorID: UUID
        let periodKey: String
        let recipient: String
        let subject: String
        let body: String
        let headers: [MailHeader]
    }

    /// What an operator's digest is at a given time.
    enum Plan: Sendable, Equatable {
        case send(Digest)
        case mayNotReceive(DenyReason)
        case noCategories
        case notDue(next: Date)
        case alreadySent(periodKey: String)
        case empty(periodKey: String)
    }

    /// Enqueues every digest due at `now`, for every partner, and returns how many. Safe to
    /// run again and from several instances at once: a digest already recorded for its
    /// period is skipped, whoever recorded it.
    static func runDue(now: Date, on db: any Database, logger: Logger, links: Links) async throws -> Int {
        var enqueued = 0
        for partner in try await Partner.query(on: db).with(\.$domains).all() {
            let operators = try await Operator.query(on: db).filter(\.$partner.$id == partner.requireID())
                .filter(\.$status == .active).with(\.$grants).sort(\.$id).all()
            for op in operators {
                guard case .send(let digest) = try await plan(for: op, partner: partner, now: now, links: links, on: db) else { continue }
                if try await enqueue(digest, now: now, on: db) {
                    enqueued += 1
                } else {
                    logger.debug("digest already sent by another instance", metadata: ["operator": "\(digest.operatorID)", "period": "\(digest.periodKey)"])
                }
            }
        }
        if enqueued > 0 { logger.info("digests enqueued", metadata: ["count": "\(enqueued)"]) }
        return enqueued
    }

    /// The same, with the application's key and PUBLIC_URL: what a job runner calls.
    static func runDue(now: Date, on app: Application) async throws -> Int {
        try await runDue(now: now, on: app.db, logger: app.logger,
                         links: Links(secrets: try app.secrets(), publicURL: app.portalConfig.publicURL))
    }

    /// The delivery row and the message, in one transaction; false when the period's
    /// digest was recorded already (by another instance, or an earlier run).
    static func enqueue(_ digest: Digest, now: Date, on db: any Database) async throws -> Bool {
        try await db.writeTransaction { tx in
            guard let deliveryID = try await DigestDelivery.claim(partnerID: digest.partnerID, operatorID: digest.operatorID,
                                                                  periodKey: digest.periodKey, now: now, on: tx)
            else { return false }
            let message = try await Outbox.enqueue(partnerID: digest.partnerID, channel: .email, to: digest.recipient, subject: digest.subject,
                                                   body: digest.body, headers: digest.headers, now: now, on: tx)
            try await DigestDelivery.query(on: tx).filter(\.$id == deliveryID).set(\.$messageID, to: message.id).update()
            return true
        }
    }

    /// What would be sent to `op` at `now`, or why nothing would: reads only, records nothing.
    /// `op` comes with its grants loaded; `partner` with its domains.
    static func plan(for op: Operator, partner: Partner, now: Date, links: Links, on db: any Database) async throws -> Plan {
        let actor = try await AccessLoader.actor(for: op, on: db)
        if case .deny(let reason) = AccessPolicy.mayReceiveDigest(actor) { return .mayNotReceive(reason) }
        let preferences = op.notificationPreferences
        guard !preferences.categories.isEmpty else { return .noCategories }
        let zone = DigestSchedule.timeZone(named: op.timeZone)
        guard let period = DigestSchedule.duePeriod(at: now, frequency: preferences.frequency, in: zone) else {
            return .notDue(next: DigestSchedule.nextSend(after: now, frequency: preferences.frequency, in: zone))
        }
        let partnerID = try partner.requireID(), operatorID = try op.requireID()
        if try await DigestDelivery.exists(partnerID: partnerID, operatorID: operatorID, periodKey: period.key, on: db) {
            return .alreadySent(periodKey: period.key)
        }
        let sections = try await self.sections(for: AccessPolicy.digestReader(actor), chosen: preferences.categories, partner: partner,
                                               now: now, on: db)
        guard !sections.isEmpty else { return .empty(periodKey: period.key) }
        let model = DigestEmail.Model(
            partnerName: partner.name, operatorName: op.name, frequency: preferences.frequency,
            day: DigestSchedule.dayName(period.firstDay, in: zone), sections: sections, baseURL: links.base(for: partner),
            unsubscribe: .unsubscribe(token: UnsubscribeToken.make(partnerID: partnerID, operatorID: operatorID, secrets: links.secrets)))
        return .send(Digest(partnerID: partnerID, operatorID: operatorID, periodKey: period.key, recipient: op.email,
                            subject: DigestEmail.subject(model), body: DigestEmail.body(model), headers: DigestEmail.headers(model)))
    }

    /// The Tasks page's sections for the reader, in the chosen categories, without the empty ones.
    static func sections(for reader: Actor, chosen: Set<NotificationPreferences.Category>, partner: Partner, now: Date,
                         on db: any Database) async throws -> [DigestEmail.Section] {
        let tasks = try await OutstandingTasks.sections(for: reader, now: now, limit: DigestEmail.rowsPerCategory,
                                                        thresholds: TaskThresholds(partner: partner), on: db)
        return tasks.compactMap { section -> DigestEmail.Section? in
            guard let category = NotificationPreferences.Category(rawValue: section.category.rawValue), chosen.contains(category),
                  section.total > 0 else { return nil }
            return DigestEmail.Section(category: category, total: section.total, rows: section.rows.map { row in
                switch row.subject {
                case .account(let uid): DigestEmail.Row(label: row.label, link: .account(uid: uid))
                case .operator: DigestEmail.Row(label: row.label, link: .operatorDetail(id: row.id.uuidString.lowercased()))
                }
            })
        }
    }
}
