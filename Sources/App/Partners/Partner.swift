import Fluent
import Foundation

/// A reseller or white-label brand: the tenant boundary. Everything else belongs to one.
final class Partner: Model, @unchecked Sendable {
    static let schema = "partners"

    @ID(key: .id) var id: UUID?
    @Field(key: "slug") var slug: String
    @Field(key: "name") var name: String
    @Field(key: "brand_color") var brandColor: String
    @OptionalField(key: "logo_url") var logoURL: String?
    @Field(key: "second_factor_required") var secondFactorRequired: Bool
    @Field(key: "second_factor_methods") var secondFactorMethods: String
    @Field(key: "idle_timeout_minutes") var idleTimeoutMinutes: Int
    @Field(key: "absolute_timeout_minutes") var absoluteTimeoutMinutes: Int
    @Field(key: "impersonation_reason_required") var impersonationReasonRequired: Bool
    @Field(key: "impersonation_max_minutes") var impersonationMaxMinutes: Int
    @Field(key: "history_retention_days") var historyRetentionDays: Int
    /// The longest an API token made on this partner may live (`portal partner policy --max-token-days`).
    @Field(key: "max_token_days") var maxTokenDays: Int
    /// Owners and staff of its client accounts must sign in with an authenticator app
    /// (`portal partner policy --client-authenticator required`).
    @Field(key: "client_second_factor_required") var clientSecondFactorRequired: Bool
    /// Whether operators may log in to a client account only while its owner grants access.
    @Field(key: "login_as_consent_required") var loginAsConsentRequired: Bool
    /// When the owner is emailed that an operator logged in to their account.
    @Field(key: "login_as_owner_notice") var loginAsOwnerNotice: LoginAsOwnerNotice
    /// When work becomes a task, in days (`TaskThresholds(partner:)`, Settings → Tasks).
    @Field(key: "task_stuck_in_setup_days") var taskStuckInSetupDays: Int
    @Field(key: "task_inactive_days") var taskInactiveDays: Int
    @Field(key: "task_new_assignment_days") var taskNewAssignmentDays: Int
    @Field(key: "task_pending_invite_days") var taskPendingInviteDays: Int
    @Field(key: "task_screening_notice_days") var taskScreeningNoticeDays: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Children(for: \.$partner) var domains: [PartnerDomain]

    static let defaultSlug = "default"
    static let defaultBrandColor = "#4F46E5"
    static let defaultMaxTokenDays = 365
    /// The range `max_token_days` may be set to: a day to ten years.
    static let maxTokenDaysRange = 1...365

    init() {}

    init(id: UUID? = nil, slug: String, name: String, brandColor: String = Partner.defaultBrandColor) {
        self.id = id
        self.slug = slug
        self.name = name
        self.brandColor = brandColor
        self.logoURL = nil
        self.secondFactorRequired = true
        self.secondFactorMethods = "email,sms,totp"
        self.idleTimeoutMinutes = 60
        self.absoluteTimeoutMinutes = 12 * 60
        self.impersonationReasonRequired = false
        self.impersonationMaxMinutes = 60
        self.historyRetentionDays = 183
        self.maxTokenDays = Partner.defaultMaxTokenDays
        self.clientSecondFactorRequired = false
        self.loginAsConsentRequired = false
        self.loginAsOwnerNotice = .always
        let tasks = TaskThresholds.standard
        self.taskStuckInSetupDays = tasks.stuckInSetupDays
        self.taskInactiveDays = tasks.inactiveDays
        self.taskNewAssignmentDays = tasks.newAssignmentDays
        self.taskPendingInviteDays = tasks.pendingInviteDays
        self.taskScreeningNoticeDays = tasks.screeningNoticeDays
    }

    /// Another instance with the same values, saved as an update of the same row (a partner
    /// read from the database, copied for each request by `PartnerHostCache`). Every stored
    /// field is copied: `PartnerHostCacheTests` compares the two encoded.
    func copy() -> Partner {
        let copy = Partner()
        (copy.id, copy.slug, copy.name, copy.brandColor, copy.logoURL) = (id, slug, name, brandColor, logoURL)
        (copy.secondFactorRequired, copy.secondFactorMethods) = (secondFactorRequired, secondFactorMethods)
        (copy.idleTimeoutMinutes, copy.absoluteTimeoutMinutes) = (idleTimeoutMinutes, absoluteTimeoutMinutes)
        (copy.impersonationReasonRequired, copy.impersonationMaxMinutes) = (impersonationReasonRequired, impersonationMaxMinutes)
        (copy.historyRetentionDays, copy.maxTokenDays, copy.clientSecondFactorRequired) = (historyRetentionDays, maxTokenDays, clientSecondFactorRequired)
        (copy.loginAsConsentRequired, copy.loginAsOwnerNotice) = (loginAsConsentRequired, loginAsOwnerNotice)
        (copy.taskStuckInSetupDays, copy.taskInactiveDays, copy.taskNewAssignmentDays) = (taskStuckInSetupDays, taskInactiveDays, taskNewAssignmentDays)
        (copy.taskPendingInviteDays, copy.taskScreeningNoticeDays) = (taskPendingInviteDays, taskScreeningNoticeDays)
        (copy.createdAt, copy.updatedAt) = (createdAt, updatedAt)
        copy._$idExists = _$idExists
        return copy
    }
}

/// When an owner hears that an operator logged in to their account as them or their staff.
enum LoginAsOwnerNotice: String, Codable, CaseIterable, Sendable {
    case always, never
    case secureOnly = "secure"
}

/// A host name that selects its partner (matched against the request's `Host`, without port).
final class PartnerDomain: Model, @unchecked Sendable {
    static let schema = "partner_domains"

    @ID(key: .id) var id: UUID?
    @Parent(key: "partner_id") var partner: Partner
    @Field(key: "host") var host: String

    init() {}

    init(partnerID: UUID, host: String) {
        self.$partner.id = partnerID
        self.host = host
    }
}
