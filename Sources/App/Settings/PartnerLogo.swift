import Crypto
import Fluent
import Foundation
import Vapor

/// The logo a partner uploaded in Settings → Branding: one a partner, its bytes kept in the
/// database so that every instance serves the same one. Shown wherever the brand is (the
/// sign-in pages, the portal's and the workspace's top bars, business pages), served by
/// `BrandLogoController` at `SiteURL.brandLogo` under a version made from its digest.
final class PartnerLogo: Model, @unchecked Sendable {
    static let schema = "partner_logos"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    /// What the bytes were found to be (`LogoImage.Kind`), never what the sender called them.
    @Field(key: "content_type") var contentType: String
    @Field(key: "contents") var contents: Data
    /// Hex SHA-256 of `contents`: the ETag, and the version in the logo's address.
    @Field(key: "digest") var digest: String
    @Field(key: "byte_size") var byteSize: Int64
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    init(partnerID: UUID, image: LogoImage, now: Date) {
        self.partnerID = partnerID
        self.contentType = image.kind.rawValue
        self.contents = image.contents
        self.digest = image.digest
        self.byteSize = Int64(image.contents.count)
        self.updatedAt = now
    }

    /// The partner's logo, without its bytes unless `withContents`.
    static func find(partnerID: UUID, withContents: Bool = false, on db: any Database) async throws -> PartnerLogo? {
        let query = PartnerLogo.query(on: db).filter(\.$partnerID == partnerID)
        if !withContents { query.field(\.$id).field(\.$partnerID).field(\.$contentType).field(\.$digest).field(\.$byteSize).field(\.$updatedAt) }
        return try await query.first()
    }

    /// What the partner's logo is, for the layout and the API: the uploaded one, else an https
    /// address typed before logos could be uploaded (kept until replaced or removed).
    struct Summary: Sendable, Equatable {
        var contentType: String
        var byteSize: Int64
        var digest: String

        /// "image/png, 12 KiB", as the audit log shows it.
        var description: String { "\(contentType), \(LogoImage.sizeText(byteSize))" }
    }

    var summary: Summary { .init(contentType: contentType, byteSize: byteSize, digest: digest) }
}

extension Request {
    /// The version of the partner's uploaded logo (its digest), for the layouts; nil when it
    /// has none or it cannot be read (the brand then shows without it). Kept a few seconds
    /// (`Application.logoVersions`): every page's frame asks.
    func partnerLogoVersion() async -> String? {
        guard let partnerID = partnerIfResolved?.id else { return nil }
        let db = self.db
        return try? await application.logoVersions.value(partnerID) { try await PartnerLogo.find(partnerID: partnerID, on: db)?.digest }
    }
}

extension Application {
    private struct LogoVersionsKey: StorageKey { typealias Value = PartnerCache<UUID, String?> }

    /// Each partner's logo version, by partner id, kept as long as its partner (`PARTNER_CACHE_SECONDS`);
    /// a change on the partner's domain drops it.
    /// Set up by `configure`.
    var logoVersions: PartnerCache<UUID, String?> {
        get {
            guard let cache = storage[LogoVersionsKey.self] else { fatalError("configure(_:config:) sets up the partner caches") }
            return cache
        }
        set { storage[LogoVersionsKey.self] = newValue }
    }
}
