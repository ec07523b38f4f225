import App
import Foundation

/// A generated tree of account groups, built level by level like a partner's real hierarchy:
/// few top-level groups, more at each level below (each level about twice the one above), every
/// group hanging under a random group of the level above.
struct BenchGroupTree {
    struct Node {
        let id: UUID
        /// Index of the parent in `nodes`; nil for a top-level group.
        let parent: Int?
        /// 1 for a top-level group.
        let depth: Int
        /// "/<root>/…/<self>/" with lower-case ids, as `AccountGroup` stores it.
        let path: String
    }

    /// Parents always come before their children.
    let nodes: [Node]
    let depth: Int

    /// Indices of the groups at each depth (`byDepth[0]` holds depth 1).
    let byDepth: [[Int]]

    init(count: Int, depth: Int, using rng: inout BenchRandom) {
        let sizes = Self.levelSizes(count: count, depth: depth)
        var nodes: [Node] = []
        nodes.reserveCapacity(count)
        var byDepth: [[Int]] = []
        for (level, size) in sizes.enumerated() {
            let parents = byDepth.last ?? []
            var indices: [Int] = []
            for _ in 0..<size {
                let id = UUID()
                let parent = rng.pick(parents)
                let parentPath = parent.map { nodes[$0].path } ?? "/"
                indices.append(nodes.count)
                nodes.append(Node(id: id, parent: parent, depth: level + 1, path: parentPath + id.uuidString.lowercased() + "/"))
            }
            byDepth.append(indices)
        }
        self.nodes = nodes
        self.depth = depth
        self.byDepth = byDepth
    }

    /// Level sizes growing by a factor of 2, scaled to add up to `count` (at least one per level).
    static func levelSizes(count: Int, depth: Int) -> [Int] {
        let depth = max(1, min(depth, count))
        let weights = (0..<depth).map { Double(1 << $0) }
        let total = weights.reduce(0, +)
        var sizes = weights.map { max(1, Int((Double(count) * $0 / total).rounded())) }
        // Rounding leaves the sum a little off: the deepest level absorbs the difference.
        sizes[depth - 1] = max(1, sizes[depth - 1] + count - sizes.reduce(0, +))
        return sizes
    }

    /// The group and every group above it, as `AccountFacts.groupLineage` expects.
    func lineage(of index: Int) -> Set<UUID> {
        var lineage: Set<UUID> = []
        var current: Int? = index
        while let node = current {
            lineage.insert(nodes[node].id)
            current = nodes[node].parent
        }
        return lineage
    }

    /// A random group at a depth drawn uniformly from `depths` (clamped to the tree).
    func randomGroup(depths: ClosedRange<Int>, using rng: inout BenchRandom) -> Int {
        let low = max(1, min(depths.lowerBound, depth))
        let high = max(low, min(depths.upperBound, depth))
        let level = Int.random(in: low...high, using: &rng)
        return rng.pick(byDepth[level - 1]) ?? 0
    }

    /// How many groups sit at or below each group (the group itself included).
    func subtreeSizes() -> [Int] {
        var sizes = [Int](repeating: 1, count: nodes.count)
        for index in nodes.indices.reversed() {
            if let parent = nodes[index].parent { sizes[parent] += sizes[index] }
        }
        return sizes
    }
}

/// The grants of "an operator with 20 mixed grants", the same recipe for the in-memory
/// decision benchmark and for the database one: mostly group scopes spread over the tree at
/// every depth (with and without secure clearance), a few single accounts, the assigned
/// accounts, and partner-wide grants of the roles that carry no account permission (partner
/// kit, digests), as a regional manager would hold them.
enum BenchGrantMix {
    struct Spec {
        let role: String
        let scope: Scope
    }

    static let groupRoles = [
        "support", "web-consultant", "campaign-manager", "designer", "sales", "account-manager", "account-admin",
        "viewer", "messaging-agent", "support-secure", "viewer-secure", "account-admin-secure", "sales-secure",
        "messaging-agent-secure",
    ]
    static let accountRoles = ["support", "web-consultant-secure", "designer"]
    static let partnerWideRoles = ["marketing", "notifications"]

    /// 20 grants: 14 group scopes, 3 account scopes, 1 assigned, 2 partner-wide.
    static func twenty(tree: BenchGroupTree, accountIDs: [UUID], using rng: inout BenchRandom) -> [Spec] {
        var specs: [Spec] = []
        for (offset, role) in groupRoles.enumerated() {
            // Walk the depths 4…depth-1: regional subtrees down to small teams. (Scopes higher
            // up would make this operator see most of the partner, an easy case for paging.)
            let level = min(tree.depth, 4 + offset % max(1, tree.depth - 4))
            let group = tree.randomGroup(depths: level...level, using: &rng)
            specs.append(Spec(role: role, scope: .group(tree.nodes[group].id)))
        }
        for role in accountRoles {
            if let id = rng.pick(accountIDs) { specs.append(Spec(role: role, scope: .account(id))) }
        }
        specs.append(Spec(role: "account-manager", scope: .assigned))
        for role in partnerWideRoles { specs.append(Spec(role: role, scope: .all)) }
        return specs
    }

    /// The built-in role definitions the policy sees (unknown codes are skipped).
    static func actorGrants(_ specs: [Spec]) -> [ActorGrant] {
        specs.compactMap { spec in
            BuiltInRole.named(spec.role).map { ActorGrant(role: RoleDefinition(builtIn: $0), scope: spec.scope) }
        }
    }
}

/// Business names with realistic repetition (about eight accounts share each name on 100,000
/// accounts), so keyset paging meets ties on `name` and has to break them on `id`.
enum BenchNames {
    static let adjectives = [
        "Golden", "Blue", "Northern", "Urban", "Bright", "Green", "Silver", "Royal", "Happy", "Quiet",
        "Rapid", "Sunny", "Coastal", "Alpine", "Modern", "Classic", "Little", "Grand", "Wild", "Clever",
        "Honest", "First", "Prime", "Smart", "Bold", "Fresh", "Swift", "True", "Open", "Lucky",
        "Red", "Oak", "Stone", "River", "Harbor", "Maple", "Cedar", "Iron", "Crystal", "Summit",
    ]
    static let nouns = [
        "Bakery", "Dental", "Garage", "Studio", "Bistro", "Florist", "Fitness", "Plumbing", "Books", "Coffee",
        "Law", "Optics", "Travel", "Pets", "Salon", "Print", "Tailor", "Cleaning", "Roofing", "Yoga",
        "Pharmacy", "Brewery", "Market", "Design", "Media", "Clinic", "Motors", "Realty", "Catering", "Gallery",
        "Hardware", "Surf", "Music", "Toys", "Wines", "Physio", "Pizza", "Tiles", "Glass", "Gardens",
    ]
    static let suffixes = ["Ltd", "& Co", "Group", "Shop", "Services", "Partners", "House", "Works"]

    static func business(using rng: inout BenchRandom) -> String {
        let adjective = rng.pick(adjectives) ?? "Acme"
        let noun = rng.pick(nouns) ?? "Trading"
        let suffix = rng.pick(suffixes) ?? "Ltd"
        return "\(adjective) \(noun) \(suffix)"
    }
}
