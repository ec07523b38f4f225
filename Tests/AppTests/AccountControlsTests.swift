@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct AccountControlsTests {
    private func makeAccount(_ portal: TestPortal, _ name: String = "Rosie's Bakery") async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name, email: "rosie@example.com", groupID: nil, secure: false)
        try await account.create(on: portal.db)
        return account
    }

    @Test func eachControlOfTheAccountTabChangesTheAccountAndLandsInItsHistory() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin-secure")
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let account = try await makeAccount(portal)
            let other = try await makeAccount(portal, "Other")
            other.nickname = "taken"
            try await other.update(on: portal.db)
            let browser = try await portal.signIn()
            let path = "/accounts/\(account.businessUID)"
            let page = try await portal.visit(path, browser: browser)
            let csrf = try #require(page.csrfToken)
            for action in ["lock", "enable-send-links", "mark-secure", "set-template", "complete-setup"] {
                let answer = try await portal.submit("\(path)/\(action)", ["csrf_token": csrf, "confirmed": "yes"], browser: browser)
                // Each lands back on its tab: the Activity tab holds "Mark setup as complete".
                let tab = action == "complete-setup" ? "activity" : "account"
                #expect(answer.headers.first(name: .location) == "\(path)/\(tab)", "\(action)")
            }
            var stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.locked && stored.sendLinksEnabled && stored.secure && stored.isTemplate && stored.setupCompleted)

            let bad = try await portal.submit("\(path)/nickname", ["nickname": "Not OK!", "csrf_token": csrf], browser: browser)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("lowercase letters"))
            let clash = try await portal.submit("\(path)/nickname", ["nickname": "taken", "csrf_token": csrf], browser: browser)
            #expect(clash.status == .unprocessableEntity && clash.text.contains("Another account already uses taken"))
            #expect(try await portal.submit("\(path)/nickname", ["nickname": "rosies", "csrf_token": csrf], browser: browser).status == .seeOther)
            _ = try await portal.submitMulti("\(path)/assignments", [("operators[]", try sam.requireID().uuidString), ("csrf_token", csrf)], browser: browser)
            #expect(try await portal.submit("\(path)/unlock", ["csrf_token": csrf], browser: browser).status == .seeOther)
            stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.nickname == "rosies" && !stored.locked)
            #expect(try await AccountAssignment.query(on: portal.db).filter(\.$accountID == account.requireID()).all().map(\.operatorID) == [sam.id])

            let shown = try await portal.visit("\(path)/history", browser: browser)
            #expect(shown.text.contains("<h2>History</h2>"))
            #expect(shown.text.contains("gave the account the nickname “rosies”"))
            #expect(shown.text.contains("<strong>Ada Admin</strong> assigned Sam"))
            #expect(shown.text.contains("<strong>Ada Admin</strong> locked the account") && shown.text.contains("<strong>Ada Admin</strong> unlocked the account"))
            let actions = try await AccountAdministration.history(of: stored, by: AccessLoader.actor(for: try #require(Operator.query(on: portal.db).filter(\.$email == "ada@example.com").with(\.$grants).first()), on: portal.db), on: portal.db).map(\.action)
            #expect(actions.first == "account.unlock" && actions.count == 8)
        }
    }

    @Test func controlsTheOperatorMayNotUseAreDisabledWithTheReasonAndRefused() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator() // Admin without secure clearance
            try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            let account = try await makeAccount(portal)
            let path = "/accounts/\(account.businessUID)"

            let viewer = try await portal.signIn(email: "vi@example.com")
            let page = try await portal.visit("\(path)/account", browser: viewer)
            #expect(page.status == .ok)
            #expect(page.text.contains("id=\"why-lock\"") && page.text.contains("id=\"why-nickname\""))
            #expect(try await portal.submit("\(path)/lock", ["csrf_token": page.csrfToken ?? ""], browser: viewer).status == .forbidden)
            #expect(try await Account.find(account.id, on: portal.db)?.locked == false)

            // Marking secure needs secure clearance, even for an Admin.
            let admin = try await portal.signIn()
            let adminPage = try await portal.visit("\(path)/account", browser: admin)
            #expect(adminPage.text.contains("id=\"why-mark-secure\""))
            #expect(try await portal.submit("\(path)/mark-secure", ["csrf_token": adminPage.csrfToken ?? ""], browser: admin).status == .forbidden)
            #expect(try await portal.submit("\(path)/lock", ["csrf_token": adminPage.csrfToken ?? "", "confirmed": "yes"], browser: admin).status == .seeOther)
        }
    }

    @Test func theAPIListsFiltersAndChangesAccountsLikeThePages() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(role: "admin-secure")
            let vi = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            for index in 0..<7 { _ = try await makeAccount(portal, "Account \(index)") }
            let bakery = try await makeAccount(portal, "Rosie's Bakery")
            let api = try await portal.api(as: ada)

            var names: [String] = []
            var cursor: String? = nil
            repeat {
                let page = try api.object(try await api.call(.GET, "/accounts?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")))
                names += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(names.count == 8 && names == names.sorted())
            let found = try api.object(try await api.call(.GET, "/accounts?q=bakery"))
            #expect((found["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Rosie's Bakery"])

            let path = "/accounts/\(bakery.businessUID)"
            let changed = try api.object(try await api.call(.PATCH, path, json: #"{"locked":true,"template":true,"nickname":"rosies","setupCompleted":true}"#))
            #expect(changed["locked"] as? Bool == true && changed["template"] as? Bool == true && changed["nickname"] as? String == "rosies")
            #expect(try await api.call(.PATCH, path, json: #"{"setupCompleted":false}"#).status == .conflict)
            #expect(try await api.call(.PATCH, "/accounts/\(try await makeAccount(portal, "Other").businessUID)", json: #"{"nickname":"rosies"}"#).status == .conflict)
            let locked = try api.object(try await api.call(.GET, "/accounts?locked=true"))
            #expect((locked["items"] as? [[String: Any]])?.count == 1)

            let assigned = try await api.call(.PUT, "\(path)/assignments", json: #"{"operatorIds":["\#(try vi.requireID().uuidString)"]}"#)
            #expect(assigned.status == .ok)
            #expect(try await api.call(.PUT, "\(path)/assignments", json: #"{"operatorIds":["\#(UUID().uuidString)"]}"#).status == .conflict)
            let history = try api.array(try await api.call(.GET, "\(path)/history"))
            #expect(history.first?["action"] as? String == "account.assignments-changed")
            #expect(history.contains { ($0["details"] as? String) == "nickname: — → rosies" })

            let viewer = try await portal.api(as: vi)
            #expect(try await viewer.call(.PATCH, path, json: #"{"locked":false}"#).status == .forbidden)
            let mine = try viewer.object(try await viewer.call(.GET, "/accounts?mine=true"))
            #expect((mine["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Rosie's Bakery"])
            #expect(try await Account.find(bakery.id, on: portal.db)?.locked == true)
        }
    }

    @Test func tagsAndNotesOnThePageAndInTheAPIAreSearchableAndInTheHistory() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            let bakery = try await makeAccount(portal)
            _ = try await makeAccount(portal, "Harbour Gym")
            let path = "/accounts/\(bakery.businessUID)"
            let browser = try await portal.signIn()
            let page = try await portal.visit(path, browser: browser)
            let csrf = try #require(page.csrfToken)
            #expect(try await portal.submit("\(path)/tags", ["tag": "  VIP ", "csrf_token": csrf], browser: browser).status == .seeOther)
            let bad = try await portal.submit("\(path)/tags", ["tag": "<b>", "csrf_token": csrf], browser: browser)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("letters, digits"))
            let empty = try await portal.submit("\(path)/notes", ["note": "   ", "csrf_token": csrf], browser: browser)
            #expect(empty.status == .unprocessableEntity)
            #expect(try await portal.submit("\(path)/notes", ["note": "Called about <billing>", "csrf_token": csrf], browser: browser).status == .seeOther)
            let shown = try await portal.visit(path, browser: browser)
            #expect(shown.text.contains("<span class=\"badge\">vip</span>"))
            #expect(shown.text.contains("Called about &lt;billing&gt;") && shown.text.contains("Ada Admin ·"))
            let history = try await portal.visit("\(path)/history", browser: browser)
            #expect(history.text.contains("<strong>Ada Admin</strong> added the tag “vip”") && history.text.contains("<strong>Ada Admin</strong> added a note"))
            #expect(history.text.contains("Note: Called about &lt;billing&gt;") && !history.text.contains(">account.note-added<"))

            let list = try await portal.visit("/accounts?q=vip", browser: browser)
            #expect(list.text.contains("Rosie&#39;s Bakery") || list.text.contains("Rosie's Bakery"))
            #expect(!list.text.contains("Harbour Gym"))
            #expect(!(try await portal.visit("/accounts?tag=vip", browser: browser)).text.contains("Harbour Gym"))

            let api = try await portal.api(as: ada)
            #expect(try api.array(try await api.call(.GET, "\(path)/notes")).first?["body"] as? String == "Called about <billing>")
            let tags = try await api.call(.POST, "\(path)/tags", json: #"{"tag":"Restaurant"}"#)
            #expect(tags.status == .ok && tags.text.contains("restaurant") && tags.text.contains("vip"))
            #expect(try await api.call(.DELETE, "\(path)/tags/vip").status == .noContent)
            #expect(try await AccountLabels.tags(of: bakery, on: portal.db) == ["restaurant"])
            #expect(try await api.call(.POST, "\(path)/notes", json: #"{"body":"Second"}"#).status == .created)

            let viewerAPI = try await portal.api(as: try #require(try await Operator.query(on: portal.db).filter(\.$email == "vi@example.com").first()))
            #expect(try await viewerAPI.call(.POST, "\(path)/tags", json: #"{"tag":"x"}"#).status == .forbidden)
            #expect(try await viewerAPI.call(.GET, "\(path)/tags").status == .ok)
        }
    }
}
