import Fluent
import Foundation

/// A client account: a business that is the partner's customer.
final class Account: Model, @unchecked Sendable {
    static let schema = "accounts"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    /// Random, URL-safe and immutable; what integrations use.
    @Field(key: "business_uid") var businessUID: String
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @OptionalField(key: "group_id") var groupID: UUID?
    @Field(key: "secure") var secure: Bool
    @Field(key: "locked") var locked: Bool
    @Field(key: "setup_completed") var setupCompleted: Bool
    @OptionalField(key: "phone") var phone: String?
    /// The owner: the account's primary user, reached at `email`.
    @OptionalField(key: "owner_name") var ownerName: String?
    /// Unique per partner; the business page is `/b/{nickname}`, and it is the external ID.
    @OptionalField(key: "nickname") var nickname: String?
    @OptionalField(key: "plan") var plan: String?
    @Field(key: "staff_slots") var staffSlots: Int
    @Field(key: "template") var isTemplate: Bool
    /// Bypasses the 30-day screening of links in outbound messages.
    @Field(key: "send_links_enabled") var sendLinksEnabled: Bool
    /// The latest booking, payment, onboarding step or site seen.
    @OptionalField(key: "last_activity_at") var lastActivityAt: Date?
    @OptionalField(key: "address") var address: String?
    /// Branding of the client's workspace and business page; copied from a template.
    @OptionalField(key: "brand_color") var brandColor: String?
    @OptionalField(key: "logo_url") var logoURL: String?
    /// What the business page says about the business, and when it is open (the owner's words).
    @OptionalField(key: "description") var businessDescription: String?
    @OptionalField(key: "opening_hours") var openingHours: String?
    /// The services offered for booking, one a line (`BookableServices`); nil for none listed.
    @OptionalField(key: "services") var services: String?
    /// The codes of the partner's onboarding steps that apply, comma-separated; nil for all.
    /// Copied from a template.
    @OptionalField(key: "onboarding_steps") var onboardingSteps: String?
    /// The template this account was created from.
    @OptionalField(key: "template_source_id") var templateSourceID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(id: UUID = UUID(), partnerID: UUID, name: String, email: String, groupID: UUID?, secure: Bool) {
        self.id = id
        self.partnerID = partnerID
        self.businessUID = Account.newBusinessUID()
        self.name = name
        self.email = email
        self.groupID = groupID
        self.secure = secure
        self.locked = false
        self.setupCompleted = false
        self.staffSlots = 1
        self.isTemplate = false
        self.sendLinksEnabled = false
    }

    /// 16 URL-safe characters from 96 random bits.
    static func newBusinessUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<12).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncoded
    }
}

/// An operator assigned to an account (seed 001 "Operator assignments").
final class AccountAssignment: Model, @unchecked Sendable {
    static let schema = "account_assignments"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    /// When the operator was assigned; nil for assignments older than the column.
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(partnerID: UUID, accountID: UUID, operatorID: UUID) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.operatorID = operatorID
    }
}
