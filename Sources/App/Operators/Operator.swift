import Fluent
import Foundation

/// A partner's staff member who signs in to the portal.
final class Operator: Model, @unchecked Sendable {
    static let schema = "operators"

    enum Status: String, Codable, Sendable, CaseIterable {
        case invited, active, blocked
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "partner_id") var partner: Partner
    @Field(key: "email") var email: String
    @Field(key: "name") var name: String
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "status") var status: Status
    @OptionalField(key: "password_hash") var passwordHash: String?
    @Field(key: "time_zone") var timeZone: String
    @OptionalField(key: "last_login_at") var lastLoginAt: Date?
    @Field(key: "notification_preferences") var storedNotificationPreferences: String
    /// The second factor the operator enrolled (`SecondFactorMethod`), nil until they do.
    @OptionalField(key: "second_factor") var secondFactor: SecondFactorMethod?
    /// Base32 TOTP secret while the method is `totp`.
    @OptionalField(key: "totp_secret") var totpSecret: String?
    /// The last TOTP time step accepted, so that a code works only once.
    @OptionalField(key: "totp_last_step") var totpLastStep: Int64?
    /// When the phone number received a code and it was entered; nil for an unverified number.
    @OptionalField(key: "phone_verified_at") var phoneVerifiedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Children(for: \.$operator) var grants: [Grant]

    init() {}

    init(id: UUID? = nil, partnerID: UUID, email: String, name: String, status: Status, passwordHash: String? = nil) {
        self.id = id
        self.$partner.id = partnerID
        self.email = email
        self.name = name
        self.status = status
        self.passwordHash = passwordHash
        self.timeZone = "UTC"
        self.storedNotificationPreferences = NotificationPreferences.default.stored
    }

    var notificationPreferences: NotificationPreferences {
        get { NotificationPreferences(stored: storedNotificationPreferences) }
        set { storedNotificationPreferences = newValue.stored }
    }

    /// Email addresses are compared without regard to case or surrounding spaces.
    static func normalize(email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
