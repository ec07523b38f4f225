import Fluent
import Foundation

/// One "Forgot password?" request as it was typed on the partner's sign-in page: the address,
/// the client, and the site its link must point at. The page stores every request the same
/// way whoever the address belongs to; the `password-resets` job decides later whether a link
/// goes out (`PasswordResets.handlePending`).
final class PasswordResetRequest: Model, @unchecked Sendable {
    static let schema = "password_reset_requests"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    /// Normalised as operators' emails are (`Operator.normalize`).
    @Field(key: "email") var email: String
    @Field(key: "ip") var ip: String
    /// Where the emailed link points: the partner's own domain, or the installation's `PUBLIC_URL`.
    @Field(key: "link_base") var linkBase: String
    @Field(key: "requested_at") var requestedAt: Date
    @OptionalField(key: "handled_at") var handledAt: Date?

    init() {}

    init(partnerID: UUID, email: String, ip: String, linkBase: String, requestedAt: Date) {
        self.partnerID = partnerID
        self.email = String(email.prefix(320))
        self.ip = String(ip.prefix(64))
        self.linkBase = linkBase
        self.requestedAt = requestedAt
        self.handledAt = nil
    }
}
