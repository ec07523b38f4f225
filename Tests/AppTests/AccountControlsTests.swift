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

    /// Above `AccountPageView.listedChoices` operators or groups, the Account tab lists the
    /// assigned operators and the account's group with a type-ahead each, every choice a link
    /// away; the forms change exactly what was chosen.
    @Test func aPartnerWithManyOperatorsAndGroupsGetsTypeAheadsWithEveryChoiceALinkAway() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            var others: [Operator] = []
            for index in 0..<30 {
                others.append(try await portal.makeOperator(email: "op\(index)@example.com", name: String(format: "Operator %02d", index), password: nil, role: "viewer"))
            }
            try await ada.$grants.load(on: portal.db)
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            var groups: [AccountGroup] = []
            for index in 0..<30 { groups.append(try await GroupService.create(name: String(format: "Region %02d", index), parentID: nil, by: actor, on: portal.db)) }
            let north = try await GroupService.create(name: "North", parentID: groups[3].requireID(), by: actor, on: portal.db)
            let account = try await makeAccount(portal)
            account.groupID = try north.requireID()
            try await account.update(on: portal.db)
            try await AccountAdministration.assign([try others[4].requireID()], to: account, by: actor, context: .system, on: portal.db)

            let browser = try await portal.signIn()
            let path = "/accounts/\(account.businessUID)"
            let page = try await portal.visit("\(path)/account", browser: browser)
            let csrf = try #require(page.csrfToken)
            let tags = HTMLTokenizer.tags(page.text)
            // The assigned operator only, and a type-ahead for the others.
            #expect(tags.filter { $0.name == "input" && $0.value("type") == "checkbox" && $0.value("name") == "operators[]" }.map { $0.value("value") }
                    == [try others[4].requireID().uuidString.lowercased()])
            #expect(tags.contains { $0.value("data-picker") == "assign-add" && $0.value("data-suggest") == "/accounts/assignees/suggest" })
            #expect(tags.contains { $0.name == "a" && $0.value("href") == "\(path)/account?every=operators" })
            // The group as a type-ahead holding the account's group, not a <select> of every group.
            #expect(!tags.contains { $0.name == "select" && $0.value("name") == "group" })
            #expect(tags.contains { $0.value("data-picker") == "group" && $0.value("data-suggest") == "/groups/suggest?top=1" })
            #expect(tags.contains { $0.name == "input" && $0.value("name") == "group" && $0.value("value") == (try? north.requireID().uuidString.lowercased()) })
            #expect(tags.contains { $0.name == "input" && $0.value("id") == "group-search" && $0.value("value") == "Region 03 › North" })
            #expect(tags.contains { $0.name == "a" && $0.value("href") == "\(path)/account?every=groups" })
            #expect(tags.filter { $0.name == "script" && $0.value("src") == "/assets/picker.js" }.count == 1)
            #expect(!page.text.contains("Operator 00") && !page.text.contains("Region 29"))

            // Every choice, a link away.
            let everyOperator = HTMLTokenizer.tags(try await portal.visit("\(path)/account?every=operators", browser: browser).text)
            let boxes = everyOperator.filter { $0.name == "input" && $0.value("type") == "checkbox" && $0.value("name") == "operators[]" }
            #expect(boxes.count == 31 && boxes.filter { $0.attributeNames.contains("checked") }.count == 1)
            #expect(everyOperator.contains { $0.value("data-picker") == "group" })
            let everyGroup = try await portal.visit("\(path)/account?every=groups", browser: browser)
            let options = Self.options(of: "group", in: everyGroup.text)
            #expect(options.count == 32 && options.first?.value("value") == AccountPageView.noGroup)
            #expect(options.filter { $0.attributeNames.contains("selected") }.map { $0.value("value") } == [try north.requireID().uuidString.lowercased()])

            // The type-ahead's choice is added to the ticked ones; an empty one adds nobody.
            let added = try await portal.submitMulti("\(path)/assignments", [("operators[]", try others[4].requireID().uuidString),
                                                                              ("operators[]", try others[7].requireID().uuidString), ("csrf_token", csrf)], browser: browser)
            #expect(added.status == .seeOther)
            func assigned() async throws -> Set<UUID> {
                Set(try await AccountAssignment.query(on: portal.db).filter(\.$accountID == account.requireID()).all().map(\.operatorID))
            }
            #expect(try await assigned() == [try others[4].requireID(), try others[7].requireID()])
            #expect(try await portal.submitMulti("\(path)/assignments", [("operators[]", try others[7].requireID().uuidString), ("operators[]", ""),
                                                                         ("csrf_token", csrf)], browser: browser).status == .seeOther)
            #expect(try await assigned() == [try others[7].requireID()])

            // A choice not made is refused next to the field and changes nothing; "No group" moves it out.
            let unchosen = try await portal.submit("\(path)/group", ["group": "", "csrf_token": csrf], browser: browser)
            #expect(unchosen.status == .unprocessableEntity && unchosen.text.contains("Choose a group, or No group (top level)."))
            #expect(HTMLTokenizer.tags(unchosen.text).contains { $0.value("id") == "group-error" })
            #expect(try await Account.find(account.id, on: portal.db)?.groupID == north.id)
            #expect(try await portal.submit("\(path)/group", ["group": try groups[9].requireID().uuidString, "csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await Account.find(account.id, on: portal.db)?.groupID == groups[9].id)
            #expect(try await portal.submit("\(path)/group", ["group": AccountPageView.noGroup, "csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await Account.find(account.id, on: portal.db)?.groupID == nil)
            let out = try await portal.visit("\(path)/account", browser: browser)
            #expect(HTMLTokenizer.tags(out.text).contains { $0.name == "input" && $0.value("name") == "group" && $0.value("value") == AccountPageView.noGroup })
        }
    }

    /// A partner with few operators and groups keeps the checkboxes and the `<select>`.
    @Test func aSmallPartnerSeesEveryOperatorAndGroupOnTheAccountTab() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", password: nil, role: "viewer")
            try await ada.$grants.load(on: portal.db)
            let south = try await GroupService.create(name: "South", parentID: nil, by: try await AccessLoader.actor(for: ada, on: portal.db), on: portal.db)
            let account = try await makeAccount(portal)
            let browser = try await portal.signIn()
            let path = "/accounts/\(account.businessUID)"
            let page = try await portal.visit("\(path)/account", browser: browser)
            let tags = HTMLTokenizer.tags(page.text)
            #expect(Set(tags.filter { $0.value("type") == "checkbox" && $0.value("name") == "operators[]" }.compactMap { $0.value("value") })
                    == Set([ada.id, sam.id].compactMap { $0?.uuidString.lowercased() }))
            let options = Self.options(of: "group", in: page.text).compactMap { $0.value("value") }
            #expect(options == [AccountPageView.noGroup, try south.requireID().uuidString.lowercased()])
            #expect(!tags.contains { $0.value("data-picker") != nil } && !tags.contains { $0.value("src") == "/assets/picker.js" })
            let csrf = try #require(page.csrfToken)
            #expect(try await portal.submit("\(path)/group", ["group": try south.requireID().uuidString, "csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await Account.find(account.id, on: portal.db)?.groupID == south.id)
        }
    }

    /// The options of the `<select>` named `name`.
    private static func options(of name: String, in html: String) -> [HTMLTokenizer.Tag] {
        var inside = false, found: [HTMLTokenizer.Tag] = []
        for token in HTMLTokenizer.tokens(html) {
            switch token {
            case .start(let tag) where tag.name == "select": inside = tag.value("name") == name
            case .start(let tag) where inside && tag.name == "option": found.append(tag)
            case .end("select"): inside = false
            default: break
            }
        }
        return found
    }
}
