import Fluent
import Foundation

/// One (role, scope) pair held by an operator. An operator may hold several.
final class Grant: Model, @unchecked Sendable {
    static let schema = "grants"

    enum ScopeKind: String, Codable, Sendable, CaseIterable {
        /// Every account of the partner.
        case all
        /// A group and everything below it; `scopeID` names the group.
        case group
        /// One account; `scopeID` names it.
        case account
        /// The accounts the operator is assigned to, or all of them while there is no assignment.
        case assigned
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Parent(key: "operator_id") var `operator`: Operator
    @Field(key: "role") var role: String
    @Field(key: "scope") var scope: ScopeKind
    @OptionalField(key: "scope_id") var scopeID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(partnerID: UUID, operatorID: UUID, role: String, scope: ScopeKind, scopeID: UUID? = nil) {
        self.partnerID = partnerID
        self.$operator.id = operatorID
        self.role = role
        self.scope = scope
        self.scopeID = scopeID
    }
}
