@testable import App
import Fluent
import Foundation
import Testing

/// In the style of Keycloak's IllegalAdminUpgradeTest: nobody gets more than they hold.
@Suite struct EscalationTests {
    private func role(_ code: String) -> RoleDefinition { RoleDefinition(builtIn: BuiltInRole.named(code)!) }

    private func actor(_ grants: [(String, Scope)], partner: UUID) -> Actor {
        Actor(operatorID: UUID(), partnerID: partner, isActive: true,
              grants: grants.map { ActorGrant(role: role($0.0), scope: $0.1) }, hasAssignments: false)
    }

    @Test func systemManagerCannotGrantAdminOrEditAnAdmin() {
        let partner = UUID()
        let manager = actor([("system-manager", .all)], partner: partner)
        #expect(AccessPolicy.decideGrant(manager, role: role("admin"), scope: .all, partnerID: partner) == .deny(.adminProtected))
        #expect(AccessPolicy.decideGrant(manager, role: role("admin-secure"), scope: .all, partnerID: partner) == .deny(.adminProtected))
        let admin = OperatorFacts(id: UUID(), partnerID: partner, isBlocked: false, grants: [.init(role: role("admin"), scope: .all)])
        for permission in [Permission.operatorsEdit, .operatorsBlock, .operatorsRemove, .operatorsImpersonate] {
            #expect(AccessPolicy.decide(manager, permission, .operator(admin)) == .deny(.adminProtected))
        }
        #expect(AccessPolicy.decide(manager, .operatorsView, .operator(admin)) == .allow)
        // A System Manager can still manage a Support operator and grant Support.
        let support = OperatorFacts(id: UUID(), partnerID: partner, isBlocked: false, grants: [.init(role: role("support"), scope: .all)])
        #expect(AccessPolicy.decide(manager, .operatorsEdit, .operator(support)) == .allow)
        #expect(AccessPolicy.decideGrant(manager, role: role("support"), scope: .all, partnerID: partner) == .allow)
        // …but not Support Secure, since they lack clearance themselves.
        #expect(AccessPolicy.decideGrant(manager, role: role("support-secure"), scope: .all, partnerID: partner) == .deny(.escalation))
    }

    @Test func accountAdminOfASubgroupStaysInsideItAndBelowTheirRole() {
        let partner = UUID(), main = UUID(), sub = UUID(), subsub = UUID(), sibling = UUID()
        let groupAdmin = actor([("account-admin", .group(sub))], partner: partner)
        // Inside the subgroup (and below it): a role within their own.
        #expect(AccessPolicy.decideGrant(groupAdmin, role: role("viewer"), scope: .group(lineage: [main, sub]), partnerID: partner) == .allow)
        #expect(AccessPolicy.decideGrant(groupAdmin, role: role("support"), scope: .group(lineage: [main, sub, subsub]), partnerID: partner) == .allow)
        // Outside it: a sibling, the parent, all accounts.
        #expect(AccessPolicy.decideGrant(groupAdmin, role: role("viewer"), scope: .group(lineage: [main, sibling]), partnerID: partner) == .deny(.outOfScope(.operatorsEdit)))
        #expect(AccessPolicy.decideGrant(groupAdmin, role: role("viewer"), scope: .group(lineage: [main]), partnerID: partner) == .deny(.outOfScope(.operatorsEdit)))
        #expect(AccessPolicy.decideGrant(groupAdmin, role: role("viewer"), scope: .all, partnerID: partner) == .deny(.outOfScope(.operatorsEdit)))
        // Above their role: System Manager holds what Account Admin does not.
        #expect(AccessPolicy.decideGrant(groupAdmin, role: role("system-manager"), scope: .group(lineage: [main, sub]), partnerID: partner) == .deny(.escalation))
        // A role with account.subscription.edit, which Account Admin lacks.
        let custom = RoleDefinition(id: UUID().uuidString, name: "Billing", description: "", permissions: [.portalLogin, .accountSubscriptionEdit], secureClearance: false)
        #expect(AccessPolicy.decideGrant(groupAdmin, role: custom, scope: .group(lineage: [main, sub]), partnerID: partner) == .deny(.escalation))
        // Editing an operator whose grant reaches outside the subgroup is refused.
        let wider = OperatorFacts(id: UUID(), partnerID: partner, isBlocked: false, grants: [.init(role: role("viewer"), scope: .group(lineage: [main]))])
        #expect(AccessPolicy.decide(groupAdmin, .operatorsEdit, .operator(wider)) == .deny(.outOfScope(.operatorsEdit)))
        let inside = OperatorFacts(id: UUID(), partnerID: partner, isBlocked: false, grants: [.init(role: role("viewer"), scope: .group(lineage: [main, sub, subsub]))])
        #expect(AccessPolicy.decide(groupAdmin, .operatorsEdit, .operator(inside)) == .allow)
        // Another partner's operator does not exist for them.
        let foreign = OperatorFacts(id: UUID(), partnerID: UUID(), isBlocked: false, grants: [])
        #expect(AccessPolicy.decide(groupAdmin, .operatorsEdit, .operator(foreign)) == .deny(.otherPartner))
    }

