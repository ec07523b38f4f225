import Foundation

/// The accounts list's header counts, per operator and filter.
enum HeaderCounts {
    typealias Counts = [AccountDirectory.Status: Int]
    typealias Cache = PartnerCache<Key, Counts>

    static func makeCache() -> Cache { Cache { $0.partnerID } }

    struct Key: Hashable, Sendable {
        let partnerID: UUID
        let operatorID: UUID
        /// Everything that decides which accounts the operator sees.
        let isActive: Bool
        let hasAssignments: Bool
        /// A set: the database may list an operator's grants in any order (PostgreSQL does),
        /// and the same grants must find the same entry.
        let grants: Set<ActorGrant>
        /// The list's filter without its status and order, which do not change the counts.
        let filter: AccountDirectory.Filter

        init(actor: Actor, filter: AccountDirectory.Filter) {
            partnerID = actor.partnerID
            operatorID = actor.operatorID
            isActive = actor.isActive
            hasAssignments = actor.hasAssignments
            grants = Set(actor.grants)
            var unordered = filter
            unordered.status = nil
            unordered.sort = .name
            // The search's matches follow from its text.
            unordered.matchIDs = nil
            self.filter = unordered
        }
    }
}
