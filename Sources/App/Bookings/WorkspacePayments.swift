import Fluent
import Foundation

/// Payments of a client account as its owner and staff record them in the workspace. Each
/// one moves the account's last activity, as bookings do.
enum WorkspacePayments {
    struct Input: Sendable, Equatable {
        var amount = ""
        var currency = ""
        var method = PaymentMethod.card.rawValue
        var status = PaymentStatus.paid.rawValue
        var at = ""
    }

    /// The currency the form starts with before the account has recorded a payment.
    static let defaultCurrency = "EUR"

    @discardableResult
    static func record(_ input: Input, by user: WorkspaceUser, ip: String, now: Date, on db: any Database) async throws -> UUID {
        try require(AccessPolicy.mayKeepPayments(user.role))
        let account = try await WorkspaceRecords.account(of: user, on: db)
        var errors = OperatorInput.Errors()
        var currency: String?
        switch Money.currency(input.currency) {
        case .success(let code): currency = code
        case .failure(let message): errors.fields["currency"] = message
        }
        var amount: Int64?
        switch Money.parse(input.amount, currency: currency ?? "") {
        case .success(let minor): amount = minor
        case .failure(let message): errors.fields["amount"] = message
        }
        let method = PaymentMethod(rawValue: input.method)
        if method == nil { errors.fields["method"] = "Choose how it was paid." }
        let status = PaymentStatus(rawValue: input.status)
        if status == nil { errors.fields["status"] = "Choose one of the statuses." }
        // Empty means now; a payment is recorded when it happened, never ahead of time.
        var at: Date? = now
        if input.at.nilIfBlank != nil {
            switch WorkspaceRecords.time(input.at) {
            case .success(let date):
                if date > now.addingTimeInterval(60) {
                    errors.fields["at"] = "A payment cannot be recorded ahead of time."
                    at = nil
                } else if date < now.addingTimeInterval(-WorkspaceBookings.furthestBack) {
                    errors.fields["at"] = "Choose a time within the last year."
                    at = nil
                } else {
                    at = date
                }
            case .failure(let message):
                errors.fields["at"] = message
                at = nil
            }
        }
        guard errors.isEmpty, let currency, let amount, let method, let status, let at else { throw errors }
        let payment = PaymentRecord()
        let id = UUID()
        payment.id = id
        payment.partnerID = user.partnerID
        payment.accountID = user.accountID
        payment.externalID = WorkspaceRecords.externalID(prefix: "pm_")
        payment.occurredAt = at
        payment.amountMinor = amount
        payment.currency = currency
        payment.method = method
        payment.status = status
        try await db.writeTransaction { db in
            try await payment.create(on: db)
            try await AccountActivityClock.touch(accountID: user.accountID, partnerID: user.partnerID, at: now, on: db)
            try await Audit.record("account.payment-recorded", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "\(Money.format(amount, currency)) by \(method.title.lowercased()), \(status.title.lowercased()), "
                                       + "at \(WorkspaceRecords.describe(at)), by \(user.role.rawValue) \(user.email)",
                                   ip: ip, now: now, on: db)
        }
        return id
    }

    /// A payment's status changed (refunded, failed after all); another account's is not found.
    static func setStatus(_ paymentID: UUID, to rawStatus: String, by user: WorkspaceUser, ip: String, now: Date, on db: any Database) async throws {
        try require(AccessPolicy.mayKeepPayments(user.role))
        let account = try await WorkspaceRecords.account(of: user, on: db)
        guard let payment = try await PaymentRecord.query(on: db).filter(\.$id == paymentID).filter(\.$accountID == user.accountID)
            .filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.notFound("This account has no payment with this id.") }
        guard let status = PaymentStatus(rawValue: rawStatus) else { throw OperatorInput.Errors(fields: ["status": "Choose one of the statuses."]) }
        let before = payment.status
        guard before != status else { return }
        payment.status = status
        try await db.writeTransaction { db in
            try await payment.update(on: db)
            try await AccountActivityClock.touch(accountID: user.accountID, partnerID: user.partnerID, at: now, on: db)
            try await Audit.record("account.payment-status-changed", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "payment of \(Money.format(payment.amountMinor, payment.currency)) at \(WorkspaceRecords.describe(payment.occurredAt)): "
                                       + "\(before.title.lowercased()) → \(status.title.lowercased()), by \(user.role.rawValue) \(user.email)",
                                   ip: ip, now: now, on: db)
        }
    }

    static let listLimit = 200

    /// The account's latest payments, newest first.
    static func list(of user: WorkspaceUser, limit: Int = listLimit, on db: any Database) async throws -> [PaymentRecord] {
        try await PaymentRecord.query(on: db).filter(\.$accountID == user.accountID).filter(\.$partnerID == user.partnerID)
            .sort(\.$occurredAt, .descending).limit(limit).all()
    }

    struct Total: Sendable, Equatable {
        let currency: String
        let paidMinor: Int64
        let pendingMinor: Int64
        let refundedMinor: Int64
    }

    /// Totals per currency over every payment of the account since `since`: paid, pending
    /// and refunded (failed ones count for nothing).
    static func totals(of user: WorkspaceUser, since: Date, on db: any Database) async throws -> [Total] {
        var sums: [String: (paid: Int64, pending: Int64, refunded: Int64)] = [:]
        for payment in try await PaymentRecord.query(on: db).filter(\.$accountID == user.accountID).filter(\.$partnerID == user.partnerID)
            .filter(\.$occurredAt >= since).all() {
            var sum = sums[payment.currency] ?? (0, 0, 0)
            switch payment.status {
            case .paid: sum.paid &+= payment.amountMinor
            case .pending: sum.pending &+= payment.amountMinor
            case .refunded: sum.refunded &+= payment.amountMinor
            case .failed: break
            }
            sums[payment.currency] = sum
        }
        return sums.sorted { $0.key < $1.key }.map { Total(currency: $0.key, paidMinor: $0.value.paid, pendingMinor: $0.value.pending, refundedMinor: $0.value.refunded) }
    }

    private static func require(_ decision: Decision) throws {
        if case .deny(let reason) = decision { throw PortalError.denied(reason) }
    }
}