    @Test func loggingInAsNeedsTheRightAndNeverTargetsYourselfOrTheBlocked() {
        let partner = UUID()
        let admin = actor([("admin", .all)], partner: partner)
        let support = OperatorFacts(id: UUID(), partnerID: partner, isBlocked: false, grants: [.init(role: role("support"), scope: .all)])
        #expect(AccessPolicy.decide(admin, .operatorsImpersonate, .operator(support)) == .allow)
        let me = OperatorFacts(id: admin.operatorID, partnerID: partner, isBlocked: false, grants: [.init(role: role("admin"), scope: .all)])
        #expect(AccessPolicy.decide(admin, .operatorsImpersonate, .operator(me)) == .deny(.selfTarget))
        let blocked = OperatorFacts(id: UUID(), partnerID: partner, isBlocked: true, grants: [.init(role: role("support"), scope: .all)])
        #expect(AccessPolicy.decide(admin, .operatorsImpersonate, .operator(blocked)) == .deny(.targetBlocked))
        let supportActor = actor([("support", .all)], partner: partner)
        #expect(AccessPolicy.decide(supportActor, .operatorsImpersonate, .operator(support)) == .deny(.missingPermission(.operatorsImpersonate)))
    }

    @Test func lastAdminCannotBeBlockedOrDemoted() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let manager = try await portal.makeOperator(email: "sam@example.com", name: "Sam Manager", role: "system-manager")
            let adaActor = try await AccessLoader.actor(for: ada, on: portal.db)

            // Ada, the only admin, cannot demote herself, and nobody blocks or removes themselves.
            await #expect(throws: PortalError.lastAdmin(name: "Ada Admin", action: "demoted")) {
                try await OperatorAdministration.replaceGrants(of: ada, with: [.init(role: "support", scope: .all)], by: adaActor, context: .system, on: portal.db)
            }
            await #expect(throws: PortalError.denied(.selfTarget)) {
                try await OperatorAdministration.block(ada, by: adaActor, context: .system, on: portal.db)
            }
            await #expect(throws: PortalError.denied(.selfTarget)) {
                try await OperatorAdministration.remove(ada, by: adaActor, context: .system, on: portal.db)
            }
            #expect(try await Grant.query(on: portal.db).filter(\.$operator.$id == ada.requireID()).first()?.role == "admin")

            // With a second admin, the first can be demoted.
            try await OperatorAdministration.replaceGrants(of: manager, with: [.init(role: "admin", scope: .all)], by: adaActor, context: .system, on: portal.db)
            try await OperatorAdministration.replaceGrants(of: ada, with: [.init(role: "support", scope: .all)], by: adaActor, context: .system, on: portal.db)
            #expect(try await Grant.query(on: portal.db).filter(\.$operator.$id == ada.requireID()).first()?.role == "support")

            // The last admin is kept even against someone allowed to block admins: a custom
            // role with every right (not the built-in Admin) cannot block Sam.
            let keeper = try await portal.makeOperator(email: "kim@example.com", name: "Kim Keeper", role: "system-manager")
            let role = try await RoleService.create(.init(name: "Keeper", description: "Blocks operators",
                                                          permissions: Set(Permission.allCases), secureClearance: false),
                                                    by: adaActor, on: portal.db)
            try await keeper.$grants.load(on: portal.db)
            try await OperatorAdministration.replaceGrants(of: keeper, with: [.init(role: try role.requireID().uuidString.lowercased(), scope: .all)],
                                                           by: adaActor, context: .system, on: portal.db)
            let keeperActor = try await AccessLoader.actor(for: keeper, on: portal.db)
            await #expect(throws: PortalError.lastAdmin(name: "Sam Manager", action: "blocked")) {
                try await OperatorAdministration.block(manager, by: keeperActor, context: .system, on: portal.db)
            }
        }
    }

    @Test func systemManagerCannotBlockAnAdminThroughTheService() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let manager = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "system-manager")
            let samActor = try await AccessLoader.actor(for: manager, on: portal.db)
            await #expect(throws: PortalError.denied(.adminProtected)) {
                try await OperatorAdministration.block(ada, by: samActor, context: .system, on: portal.db)
            }
            await #expect(throws: PortalError.denied(.adminProtected)) {
                try await OperatorAdministration.replaceGrants(of: manager, with: [.init(role: "admin", scope: .all)], by: samActor, context: .system, on: portal.db)
            }
            try await ada.$grants.load(on: portal.db)
            #expect(ada.status == .active)
        }
    }
}
