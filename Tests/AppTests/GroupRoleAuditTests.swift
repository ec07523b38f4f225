@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Finding 11: group and role changes are recorded, and the group tree answers only to roles
/// that see accounts or manage groups.
@Suite struct GroupRoleAuditTests {
    private func entries(_ portal: TestPortal, prefix: String) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: portal.db).sort(\.$at).sort(\.$id).all().filter { $0.action.hasPrefix(prefix) }
    }

    @Test func groupCreateRenameMoveAndDeleteAreAudited() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let api = try await portal.api(as: try #require(try await Operator.query(on: portal.db).first()))
            let north = try api.object(try await api.call(.POST, "/groups", json: #"{"name": "North"}"#))
            let northID = try #require(north["id"] as? String)
            let leeds = try api.object(try await api.call(.POST, "/groups", json: #"{"name": "Leeds", "parentId": "\#(northID)"}"#))
            let leedsID = try #require(leeds["id"] as? String)
            #expect(try await api.call(.PATCH, "/groups/\(leedsID)", json: #"{"name": "Leeds City"}"#).status == .ok)
            #expect(try await api.call(.PATCH, "/groups/\(leedsID)", json: #"{"parentId": null}"#).status == .ok)
            #expect(try await api.call(.DELETE, "/groups/\(leedsID)").status == .noContent)

            let events = try await entries(portal, prefix: "group.")
            #expect(events.map(\.action) == ["group.created", "group.created", "group.renamed", "group.moved", "group.deleted"])
            #expect(events[1].details == "parent: North")
            #expect(events[2].details == "name: Leeds → Leeds City")
            #expect(events[3].details == "parent: North → \(GroupService.topLabel)")
            #expect(events.allSatisfy { $0.actorName == "Ada Admin" && $0.targetType == "group" && $0.subjectAccountID == nil })
            #expect(events[4].targetID == leedsID && events[4].targetLabel == "Leeds City")
        }
    }

    @Test func aRefusedGroupChangeWritesNoEntry() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            _ = try await api.call(.POST, "/groups", json: #"{"name": "North"}"#)
            #expect(try await api.call(.POST, "/groups", json: #"{"name": "North"}"#).status == .conflict)
            #expect(try await entries(portal, prefix: "group.").count == 1)
        }
    }

    @Test func roleCreateEditAndDeleteAreAudited() async throws {
        try await TestPortal.run { portal in
            // Clearance on a role needs an author who holds it.
            let ada = try await portal.makeOperator(role: "admin-secure")
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            let context = AuditContext(actor: AuditActor(id: ada.id, name: ada.name), ip: "203.0.113.9")
            let role = try await RoleService.create(.init(name: "Auditor", description: "", permissions: [.auditView], secureClearance: false),
                                                    by: actor, in: context, on: portal.db)
            try await RoleService.update(role, with: .init(name: "Auditors", description: "Reads the log", permissions: [.auditView, .operatorsView],
                                                           secureClearance: true), by: actor, in: context, on: portal.db)
            try await RoleService.delete(role, by: actor, in: context, on: portal.db)

            let events = try await entries(portal, prefix: "role.")
            #expect(events.map(\.action) == ["role.created", "role.edited", "role.deleted"])
            #expect(events[0].details.contains("audit.view"))
            #expect(events[1].details.contains("name: Auditor → Auditors"))
            #expect(events[1].details.contains("permissions added: operators.view"))
            #expect(events[1].details.contains("secure clearance: no → yes"))
            #expect(events.allSatisfy { $0.ip == "203.0.113.9" && $0.targetType == "role" && $0.targetID == role.id?.uuidString.lowercased() })
        }
    }

    @Test func roleChangesThroughTheAPIAreAudited() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let made = try await api.call(.POST, "/roles", json: #"{"name": "Auditor", "description": "", "permissions": ["audit.view"], "secureClearance": false}"#)
            #expect(made.status == .created)
            let id = try #require(try api.object(made)["id"] as? String)
            #expect(try await api.call(.DELETE, "/roles/\(id)").status == .noContent)
            #expect(try await entries(portal, prefix: "role.").map(\.action) == ["role.created", "role.deleted"])
        }
    }

    @Test func theGroupTreeAnswersOnlyToRolesThatUseIt() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let adminAPI = try await portal.api(as: ada)
            _ = try await adminAPI.call(.POST, "/groups", json: #"{"name": "North"}"#)
            let mark = try await portal.makeOperator(email: "mark@example.com", name: "Mark", role: "marketing")
            let denied = try await (try await portal.api(as: mark)).call(.GET, "/groups")
            #expect(denied.status == .forbidden)
            #expect(denied.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            let vi = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            for api in [adminAPI, try await portal.api(as: vi)] {
                let tree = try await api.call(.GET, "/groups")
                #expect(tree.status == .ok)
                #expect(try api.array(tree).compactMap { $0["name"] as? String } == ["North"])
            }
        }
    }

    @Test func theGroupsRuleAsATable() {
        let partner = UUID()
        func actor(_ code: String, _ scope: Scope, active: Bool = true) -> Actor {
            Actor(operatorID: UUID(), partnerID: partner, isActive: active,
                  grants: [ActorGrant(role: RoleDefinition(builtIn: BuiltInRole.named(code)!), scope: scope)], hasAssignments: false)
        }
        #expect(AccessPolicy.mayOpenGroups(actor("marketing", .all)) == .deny(.missingPermission(.groupsManage)))
        #expect(AccessPolicy.mayOpenGroups(actor("notifications", .all)) == .deny(.missingPermission(.groupsManage)))
        #expect(AccessPolicy.mayOpenGroups(actor("viewer", .all)) == .allow)
        #expect(AccessPolicy.mayOpenGroups(actor("viewer", .group(UUID()))) == .allow)
        #expect(AccessPolicy.mayOpenGroups(actor("viewer", .account(UUID()))) == .deny(.outOfScope(.groupsManage)))
        #expect(AccessPolicy.mayOpenGroups(actor("admin", .all)) == .allow)
        #expect(AccessPolicy.mayOpenGroups(actor("admin", .all, active: false)) == .deny(.blocked))
    }
}
