@testable import App
import Fluent
import Foundation
import Testing

/// The operators list is filtered by the database (`OperatorVisibility`); it must agree with
/// the policy's `operators.view` decision for every pair of operators.
@Suite struct OperatorVisibilityTests {
    @Test func theSQLConditionAgreesWithThePolicyForEveryOperator() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let leeds = AccountGroup(partnerID: partnerID, parent: north, name: "Leeds")
            try await leeds.create(on: portal.db)
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await south.create(on: portal.db)
            let shop = Account(partnerID: partnerID, name: "Leeds Shop", email: "shop@example.com", groupID: leeds.id, secure: false)
            try await shop.create(on: portal.db)
            let kiosk = Account(partnerID: partnerID, name: "South Kiosk", email: "kiosk@example.com", groupID: south.id, secure: false)
            try await kiosk.create(on: portal.db)

            let grants: [(String, String, Grant.ScopeKind, UUID?)] = [
                ("all@example.com", "admin", .all, nil),
                ("north@example.com", "account-admin", .group, north.id),
                ("leeds@example.com", "account-admin", .group, leeds.id),
                ("south@example.com", "viewer", .group, south.id),
                ("shop@example.com", "support", .account, shop.id),
                ("kiosk@example.com", "support", .account, kiosk.id),
                ("assigned@example.com", "account-manager", .assigned, nil),
                ("viewer@example.com", "viewer", .all, nil),
            ]
            for (email, role, scope, id) in grants {
                let op = try await portal.makeOperator(email: email, name: email, role: "viewer")
                try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).delete()
                try await Grant(partnerID: partnerID, operatorID: op.requireID(), role: role, scope: scope, scopeID: id).create(on: portal.db)
            }
            let nobody = try await portal.makeOperator(email: "nobody@example.com", name: "Nobody", role: "viewer")
            try await Grant.query(on: portal.db).filter(\.$operator.$id == nobody.requireID()).delete()
            let everyone = try await Operator.query(on: portal.db).with(\.$grants).all()

            var compared = 0
            for asking in everyone {
                let actor = try await AccessLoader.actor(for: asking, on: portal.db)
                let listed = Set(try await OperatorDirectory.list(.init(), for: actor, on: portal.db).compactMap(\.id))
                var expected = Set<UUID>()
                for other in everyone where AccessPolicy.decide(actor, .operatorsView, .operator(try await AccessLoader.facts(for: other, on: portal.db))).isAllowed {
                    expected.insert(try other.requireID())
                }
                #expect(listed == expected, "as \(asking.email)")
                compared += 1
            }
            #expect(compared == everyone.count)
            // The rule is not trivial: the North account admin sees Leeds' but not South's.
            let northOperator = try #require(everyone.first { $0.email == "north@example.com" })
            let northActor = try await AccessLoader.actor(for: northOperator, on: portal.db)
            let northSees = Set(try await OperatorDirectory.list(.init(), for: northActor, on: portal.db).map(\.email))
            #expect(northSees.contains("leeds@example.com") && northSees.contains("shop@example.com"))
            #expect(!northSees.contains("south@example.com") && !northSees.contains("all@example.com"))
        }
    }
}
