@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct AccessAPITests {
    @Test func permissionsAndRolesListTheWholeCatalogue() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let permissions = try api.array(try await api.call(.GET, "/permissions"))
            #expect(permissions.count == Permission.allCases.count)
            #expect(permissions.allSatisfy { !(($0["description"] as? String) ?? "").isEmpty })
            #expect(permissions.first?["code"] as? String == "portal.login")
            let roles = try api.array(try await api.call(.GET, "/roles"))
            #expect(roles.count == BuiltInRole.all.count)
            let sales = try #require(roles.first { $0["id"] as? String == "sales-secure" })
            #expect(sales["name"] as? String == "Sales Secure")
            #expect(sales["secureClearance"] as? Bool == true)
            #expect(Set(sales["whileInSetup"] as? [String] ?? []) == ["account.edit", "account.impersonate"])
        }
    }

    @Test func matrixCSVHasEveryRoleAndPermission() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let response = try await api.call(.GET, "/roles/matrix.csv")
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.description.hasPrefix("text/csv") == true)
            let lines = response.text.split(separator: "\r\n").map(String.init)
            #expect(lines.count == 2 + Permission.allCases.count)
            let header = lines[0].split(separator: ",").map(String.init)
            #expect(header.count == 2 + BuiltInRole.all.count)
            #expect(header.contains("Account Admin Secure"))
            let salesColumn = try #require(header.firstIndex(of: "Sales"))
            let edit = try #require(lines.first { $0.hasPrefix("account.edit,") }).split(separator: ",", omittingEmptySubsequences: false)
            #expect(edit[salesColumn] == "while in setup")
        }
    }

    @Test func customRoleLifecycle() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let api = try await portal.api(as: admin)
            let created = try await api.call(.POST, "/roles", json: #"{"name":"Billing","description":"Plans","permissions":["account.view","account.subscription.edit"]}"#)
            #expect(created.status == .created)
            let id = try #require(try api.object(created)["id"] as? String)
            #expect(try await api.call(.GET, "/roles/\(id)").status == .ok)
            #expect(try await api.call(.POST, "/roles", json: #"{"name":"billing ","permissions":[]}"#).status == .created) // names are case-sensitive
            #expect(try await api.call(.POST, "/roles", json: #"{"name":"Billing","permissions":[]}"#).status == .conflict)
            #expect(try await api.call(.POST, "/roles", json: #"{"name":"Support","permissions":[]}"#).status == .conflict)

            let patched = try await api.call(.PATCH, "/roles/\(id)", json: #"{"permissions":["account.view"]}"#)
            #expect(try api.object(patched)["permissions"] as? [String] == ["account.view"])

            // In use: cannot be deleted.
            let holder = try await portal.makeOperator(email: "bo@example.com", role: "viewer")
            let put = try await api.call(.PUT, "/operators/\(try holder.requireID())/grants", json: #"{"grants":[{"role":"\#(id)","scope":"all"}]}"#)
            #expect(put.status == .ok)
            #expect(try await api.call(.DELETE, "/roles/\(id)").status == .conflict)
            _ = try await api.call(.PUT, "/operators/\(try holder.requireID())/grants", json: #"{"grants":[{"role":"viewer","scope":"all"}]}"#)
            #expect(try await api.call(.DELETE, "/roles/\(id)").status == .noContent)
            #expect(try await api.call(.GET, "/roles/\(id)").status == .notFound)
        }
    }

    @Test func builtInRolesCannotBeEditedOrDeleted() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            #expect(try await api.call(.PATCH, "/roles/support", json: #"{"name":"Helpdesk"}"#).status == .conflict)
            #expect(try await api.call(.DELETE, "/roles/admin").status == .conflict)
            #expect(try await api.call(.GET, "/roles/support").status == .ok)
        }
    }

    @Test func deniedRequestsAre403NamingThePermission() async throws {
        try await TestPortal.run { portal in
            let viewer = try await portal.makeOperator(email: "vi@example.com", role: "viewer")
            let api = try await portal.api(as: viewer)
            let response = try await api.call(.POST, "/roles", json: #"{"name":"Mine","permissions":[]}"#)
            #expect(response.status == .forbidden)
            let problem = try response.json(Problem.self)
            #expect(problem.detail?.contains("“Manage roles”") == true)
            #expect(try await api.call(.POST, "/groups", json: #"{"name":"Mine"}"#).status == .forbidden)
            #expect(try await api.call(.POST, "/accounts", json: #"{"name":"Shop","email":"shop@example.com"}"#).status == .forbidden)
        }
    }

    @Test func cannotDefineARoleBeyondYourOwn() async throws {
        try await TestPortal.run { portal in
            let manager = try await portal.makeOperator(email: "sm@example.com", role: "system-manager")
            let api = try await portal.api(as: manager)
            #expect(try await api.call(.POST, "/roles", json: #"{"name":"Super","permissions":["operators.manageAdmins"]}"#).status == .forbidden)
            #expect(try await api.call(.POST, "/roles", json: #"{"name":"Cleared","permissions":[],"secureClearance":true}"#).status == .forbidden)
            #expect(try await api.call(.POST, "/roles", json: #"{"name":"Fine","permissions":["account.view"]}"#).status == .created)
        }
    }

    @Test func groupTreeCreateRenameMoveDelete() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let main = try api.object(try await api.call(.POST, "/groups", json: #"{"name":"Main Group"}"#))
            let mainID = try #require(main["id"] as? String)
            let sub = try api.object(try await api.call(.POST, "/groups", json: #"{"name":"Sub Group 1","parentId":"\#(mainID)"}"#))
            let subID = try #require(sub["id"] as? String)
            #expect(sub["ancestorIds"] as? [String] == [mainID])
            let leaf = try api.object(try await api.call(.POST, "/groups", json: #"{"name":"Leaf","parentId":"\#(subID)"}"#))
            let leafID = try #require(leaf["id"] as? String)
            #expect(try await api.call(.POST, "/groups", json: #"{"name":"Leaf","parentId":"\#(subID)"}"#).status == .conflict)

            // A parent that does not exist is refused; the group itself is still there.
            #expect(try await api.call(.PATCH, "/groups/\(subID)", json: #"{"parentId":"\#(UUID().uuidString)"}"#).status == .conflict)
            #expect(try await api.call(.GET, "/groups/\(subID)").status == .ok)
            // Cannot move a group under its own subtree; can move it to the top, subtree follows.
            #expect(try await api.call(.PATCH, "/groups/\(mainID)", json: #"{"parentId":"\#(leafID)"}"#).status == .conflict)
            let moved = try api.object(try await api.call(.PATCH, "/groups/\(subID)", json: #"{"parentId":null,"name":"Sub"}"#))
            #expect(moved["name"] as? String == "Sub")
            #expect(moved["ancestorIds"] as? [String] == [])
            let leafNow = try api.object(try await api.call(.GET, "/groups/\(leafID)"))
            #expect(leafNow["ancestorIds"] as? [String] == [subID])

            // Not empty: refused with the reason; empty: deleted.
            let notEmpty = try await api.call(.DELETE, "/groups/\(subID)")
            #expect(notEmpty.status == .conflict)
            #expect(try notEmpty.json(Problem.self).detail?.contains("subgroup") == true)
            #expect(try await api.call(.DELETE, "/groups/\(leafID)").status == .noContent)
            #expect(try await api.call(.DELETE, "/groups/\(subID)").status == .noContent)
            #expect(try api.array(try await api.call(.GET, "/groups")).map { $0["name"] as? String } == ["Main Group"])
        }
    }

    @Test func accountAdminOfASubgroupWorksInsideIt() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.api(as: try await portal.makeOperator())
            let mainID = try #require(try admin.object(try await admin.call(.POST, "/groups", json: #"{"name":"Main"}"#))["id"] as? String)
            let subID = try #require(try admin.object(try await admin.call(.POST, "/groups", json: #"{"name":"Sub Group 1","parentId":"\#(mainID)"}"#))["id"] as? String)
            let groupAdmin = try await portal.makeOperator(email: "ga@example.com", role: "viewer")
            #expect(try await admin.call(.PUT, "/operators/\(try groupAdmin.requireID())/grants",
                                         json: #"{"grants":[{"role":"account-admin","scope":"group:\#(subID)"}]}"#).status == .ok)
            let api = try await portal.api(as: groupAdmin)
            // Creates accounts inside the subgroup, not at the top or in the parent.
            let inside = try await api.call(.POST, "/accounts", json: #"{"name":"Corner Shop","email":"shop@example.com","groupId":"\#(subID)"}"#)
            #expect(inside.status == .created)
            let uid = try #require(try api.object(inside)["businessUid"] as? String)
            #expect(try await api.call(.GET, "/accounts/\(uid)").status == .ok)
            #expect(try await api.call(.POST, "/accounts", json: #"{"name":"Elsewhere","email":"e@example.com","groupId":"\#(mainID)"}"#).status == .forbidden)
            #expect(try await api.call(.POST, "/accounts", json: #"{"name":"Top","email":"t@example.com"}"#).status == .forbidden)
            // Sees only its part of the tree.
            #expect(try api.array(try await api.call(.GET, "/groups")).map { $0["id"] as? String } == [subID])
            #expect(try await api.call(.GET, "/groups/\(mainID)").status == .forbidden)
            // Secure accounts need clearance, even to create.
            #expect(try await api.call(.POST, "/accounts", json: #"{"name":"Clinic","email":"c@example.com","groupId":"\#(subID)","secure":true}"#).status == .forbidden)
        }
    }

    @Test func grantsAreReadAndReplacedUnderTheRules() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let api = try await portal.api(as: admin)
            let grants = try api.array(try await api.call(.GET, "/operators/\(try admin.requireID())/grants"))
            #expect(grants.first?["role"] as? String == "admin")
            #expect(grants.first?["scope"] as? String == "all")
            // The last admin cannot demote themselves.
            let demote = try await api.call(.PUT, "/operators/\(try admin.requireID())/grants", json: #"{"grants":[{"role":"viewer","scope":"all"}]}"#)
            #expect(demote.status == .conflict)
            #expect(try demote.json(Problem.self).detail?.contains("last active admin") == true)
            // Unknown role, unknown group: the request refers to nothing (409; the operator exists).
            #expect(try await api.call(.PUT, "/operators/\(try admin.requireID())/grants", json: #"{"grants":[{"role":"emperor","scope":"all"}]}"#).status == .conflict)
            #expect(try await api.call(.PUT, "/operators/\(try admin.requireID())/grants",
                                       json: #"{"grants":[{"role":"admin","scope":"group:\#(UUID().uuidString)"}]}"#).status == .conflict)
            #expect(try await api.call(.PUT, "/operators/\(try admin.requireID())/grants", json: #"{"grants":[{"role":"admin","scope":"everywhere"}]}"#).status == .badRequest)
        }
    }
}
