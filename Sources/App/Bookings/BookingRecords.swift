import Fluent
import Foundation

/// A booking as the workspace keeps it: `account_bookings` with the details an owner or
/// staff member (or the business page's form) gives. Integrations that record only the time
/// through the API leave the details empty.
final class BookingRecord: Model, @unchecked Sendable {
    static let schema = "account_bookings"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "external_id") var externalID: String
    @Field(key: "occurred_at") var occurredAt: Date
    @Field(key: "service") var service: String
    @Field(key: "client_name") var clientName: String
    @Field(key: "client_email") var clientEmail: String
    @Field(key: "status") var status: BookingStatus
    @OptionalField(key: "note") var note: String?

    init() {}
}

enum BookingStatus: String, Codable, Sendable, CaseIterable {
    case requested, confirmed, completed, cancelled
    case noShow = "no-show"

    var title: String {
        switch self {
        case .requested: "Requested"
        case .confirmed: "Confirmed"
        case .completed: "Completed"
        case .cancelled: "Cancelled"
        case .noShow: "No-show"
        }
    }
}

/// A payment as the workspace keeps it: `account_payments` with how it was paid and where
/// it stands.
final class PaymentRecord: Model, @unchecked Sendable {
    static let schema = "account_payments"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "external_id") var externalID: String
    @Field(key: "occurred_at") var occurredAt: Date
    @Field(key: "amount_minor") var amountMinor: Int64
    @Field(key: "currency") var currency: String
    @Field(key: "method") var method: PaymentMethod
    @Field(key: "status") var status: PaymentStatus

    init() {}
}

enum PaymentMethod: String, Codable, Sendable, CaseIterable {
    case card, cash, transfer, other

    var title: String {
        switch self {
        case .card: "Card"
        case .cash: "Cash"
        case .transfer: "Bank transfer"
        case .other: "Other"
        }
    }
}

enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    case paid, pending, refunded, failed

    var title: String {
        switch self {
        case .paid: "Paid"
        case .pending: "Pending"
        case .refunded: "Refunded"
        case .failed: "Failed"
        }
    }
}
