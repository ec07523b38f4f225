import Fluent
import Foundation

/// The owner or a staff member of a client account: a person who signs in to the client
/// workspace with their own password (seed 001 §3.4).
final class AccountUser: Model, @unchecked Sendable {
    static let schema = "account_users"

    enum Role: String, Codable, Sendable { case owner, staff }
    enum Status: String, Codable, Sendable { case invited, active }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "role") var role: Role
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @Field(key: "status") var status: Status
    @OptionalField(key: "password_hash") var passwordHash: String?
    /// Set by a temporary password: the next sign-in must choose a new one.
    @Field(key: "must_change_password") var mustChangePassword: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(partnerID: UUID, accountID: UUID, role: Role, name: String, email: String) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.role = role
        self.name = name
        self.email = email
        self.status = .invited
        self.mustChangePassword = false
    }
}

/// A single-use link for an account user: the invite, or a password reset.
final class AccountUserToken: Model, @unchecked Sendable {
    static let schema = "account_user_tokens"

    enum Purpose: String, Codable, Sendable { case invite, reset }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "purpose") var purpose: Purpose
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}

    init(partnerID: UUID, accountUserID: UUID, purpose: Purpose, tokenDigest: String, now: Date, lifetime: TimeInterval) {
        self.partnerID = partnerID
        self.accountUserID = accountUserID
        self.purpose = purpose
        self.tokenDigest = tokenDigest
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(lifetime)
    }
}

/// A signed-in account user. Locking the account deletes them all at once.
final class AccountUserSession: Model, @unchecked Sendable {
    static let schema = "account_user_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "account_user_id") var accountUserID: UUID
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "csrf_token") var csrfToken: String
    @OptionalField(key: "last_seen_at") var lastSeenAt: Date?
    /// Set while an operator is logged in as this user: the login-as it belongs to.
    @OptionalField(key: "support_access_id") var supportAccessID: UUID?

    init() {}

    init(user: AccountUser, tokenDigest: String, now: Date, lifetime: TimeInterval, csrfToken: String = SecretToken.generate().value) throws {
        self.partnerID = user.partnerID
        self.accountID = user.accountID
        self.accountUserID = try user.requireID()
        self.tokenDigest = tokenDigest
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(lifetime)
        self.csrfToken = csrfToken
        self.lastSeenAt = now
    }
}

/// A place where the business operates (seed 003: an account's users see all its locations).
final class AccountLocation: Model, @unchecked Sendable {
    static let schema = "account_locations"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "name") var name: String
    @Field(key: "address") var address: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(partnerID: UUID, accountID: UUID, name: String, address: String) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.name = name
        self.address = address
    }
}

/// One plan of the partner's catalogue, with the staff slots it comes with.
final class PartnerPlan: Model, @unchecked Sendable {
    static let schema = "partner_plans"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "name") var name: String
    @Field(key: "staff_slots") var staffSlots: Int
    @Field(key: "position") var position: Int
    /// Set when the partner stops offering the plan; accounts that have it keep it.
    @OptionalField(key: "retired_at") var retiredAt: Date?

    init() {}

    init(partnerID: UUID, name: String, staffSlots: Int, position: Int) {
        self.partnerID = partnerID
        self.name = name
        self.staffSlots = staffSlots
        self.position = position
    }
}

/// One step of the partner's onboarding wizard, in order.
final class PartnerOnboardingStep: Model, @unchecked Sendable {
    static let schema = "partner_onboarding_steps"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "code") var code: String
    @Field(key: "title") var title: String
    @Field(key: "position") var position: Int
    /// Set when the partner no longer asks for the step: no wizard or checklist shows it.
    @OptionalField(key: "retired_at") var retiredAt: Date?

    init() {}

    init(partnerID: UUID, code: String, title: String, position: Int) {
        self.partnerID = partnerID
        self.code = code
        self.title = title
        self.position = position
    }
}

/// A booking the client's business took. `externalID` makes a re-sent record harmless.
final class AccountBooking: Model, @unchecked Sendable {
    static let schema = "account_bookings"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "external_id") var externalID: String
    @Field(key: "occurred_at") var occurredAt: Date

    init() {}
}

/// A payment the client's business accepted, in minor units of its currency.
final class AccountPayment: Model, @unchecked Sendable {
    static let schema = "account_payments"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "external_id") var externalID: String
    @Field(key: "occurred_at") var occurredAt: Date
    @Field(key: "amount_minor") var amountMinor: Int64
    @Field(key: "currency") var currency: String

    init() {}
}

/// An onboarding step the account completed.
final class AccountOnboardingStep: Model, @unchecked Sendable {
    static let schema = "account_onboarding"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "step") var step: String
    @Field(key: "completed_at") var completedAt: Date

    init() {}
}

/// A web site the account's widget was seen on.
final class AccountSite: Model, @unchecked Sendable {
    static let schema = "account_sites"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "host") var host: String
    @Field(key: "first_seen_at") var firstSeenAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date

    init() {}
}
