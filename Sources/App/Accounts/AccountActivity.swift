import Fluent
import Foundation
import SQLKit

/// What a client account does on the platform (seed 001 §3.2): bookings, payments,
/// onboarding steps done and sites its widget was seen on. Integrations push it in through
/// the API; each record carries its own id, so sending it twice counts it once. The latest
/// time seen becomes the account's last activity, which the list's header counts read.
enum AccountActivity {
    /// The details are optional: left out, a booking is confirmed and a payment paid, by
    /// another method (the columns' defaults).
    struct Booking: Sendable, Equatable {
        let id: String; let at: Date
        var service: String? = nil, clientName: String? = nil, clientEmail: String? = nil, status: BookingStatus? = nil, note: String? = nil
    }
    struct Payment: Sendable, Equatable {
        let id: String; let at: Date; let amountMinor: Int64; let currency: String
        var method: PaymentMethod? = nil, status: PaymentStatus? = nil
    }
    struct StepDone: Sendable, Equatable { let step: String; let at: Date }
    struct SiteSeen: Sendable, Equatable { let host: String; let at: Date }

    struct Batch: Sendable, Equatable {
        var bookings: [Booking] = []
        var payments: [Payment] = []
        var steps: [StepDone] = []
        var sites: [SiteSeen] = []

        var isEmpty: Bool { bookings.isEmpty && payments.isEmpty && steps.isEmpty && sites.isEmpty }
        var latest: Date? { (bookings.map(\.at) + payments.map(\.at) + steps.map(\.at) + sites.map(\.at)).max() }
    }

    struct Recorded: Sendable, Equatable {
        var bookings = 0, payments = 0, steps = 0, sites = 0
    }

    static let maxItems = 1000

    /// Records the batch; returns how many records were new (the rest were already known).
    static func record(_ batch: Batch, for account: Account, by actor: Actor, now: Date = Date(), on db: any Database) async throws -> Recorded {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountEdit, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
        let known = Set(try await PlanCatalogue.steps(for: account, on: db).map(\.code))
        if let unknown = batch.steps.first(where: { !known.contains($0.step) }) {
            throw PortalError.unknownReference("\(unknown.step) is not one of this account's onboarding steps (\(known.sorted().joined(separator: ", "))).")
        }
        let accountID = try account.requireID(), partnerID = account.partnerID
        return try await db.writeTransaction { db in
            let sql = try db.sql
            var recorded = Recorded()
            func insert(_ table: String, _ columns: [String], _ values: [any Encodable & Sendable], conflict: [String]) async throws -> Int {
                let rows = try await sql.insert(into: table).columns(["id", "partner_id", "account_id"] + columns)
                    .values([UUID(), partnerID, accountID] + values)
                    .ignoringConflicts(with: conflict).returning("id").all()
                return rows.count
            }
            for booking in batch.bookings {
                let details: [(String, (any Encodable & Sendable)?)] = [("service", booking.service), ("client_name", booking.clientName),
                                                                        ("client_email", booking.clientEmail), ("status", booking.status?.rawValue),
                                                                        ("note", booking.note)]
                let given = details.compactMap { column, value in value.map { (column, $0) } }
                recorded.bookings += try await insert("account_bookings", ["external_id", "occurred_at"] + given.map(\.0),
                                                      [booking.id, booking.at] + given.map(\.1), conflict: ["account_id", "external_id"])
            }
            for payment in batch.payments {
                let details: [(String, (any Encodable & Sendable)?)] = [("method", payment.method?.rawValue), ("status", payment.status?.rawValue)]
                let given = details.compactMap { column, value in value.map { (column, $0) } }
                recorded.payments += try await insert("account_payments", ["external_id", "occurred_at", "amount_minor", "currency"] + given.map(\.0),
                                                      [payment.id, payment.at, payment.amountMinor, payment.currency] + given.map(\.1),
                                                      conflict: ["account_id", "external_id"])
            }
            for step in batch.steps {
                recorded.steps += try await insert("account_onboarding", ["step", "completed_at"], [step.step, step.at], conflict: ["account_id", "step"])
            }
            for site in batch.sites {
                let existing = try await AccountSite.query(on: db).filter(\.$accountID == accountID).filter(\.$host == site.host).first()
                if let existing {
                    existing.firstSeenAt = min(existing.firstSeenAt, site.at)
                    existing.lastSeenAt = max(existing.lastSeenAt, site.at)
                    try await existing.update(on: db)
                } else {
                    recorded.sites += try await insert("account_sites", ["host", "first_seen_at", "last_seen_at"], [site.host, site.at, site.at],
                                                       conflict: ["account_id", "host"])
                }
            }
            // A time in the future counts as now: last activity never runs ahead of the clock.
            if let latest = batch.latest.map({ min($0, now) }), latest > (account.lastActivityAt ?? .distantPast) {
                try await sql.update(Account.schema).set("last_activity_at", to: latest)
                    .where("id", .equal, accountID)
                    .where(SQLQueryString("(last_activity_at IS NULL OR last_activity_at < \(bind: latest))")).run()
                account.lastActivityAt = latest
            }
            return recorded
        }
    }

