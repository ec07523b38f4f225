@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// The Roles and Groups pages, through the browser routes.
@Suite struct AccessPagesTests {
    @Test func rolesPageShowsEveryRoleAndItsSecureTwin() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await portal.visit("/roles", browser: browser)
            #expect(page.status == .ok)
            for role in BuiltInRole.all {
                #expect(page.text.contains("<th scope=\"col\">\(role.name)</th>"), "\(role.name) missing from the matrix")
            }
            #expect(page.text.contains("account.subscription.edit"))
            let csv = try await portal.visit("/roles/matrix.csv", browser: browser)
            #expect(csv.status == .ok)
            #expect(csv.headers.first(name: .contentDisposition)?.contains("roles-matrix.csv") == true)
            #expect(csv.text == RoleService.matrixCSV(BuiltInRole.all.map(RoleDefinition.init(builtIn:))))
        }
    }

    @Test func customRoleEditorCreatesClonesEditsAndDeletes() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin-secure")
            let browser = try await portal.signIn()
            let form = try await portal.visit("/roles/new?from=support", browser: browser)
            #expect(form.text.contains("value=\"Copy of Support\""))
            #expect(form.text.contains("id=\"perm-account-password-reset\" name=\"permissions[]\" value=\"account.password.reset\" checked"))
            let csrf = try #require(form.csrfToken)

            let created = try await portal.submitMulti("/roles", [("csrf_token", csrf), ("name", "Helpdesk"), ("description", "First line"),
                                                                  ("permissions[]", "account.view"), ("permissions[]", "account.notes.edit")], browser: browser)
            #expect(created.status == .seeOther)
            let role = try #require(try await CustomRole.query(on: portal.db).first())
            #expect(role.permissions == [.accountView, .accountNotesEdit])
            #expect(role.secureClearance == false)

            let blank = try await portal.submitMulti("/roles", [("csrf_token", csrf), ("name", "   ")], browser: browser)
            #expect(blank.status == .badRequest)
            #expect(blank.text.contains("use 1 to 100 characters"))

            let id = try role.requireID().uuidString.lowercased()
            let saved = try await portal.submitMulti("/roles/\(id)", [("csrf_token", csrf), ("name", "Helpdesk"), ("secure_clearance", "on"),
                                                                      ("permissions[]", "account.view")], browser: browser)
            #expect(saved.status == .seeOther)
            let reloaded = try #require(try await CustomRole.find(role.id, on: portal.db))
            #expect(reloaded.secureClearance)
            #expect(reloaded.permissions == [.accountView])

            #expect(try await portal.submit("/roles/support/delete", ["csrf_token": csrf], browser: browser).status == .conflict)
            #expect(try await portal.submit("/roles/\(id)/delete", ["csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await CustomRole.query(on: portal.db).count() == 0)
        }
    }

    @Test func navigationShowsOnlyPagesTheOperatorMayOpen() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "vi@example.com", role: "viewer")
            let admin = try await portal.signIn()
            let adminHome = try await portal.visit("/", browser: admin)
            #expect(adminHome.text.contains("href=\"/roles\""))
            #expect(adminHome.text.contains("href=\"/groups\""))

            let viewer = try await portal.signIn(email: "vi@example.com")
            let viewerHome = try await portal.visit("/", browser: viewer)
            #expect(!viewerHome.text.contains("href=\"/roles\""))
            #expect(try await portal.visit("/roles", browser: viewer).status == .forbidden)
            #expect(try await portal.visit("/roles/new", browser: viewer).status == .forbidden)

            // Marketing sees the partner kit, not the groups of customer accounts.
            try await portal.makeOperator(email: "mo@example.com", role: "marketing")
            let marketing = try await portal.signIn(email: "mo@example.com")
            let marketingHome = try await portal.visit("/", browser: marketing)
            #expect(!marketingHome.text.contains("href=\"/groups\"") && marketingHome.text.contains("href=\"/partner-kit\""))
            #expect(try await portal.visit("/groups", browser: marketing).status == .forbidden)
        }
    }

    @Test func groupsPageCreatesRenamesMovesAndDeletes() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await portal.visit("/groups", browser: browser)
            #expect(page.text.contains("No groups yet"))
            let csrf = try #require(page.csrfToken)
            #expect(try await portal.submit("/groups", ["csrf_token": csrf, "name": "Main", "parent": ""], browser: browser).status == .seeOther)
            let main = try #require(try await AccountGroup.query(on: portal.db).first())
            let mainID = try main.requireID().uuidString.lowercased()
            #expect(try await portal.submit("/groups", ["csrf_token": csrf, "name": "Sub", "parent": mainID], browser: browser).status == .seeOther)
            let duplicate = try await portal.submit("/groups", ["csrf_token": csrf, "name": "Sub", "parent": mainID], browser: browser)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.text.contains("already exists"))

            let sub = try #require(try await AccountGroup.query(on: portal.db).filter(\.$name == "Sub").first())
            let subID = try sub.requireID().uuidString.lowercased()
            let tree = try await portal.visit("/groups", browser: browser)
            #expect(tree.text.contains("depth-1"))
            // Main has a subgroup: its Delete… opens the page that moves it elsewhere in the same step.
            #expect(tree.text.contains("href=\"/groups/\(mainID)/delete\""))
            #expect(try await portal.visit("/groups/\(mainID)/delete", browser: browser).text.contains("It holds 1 subgroup"))

            #expect(try await portal.submit("/groups", ["csrf_token": csrf, "name": "Other", "parent": ""], browser: browser).status == .seeOther)
            let other = try #require(try await AccountGroup.query(on: portal.db).filter(\.$name == "Other").first())
            #expect(tree.text.contains("href=\"/groups/\(subID)/move\""))
            // Main can go into Other, never into itself or its own subgroup.
            let moveMain = try await portal.visit("/groups/\(mainID)/move", browser: browser)
            #expect(moveMain.status == .ok)
            #expect(moveMain.text.contains("value=\"\(try other.requireID().uuidString.lowercased())\""))
            #expect(!moveMain.text.contains("value=\"\(mainID)\"") && !moveMain.text.contains("value=\"\(subID)\""))
            #expect(moveMain.text.contains("<option value=\"\" selected=\"selected\">Top level</option>")) // where it is now
            let moveSub = try await portal.visit("/groups/\(subID)/move", browser: browser)
            #expect(moveSub.text.contains("Top level") && moveSub.text.contains("Main › Sub"))
            #expect(try await portal.visit("/groups/\(UUID().uuidString.lowercased())/move", browser: browser).status == .notFound)

            // Renaming has a page of its own: the tree links to it and carries no form per group.
            #expect(tree.text.contains("href=\"/groups/\(subID)/rename\"") && !tree.text.contains("action=\"/groups/\(subID)/rename\""))
            let renamePage = try await portal.visit("/groups/\(subID)/rename", browser: browser)
            #expect(renamePage.status == .ok && renamePage.text.contains("Rename “Main › Sub”"))
            #expect(HTMLTokenizer.tags(renamePage.text).contains { $0.value("name") == "name" && $0.value("value") == "Sub" })
            let refused = try await portal.submit("/groups/\(subID)/rename", ["csrf_token": csrf, "name": "  "], browser: browser)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("Use 1 to 100 characters"))
            #expect(HTMLTokenizer.tags(refused.text).contains { $0.value("id") == "field-name" && $0.value("aria-describedby")?.contains("field-name-error") == true })
            // A hostile name is stored as typed and shown as text on the tree and the rename page.
            let hostile = "<script>alert(1)</script> & \"x\""
            #expect(try await portal.submit("/groups/\(subID)/rename", ["csrf_token": csrf, "name": hostile], browser: browser).status == .seeOther)
            for path in ["/groups", "/groups/\(subID)/rename"] {
                let shown = try await portal.visit(path, browser: browser).text
                #expect(!shown.contains("<script>alert") && shown.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; "), "\(path)")
            }
            #expect(try await portal.submit("/groups/\(subID)/rename", ["csrf_token": csrf, "name": "Subgroup"], browser: browser).status == .seeOther)
            #expect(try await portal.submit("/groups/\(subID)/move", ["csrf_token": csrf, "parent": ""], browser: browser).status == .seeOther)
            // Beside Other now: its name is taken there, and the name typed stays in the field.
            let clash = try await portal.submit("/groups/\(subID)/rename", ["csrf_token": csrf, "name": "Other"], browser: browser)
            #expect(clash.status == .conflict && clash.text.contains("already exists"))
            #expect(HTMLTokenizer.tags(clash.text).contains { $0.value("id") == "field-name" && $0.value("value") == "Other" })
            let moved = try #require(try await AccountGroup.find(sub.id, on: portal.db))
            #expect(moved.name == "Subgroup")
            #expect(moved.parentID == nil)
            #expect(try await portal.submit("/groups/\(mainID)/delete", ["csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await AccountGroup.query(on: portal.db).count() == 2)
        }
    }

    /// A viewer whose grant reaches groups sees the tree but cannot open a group's move page.
    @Test func movingAGroupNeedsTheRightToManageIt() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "ada@example.com")
            try await portal.makeOperator(email: "vic@example.com", role: "viewer")
            let group = AccountGroup(partnerID: try portal.partner.requireID(), parent: nil, name: "Main")
            try await group.create(on: portal.db)
            let viewer = try await portal.signIn(email: "vic@example.com")
            #expect(try await portal.visit("/groups", browser: viewer).status == .ok)
            #expect(try await portal.visit("/groups/\(try group.requireID().uuidString.lowercased())/move", browser: viewer).status == .forbidden)
            #expect(try await portal.visit("/groups/\(try group.requireID().uuidString.lowercased())/rename", browser: viewer).status == .forbidden)
        }
    }
}
