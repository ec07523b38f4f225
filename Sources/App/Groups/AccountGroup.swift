import Fluent
import Foundation

/// A node of a partner's tree of groups and subgroups (seed 003). `path` lists the ids from
/// the root down to and including this group ("/root/…/self/"), so a subtree is one prefix.
final class AccountGroup: Model, @unchecked Sendable {
    static let schema = "groups"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @OptionalField(key: "parent_id") var parentID: UUID?
    @Field(key: "name") var name: String
    @Field(key: "path") var path: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID = UUID(), partnerID: UUID, parent: AccountGroup?, name: String) {
        self.id = id
        self.partnerID = partnerID
        self.parentID = parent?.id
        self.name = name
        self.path = (parent?.path ?? "/") + id.uuidString.lowercased() + "/"
    }

    /// This group and every group above it.
    var lineage: Set<UUID> { AccountGroup.lineage(ofPath: path) }

    static func lineage(ofPath path: String) -> Set<UUID> {
        Set(path.split(separator: "/").compactMap { UUID(uuidString: String($0)) })
    }
}