    /// The Activity tab: bookings and payments per week over the last 13 weeks, onboarding
    /// steps done, and sites.
    struct Summary: Sendable {
        struct Week: Sendable, Equatable {
            let start: Date
            var bookings = 0
            var payments = 0
        }

        struct Total: Sendable, Equatable {
            let currency: String
            let amountMinor: Int64
        }

        var weeks: [Week]
        var paymentTotals: [Total]
        var stepsDone: [String: Date]
        var sites: [AccountSite]

        var bookings: Int { weeks.reduce(0) { $0 + $1.bookings } }
        var payments: Int { weeks.reduce(0) { $0 + $1.payments } }
    }

    static let weeks = 13

    static func summary(of account: Account, by actor: Actor, now: Date = Date(), on db: any Database) async throws -> Summary {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountActivityView, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
        return try await summary(ofAccount: try account.requireID(), now: now, on: db)
    }

    /// The same figures for the account's own people in the workspace, who need no operator's
    /// permission to see their own business.
    static func summary(ofAccount accountID: UUID, now: Date = Date(), on db: any Database) async throws -> Summary {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let thisWeek = calendar.dateInterval(of: .weekOfYear, for: now)?.start ?? now
        let starts = (0..<weeks).reversed().map { calendar.date(byAdding: .weekOfYear, value: -$0, to: thisWeek)! }
        let since = starts[0]
        func index(_ date: Date) -> Int? {
            guard date >= since, date <= now else { return nil }
            return min(Int(date.timeIntervalSince(since) / (7 * 86_400)), weeks - 1)
        }
        var summary = Summary(weeks: starts.map { .init(start: $0) }, paymentTotals: [], stepsDone: [:], sites: [])
        for booking in try await AccountBooking.query(on: db).filter(\.$accountID == accountID).filter(\.$occurredAt >= since).all() {
            if let i = index(booking.occurredAt) { summary.weeks[i].bookings += 1 }
        }
        var totals: [String: Int64] = [:]
        for payment in try await PaymentRecord.query(on: db).filter(\.$accountID == accountID).filter(\.$occurredAt >= since).all() {
            if let i = index(payment.occurredAt) {
                summary.weeks[i].payments += 1
                // What was taken: a pending, failed or refunded payment is activity, not money.
                if payment.status == .paid { totals[payment.currency, default: 0] &+= payment.amountMinor }
            }
        }
        summary.paymentTotals = totals.sorted { $0.key < $1.key }.map { .init(currency: $0.key, amountMinor: $0.value) }
        for step in try await AccountOnboardingStep.query(on: db).filter(\.$accountID == accountID).all() {
            summary.stepsDone[step.step] = step.completedAt
        }
        summary.sites = try await AccountSite.query(on: db).filter(\.$accountID == accountID).sort(\.$lastSeenAt, .descending).limit(200).all()
        return summary
    }

    /// "1,234.50 EUR", from minor units (two decimals, the common case).
    static func money(_ minor: Int64, _ currency: String) -> String {
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let whole = (magnitude / 100).formatted(.number.grouping(.automatic))
        return "\(sign)\(whole).\(String(format: "%02d", Int(magnitude % 100))) \(currency)"
    }

    /// A host name as a widget reports it: lowercase, no scheme, port or path.
    static func normalizeHost(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text.removeFirst(scheme.count) }
        text = String(text.prefix { $0 != "/" && $0 != ":" && $0 != "?" && $0 != "#" })
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        func valid(_ label: Substring) -> Bool {
            (1...63).contains(label.count) && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
                && label.first != "-" && label.last != "-"
        }
        guard text.count <= 253, labels.count >= 2, labels.allSatisfy(valid) else { return nil }
        return text
    }
}
