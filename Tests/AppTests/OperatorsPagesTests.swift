@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct OperatorsPagesTests {
    @Test func inviteThroughTheFormAndManageOnTheDetailPage() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let form = try await portal.visit("/operators/new", browser: browser)
            #expect(form.status == .ok)
            let csrf = try #require(form.csrfToken)
            let invalid = try await portal.submit("/operators", ["csrf_token": csrf, "name": "", "email": "nope", "role1": "support", "scope1": "all"], browser: browser)
            #expect(invalid.status == .unprocessableEntity)
            #expect(invalid.text.contains("id=\"field-email-error\""))
            let created = try await portal.submit("/operators", ["csrf_token": csrf, "name": "Sam Support", "email": "sam@example.com", "phone": "",
                                                                 "role1": "support", "scope1": "all", "role2": "", "scope2": "all"], browser: browser)
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            #expect(!location.contains("?"))
            let sam = try #require(try await Operator.query(on: portal.db).filter(\.$email == "sam@example.com").with(\.$grants).first())
            #expect(sam.grants.map(\.role) == ["support"])
            #expect(sam.phone == nil)

            let detail = try await portal.visit(location, browser: browser)
            #expect(detail.text.contains("The invitation was emailed."))
            #expect(detail.text.contains("Resend invite"))
            let id = try sam.requireID().uuidString.lowercased()
            #expect(try await portal.submit("/operators/\(id)/block", ["csrf_token": csrf, "confirmed": "yes"], browser: browser).status == .seeOther)
            #expect(try await Operator.find(sam.id, on: portal.db)?.status == .blocked)
            #expect(try await portal.submit("/operators/\(id)/grants", ["csrf_token": csrf, "role1": "viewer", "scope1": "assigned"], browser: browser).status == .seeOther)
            try await sam.$grants.load(on: portal.db)
            #expect(sam.grants.map { "\($0.role)/\($0.scope.rawValue)" } == ["viewer/assigned"])

            let list = try await portal.visit("/operators?status=blocked", browser: browser)
            #expect(list.text.contains("sam@example.com"))
            #expect(!list.text.contains("<div class=\"hint\">ada@example.com</div>"))
        }
    }

    @Test func theListFiltersByGroupIncludingGroupsBeneath() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let leeds = AccountGroup(partnerID: partnerID, parent: north, name: "Leeds")
            try await leeds.create(on: portal.db)
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await south.create(on: portal.db)
            for (email, group) in [("north@example.com", north), ("leeds@example.com", leeds), ("south@example.com", south)] {
                let op = try await portal.makeOperator(email: email, name: email, role: "viewer")
                let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).first())
                grant.scope = .group
                grant.scopeID = group.id
                try await grant.update(on: portal.db)
            }
            let api = try await portal.api(as: admin)
            let inNorth = try api.array(try await api.call(.GET, "/operators?group=\(try north.requireID().uuidString.lowercased())"))
            #expect(Set(inNorth.compactMap { $0["email"] as? String }) == ["north@example.com", "leeds@example.com"])
            #expect(try await api.call(.GET, "/operators?group=nope").status == .badRequest)

            let browser = try await portal.signIn()
            let page = try await portal.visit("/operators?group=\(try south.requireID().uuidString.lowercased())", browser: browser)
            #expect(page.text.contains("south@example.com") && !page.text.contains("leeds@example.com"))
            #expect(page.text.contains("North › Leeds"))
        }
    }

    @Test func aNotificationsOnlyOperatorIsListedAndAnAdminSetsTheirDigest() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let digest = try await portal.makeOperator(email: "digest@example.com", name: "Dee Digest", role: "notifications", secondFactor: nil)
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let id = try digest.requireID().uuidString.lowercased()
            let browser = try await portal.signIn()
            let list = try await portal.visit("/operators", browser: browser)
            #expect(list.text.contains("Dee Digest") && list.text.contains("Notifications"))
            let page = try await portal.visit("/operators/\(id)", browser: browser)
            #expect(page.text.contains("The digest of outstanding tasks Dee Digest receives"))
            let saved = try await portal.submitMulti("/operators/\(id)/notifications", [("frequency", "weekly"), ("categories[]", "locked-accounts"),
                                                                                       ("csrf_token", page.csrfToken ?? "")], browser: browser)
            #expect(saved.status == .seeOther)
            var stored = try #require(try await Operator.find(digest.id, on: portal.db)).notificationPreferences
            #expect(stored.frequency == .weekly && stored.categories == [.lockedAccounts])

            let api = try await portal.api(as: admin)
            let patched = try api.object(try await api.call(.PATCH, "/operators/\(id)", json: #"{"notifications":{"frequency":"daily","categories":["pending-invites"]}}"#))
            #expect((patched["notifications"] as? [String: Any])?["frequency"] as? String == "daily")
            stored = try #require(try await Operator.find(digest.id, on: portal.db)).notificationPreferences
            #expect(stored.categories == [.pendingInvites])
            let samsAPI = try await portal.api(as: sam)
            #expect(try await samsAPI.call(.PATCH, "/operators/\(id)", json: #"{"notifications":{"frequency":"weekly","categories":[]}}"#).status == .forbidden)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.notifications-changed").count() == 2)
        }
    }

    @Test func disabledActionsSayWhy() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await portal.makeOperator(email: "sm@example.com", name: "Sys Man", role: "system-manager")
            let browser = try await portal.signIn(email: "sm@example.com")
            let adminPage = try await portal.visit("/operators/\(try ada.requireID().uuidString.lowercased())", browser: browser)
            #expect(adminPage.status == .ok)
            #expect(adminPage.text.contains("Only operators who can manage admins may do this"))
            #expect(!adminPage.text.contains("Save profile"))
            let csrf = try #require(adminPage.csrfToken)
            #expect(try await portal.submit("/operators/\(try ada.requireID().uuidString.lowercased())/block", ["csrf_token": csrf], browser: browser).status == .forbidden)
            #expect(try await Operator.find(ada.id, on: portal.db)?.status == .active)
        }
    }

    @Test func lastAdminCannotRemoveThemselfFromThePage() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await portal.visit("/operators/\(try ada.requireID().uuidString.lowercased())", browser: browser)
            #expect(page.text.contains(#"aria-describedby="why-remove">Remove</button><span class="hint" id="why-remove">You cannot do this to yourself."#))
            #expect(page.text.contains(#"aria-describedby="why-block">Block</button><span class="hint" id="why-block">You cannot do this to yourself."#))
        }
    }

    /// The list comes 50 operators a page; with more groups than the page lists, the group
    /// filter is a type-ahead, every group a link away on a page that leads back to the list.
    @Test func theListComesAPageAtATimeAndManyGroupsGetATypeAheadWithEveryGroupALinkAway() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            var staff: [Operator] = []
            for index in 0..<60 {
                staff.append(try await portal.makeOperator(email: "op\(index)@example.com", name: String(format: "Operator %02d", index), password: nil, role: "viewer"))
            }
            try await admin.$grants.load(on: portal.db)
            let actor = try await AccessLoader.actor(for: admin, on: portal.db)
            var regions: [AccountGroup] = []
            for index in 0..<30 { regions.append(try await GroupService.create(name: String(format: "Region %02d", index), parentID: nil, by: actor, on: portal.db)) }
            let north = try await GroupService.create(name: "North", parentID: regions[3].requireID(), by: actor, on: portal.db)
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == staff[5].requireID()).first())
            grant.scope = .group
            grant.scopeID = north.id
            try await grant.update(on: portal.db)

            let browser = try await portal.signIn()
            func rows(_ html: String) -> [String] {
                HTMLTokenizer.tags(html).compactMap { $0.name == "a" ? $0.value("href") : nil }
                    .filter { $0.range(of: "^/operators/[0-9a-f-]{36}$", options: .regularExpression) != nil }
            }
            let first = try await portal.visit("/operators", browser: browser)
            #expect(rows(first.text).count == 50 && first.text.contains("1–50 of 61 operators"))
            #expect(HTMLTokenizer.tags(first.text).contains { $0.name == "a" && $0.value("rel") == "next" && $0.value("href") == "/operators?page=2" })
            let second = try await portal.visit("/operators?page=2", browser: browser)
            #expect(rows(second.text).count == 11 && second.text.contains("51–61 of 61 operators"))
            #expect(HTMLTokenizer.tags(second.text).contains { $0.name == "a" && $0.value("rel") == "prev" && $0.value("href") == "/operators" })
            #expect(Set(rows(first.text) + rows(second.text)).count == 61)
            #expect(rows(try await portal.visit("/operators?page=99", browser: browser).text) == rows(second.text))
            // The counts are the whole partner's, whatever the page.
            let stats = try await OperatorDirectory.counts(for: actor, on: portal.db)
            #expect(stats.values.reduce(0, +) == 61)
            let found = try await portal.visit("/operators?q=operator+0", browser: browser)
            #expect(rows(found.text).count == 10 && !found.text.contains("of 10 operators"))

            // The group filter: a type-ahead, not a <select> of 31 groups.
            let tags = HTMLTokenizer.tags(first.text)
            #expect(!tags.contains { $0.name == "select" && $0.value("name") == "group" })
            #expect(tags.contains { $0.value("data-picker") == "group" && $0.value("data-suggest") == "/groups/suggest" })
            #expect(tags.contains { $0.name == "a" && $0.value("href") == "/operators/groups" })
            let region = try regions[3].requireID().uuidString.lowercased()
            let inRegion = try await portal.visit("/operators?group=\(region)&q=operator", browser: browser)
            #expect(rows(inRegion.text) == ["/operators/\(try staff[5].requireID().uuidString.lowercased())"])
            let regionTags = HTMLTokenizer.tags(inRegion.text)
            #expect(regionTags.contains { $0.name == "input" && $0.value("name") == "group" && $0.value("value") == region })
            #expect(regionTags.contains { $0.name == "input" && $0.value("id") == "group-search" && $0.value("value") == "Region 03" })
            #expect(regionTags.contains { $0.name == "a" && $0.value("href") == "/operators/groups?q=operator&group=\(region)" })

            // Every group, a page at a time, each leading back to the list with the other filters kept.
            let choices = try await portal.visit("/operators/groups?q=operator&find=north", browser: browser)
            #expect(choices.status == .ok)
            let links = HTMLTokenizer.tags(choices.text).compactMap { $0.name == "a" ? $0.value("href") : nil }
            #expect(links.contains("/operators?q=operator&group=\(try north.requireID().uuidString.lowercased())"))
            #expect(links.contains("/operators?q=operator") && !links.contains { $0.contains(region) })
            #expect(choices.text.contains("Region 03 › North"))
            let every = try await portal.visit("/operators/groups", browser: browser)
            #expect(every.text.contains("1–31 of 31 groups"))
            #expect(try await portal.visit("/operators/groups?find=" + String(repeating: "x", count: 300), browser: browser).status == .unprocessableEntity)
        }
    }
}

