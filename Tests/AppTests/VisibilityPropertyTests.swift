@testable import App
import Fluent
import Foundation
import Testing

/// On random trees, grants and accounts, the database filter for visible accounts and
/// `decide(…, .accountView, …)` agree on every account.
@Suite struct VisibilityPropertyTests {
    /// SplitMix64: a small seeded generator so every failure can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: 1...12)
    func filterAgreesWithDecide(seed: Int) async throws {
        var random = SeededGenerator(state: UInt64(seed))
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            // Another partner's accounts must never appear.
            let other = try await portal.makePartner(slug: "other", name: "Other", domains: ["other.example"])
            try await Account(partnerID: other.requireID(), name: "Foreign", email: "f@example.com", groupID: nil, secure: false).create(on: portal.db)

            var groups: [AccountGroup] = []
            for index in 0..<Int.random(in: 5...25, using: &random) {
                let parent = groups.isEmpty || Bool.random(using: &random) ? nil : groups.randomElement(using: &random)
                let group = AccountGroup(partnerID: partnerID, parent: parent, name: "G\(index)")
                try await group.create(on: portal.db)
                groups.append(group)
            }
            let op = try await portal.makeOperator(email: "subject@example.com", role: "viewer")
            var accounts: [Account] = []
            for index in 0..<Int.random(in: 20...60, using: &random) {
                let account = Account(partnerID: partnerID, name: "Account \(index)", email: "a\(index)@example.com",
                                      groupID: Bool.random(using: &random) ? groups.randomElement(using: &random)?.id : nil,
                                      secure: Int.random(in: 0..<4, using: &random) == 0)
                account.setupCompleted = Bool.random(using: &random)
                account.locked = Int.random(in: 0..<5, using: &random) == 0
                try await account.create(on: portal.db)
                accounts.append(account)
                if Int.random(in: 0..<6, using: &random) == 0 {
                    try await AccountAssignment(partnerID: partnerID, accountID: account.requireID(), operatorID: op.requireID()).create(on: portal.db)
                }
            }

            // Replace the operator's grants with 1–4 random (role, scope) pairs.
            try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).delete()
            let roles = BuiltInRole.all.map(\.code)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let kind = Grant.ScopeKind.allCases.randomElement(using: &random)!
                let scopeID: UUID? = switch kind {
                case .group: groups.randomElement(using: &random)?.id
                case .account: accounts.randomElement(using: &random)?.id
                default: nil
                }
                if (kind == .group || kind == .account) && scopeID == nil { continue }
                try await Grant(partnerID: partnerID, operatorID: op.requireID(), role: roles.randomElement(using: &random)!,
                                scope: kind, scopeID: scopeID).create(on: portal.db)
            }
            try await op.$grants.load(on: portal.db)
            let actor = try await AccessLoader.actor(for: op, on: portal.db)

            var visible: Set<UUID> = []
            var cursor: (name: String, id: UUID)? = nil
            while true {
                let page = try await AccountVisibility.page(for: actor, after: cursor, limit: 7, on: portal.db)
                visible.formUnion(page.map(\.id))
                guard let last = page.last, page.count == 7 else { break }
                cursor = (last.name, last.id)
            }
            #expect(try await AccountVisibility.count(for: actor, on: portal.db) == visible.count)

            for account in accounts {
                let facts = try await AccessLoader.facts(for: account, actor: actor, on: portal.db)
                let decided = AccessPolicy.decide(actor, .accountView, .account(facts)).isAllowed
                #expect(decided == visible.contains(try account.requireID()),
                        "seed \(seed): \(account.name) secure=\(account.secure) setup=\(account.setupCompleted) grants=\(op.grants.map { "\($0.role)/\($0.scope.rawValue)" })")
            }
        }
    }
}
