import Fluent
import Foundation

/// One piece of marketing material in a partner's kit (seed 002): a link to somewhere else,
/// or a file uploaded to the portal. A file's bytes live in `PartnerKitFile`, so lists of
/// materials never load them.
final class PartnerKitItem: Model, @unchecked Sendable {
    static let schema = "partner_kit_items"

    enum Kind: String, Codable, Sendable, CaseIterable {
        case link, file
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "title") var title: String
    /// Shown under the title (the column is `description`; `description` itself is taken by Fluent).
    @Field(key: "description") var summary: String
    @Field(key: "kind") var kind: Kind
    /// Links only.
    @OptionalField(key: "url") var url: String?
    /// Files only: the sanitized name it downloads as, what it is, and how large.
    @OptionalField(key: "file_name") var fileName: String?
    @OptionalField(key: "content_type") var contentType: String?
    @OptionalField(key: "byte_size") var byteSize: Int64?
    @Field(key: "created_at") var createdAt: Date
    /// The name of the operator who added it, copied so it still reads right after they leave.
    @Field(key: "created_by") var createdBy: String

    init() {}

    init(id: UUID = UUID(), partnerID: UUID, title: String, summary: String, kind: Kind, url: String? = nil,
         fileName: String? = nil, contentType: String? = nil, byteSize: Int64? = nil, createdAt: Date, createdBy: String) {
        self.id = id
        self.partnerID = partnerID
        self.title = title
        self.summary = summary
        self.kind = kind
        self.url = url
        self.fileName = fileName
        self.contentType = contentType
        self.byteSize = byteSize
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// The bytes of an uploaded file, under the id of its item. Kept in the database so that
/// every instance on one PostgreSQL serves the same files.
final class PartnerKitFile: Model, @unchecked Sendable {
    static let schema = "partner_kit_files"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "contents") var contents: Data

    init() {}

    init(itemID: UUID, partnerID: UUID, contents: Data) {
        self.id = itemID
        self.partnerID = partnerID
        self.contents = contents
    }
}
