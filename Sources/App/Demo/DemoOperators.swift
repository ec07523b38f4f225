import Foundation

/// The operators of demonstration data, as a partner's staff would look: a few admins, most
/// with one role over the whole partner or over a region or city, and some who look after many
/// places with up to 20 grants. Most are active, some still invited, a few blocked. None has a
/// password: they sign in after "Forgot password?" (active ones) or are made with
/// `portal operator create`.
enum DemoOperators {
    struct PlannedGrant: Hashable, Sendable {
        let role: String
        let scope: Grant.ScopeKind
        let scopeID: UUID?
    }

    struct Planned: Sendable {
        let id: UUID
        let name: String
        let email: String
        let status: Operator.Status
        let timeZone: String
        let lastLoginAt: Date?
        let grants: [PlannedGrant]

        /// Whether accounts are assigned to them: the holders of a grant over assigned accounts.
        var looksAfterAssignedAccounts: Bool { grants.contains { $0.scope == .assigned } }
    }

    /// Where grants may point: the partner's regions and cities, and some of its accounts.
    struct Places: Sendable {
        let regions: [UUID]
        let cities: [UUID]
        let accounts: [UUID]
    }

    /// The most grants one operator holds.
    static let maxGrants = 20

    /// Statuses in the shares a partner's staff list shows: most active, some invited, a few blocked.
    static func status(using rng: inout BenchRandom) -> Operator.Status {
        let roll = Double.random(in: 0..<1, using: &rng)
        return roll < 0.82 ? .active : roll < 0.92 ? .invited : .blocked
    }

    private static let timeZones = ["UTC", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Helsinki", "America/New_York"]
    /// Roles held over the whole partner, with how often each is met.
    private static let partnerWide: [(role: String, scope: Grant.ScopeKind, weight: Int)] = [
        ("support", .all, 20), ("support", .assigned, 10), ("support-secure", .all, 4), ("account-manager", .assigned, 16),
        ("sales", .all, 10), ("web-consultant", .all, 6), ("campaign-manager", .all, 5), ("designer", .all, 4),
        ("viewer", .all, 6), ("messaging-agent", .all, 6), ("marketing", .all, 4), ("notifications", .all, 3),
        ("system-manager", .all, 2), ("admin", .all, 2), ("admin-secure", .all, 1), ("system-manager-secure", .all, 1),
    ]
    /// Roles held over a region or a city.
    private static let groupRoles = ["account-admin", "viewer", "support", "messaging-agent", "account-manager", "web-consultant", "sales"]
    /// Roles held over one account.
    private static let accountRoles = ["viewer", "support", "web-consultant", "designer", "messaging-agent"]

    /// `count` operators numbered from `firstNumber` (so that a second seed of the same partner
    /// gets new addresses). The first is always an active Admin over the whole partner.
    static func plan(count: Int, firstNumber: Int, places: Places, salt: UInt64, now: Date, using rng: inout BenchRandom) -> [Planned] {
        (0..<count).map { index in
            let number = firstNumber + index
            let name = DemoData.personName(number, salt: salt &+ 99)
            let status: Operator.Status = index == 0 ? .active : status(using: &rng)
            let grants = index == 0 ? [PlannedGrant(role: "admin", scope: .all, scopeID: nil)] : grants(places: places, using: &rng)
            let lastLogin: Date? = switch status {
            case .invited: nil
            case .active: rng.chance(0.9) ? now.addingTimeInterval(-Double.random(in: 0..<(30 * 86_400), using: &rng)) : nil
            case .blocked: now.addingTimeInterval(-Double.random(in: (30 * 86_400)..<(300 * 86_400), using: &rng))
            }
            return Planned(id: UUID(), name: name, email: DemoData.email(for: name, index: number, domain: "staff.example"), status: status,
                           timeZone: rng.chance(0.6) ? "UTC" : timeZones[Int.random(in: 0..<timeZones.count, using: &rng)],
                           lastLoginAt: lastLogin, grants: grants)
        }
    }

    /// One operator's grants: about half hold one role over the whole partner, four in ten
    /// one to three roles over regions or cities, and one in ten 4 to 20 mixed grants.
    static func grants(places: Places, using rng: inout BenchRandom) -> [PlannedGrant] {
        let groups = places.regions + places.cities
        let roll = Double.random(in: 0..<1, using: &rng)
        if roll < 0.5 || groups.isEmpty {
            return [partnerWideGrant(using: &rng)]
        }
        var chosen: [PlannedGrant] = []
        var seen = Set<PlannedGrant>()
        func add(_ grant: PlannedGrant) { if seen.insert(grant).inserted { chosen.append(grant) } }
        if roll < 0.9 {
            // A region's or a city's staff: mostly one role, sometimes a second place or role.
            let home = rng.chance(0.3) ? places.regions : places.cities.isEmpty ? places.regions : places.cities
            let role = groupRoles[Int.random(in: 0..<groupRoles.count, using: &rng)]
            add(PlannedGrant(role: role, scope: .group, scopeID: home[Int.random(in: 0..<home.count, using: &rng)]))
            for _ in 0..<(rng.chance(0.25) ? Int.random(in: 1...2, using: &rng) : 0) {
                add(PlannedGrant(role: groupRoles[Int.random(in: 0..<groupRoles.count, using: &rng)], scope: .group,
                                 scopeID: groups[Int.random(in: 0..<groups.count, using: &rng)]))
            }
            return chosen
        }
        // Someone who looks after many places: group grants, some single accounts, and often a
        // role over the whole partner (the partner kit, digests, or the accounts assigned to them).
        let target = Int.random(in: 4...maxGrants, using: &rng)
        if rng.chance(0.5) { add(partnerWideGrant(using: &rng)) }
        var attempts = 0
        while chosen.count < target, attempts < target * 10 {
            attempts += 1
            if !places.accounts.isEmpty, rng.chance(0.3) {
                add(PlannedGrant(role: accountRoles[Int.random(in: 0..<accountRoles.count, using: &rng)], scope: .account,
                                 scopeID: places.accounts[Int.random(in: 0..<places.accounts.count, using: &rng)]))
            } else {
                add(PlannedGrant(role: groupRoles[Int.random(in: 0..<groupRoles.count, using: &rng)], scope: .group,
                                 scopeID: groups[Int.random(in: 0..<groups.count, using: &rng)]))
            }
        }
        return chosen
    }

    private static func partnerWideGrant(using rng: inout BenchRandom) -> PlannedGrant {
        let total = partnerWide.reduce(0) { $0 + $1.weight }
        var roll = Int.random(in: 0..<total, using: &rng)
        for entry in partnerWide {
            if roll < entry.weight { return PlannedGrant(role: entry.role, scope: entry.scope, scopeID: nil) }
            roll -= entry.weight
        }
        return PlannedGrant(role: "support", scope: .all, scopeID: nil)
    }
}
