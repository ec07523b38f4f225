@testable import App
import Fluent
import Foundation
import Testing

/// The group tree is filtered by the database (`GroupVisibility`); it must agree with the
/// policy's decision for every group and every kind of grant.
@Suite struct GroupVisibilityTests {
    @Test func theSQLConditionAgreesWithThePolicyForEveryGroup() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let leeds = AccountGroup(partnerID: partnerID, parent: north, name: "Leeds")
            try await leeds.create(on: portal.db)
            let york = AccountGroup(partnerID: partnerID, parent: north, name: "York")
            try await york.create(on: portal.db)
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await south.create(on: portal.db)
            let shop = Account(partnerID: partnerID, name: "Leeds Shop", email: "shop@example.com", groupID: leeds.id, secure: false)
            try await shop.create(on: portal.db)
            let other = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await AccountGroup(partnerID: try other.requireID(), parent: nil, name: "Theirs").create(on: portal.db)

            let grants: [[(String, Grant.ScopeKind, UUID?)]] = [
                [("admin", .all, nil)],
                [("viewer", .group, north.id)],
                [("viewer", .group, leeds.id), ("support", .group, south.id)],
                [("support", .account, shop.id)],
                [("account-manager", .assigned, nil)],
                [("marketing", .all, nil)],
                [],
            ]
            let groups = try await AccountGroup.query(on: portal.db).filter(\.$partnerID == partnerID).all()
            for (index, set) in grants.enumerated() {
                let op = try await portal.makeOperator(email: "op\(index)@example.com", name: "Op \(index)", role: "viewer")
                try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).delete()
                for (role, scope, id) in set {
                    try await Grant(partnerID: partnerID, operatorID: op.requireID(), role: role, scope: scope, scopeID: id).create(on: portal.db)
                }
                let reloaded = try #require(try await Operator.query(on: portal.db).filter(\.$id == op.requireID()).with(\.$grants).first())
                let actor = try await AccessLoader.actor(for: reloaded, on: portal.db)
                let listed = Set(try await GroupService.visible(to: actor, on: portal.db).compactMap(\.id))
                let expected = Set(try groups.filter { AccessPolicy.decide(actor, .portalLogin, .group(try AccessLoader.facts(for: $0))).isAllowed }
                    .compactMap(\.id))
                #expect(listed == expected, "grants \(set.map(\.0))")
                if index == 1 { #expect(listed == Set([north.id, leeds.id, york.id].compactMap { $0 })) }
            }
        }
    }
}
