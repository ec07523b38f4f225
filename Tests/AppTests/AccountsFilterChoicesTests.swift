@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The list's group and assignee filters without a `<select>` of every choice: the type-ahead's
/// suggestions (through the access layer, this partner's only, at most 20), the page of every
/// choice that returns to the list with the filter set, and the list that names only the
/// choice in force.
@Suite struct AccountsFilterChoicesTests {
    private func json(_ response: TestingHTTPResponse) throws -> (labels: [String], ids: [String], more: Bool) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        let options = try #require(object["options"] as? [[String: String]])
        return (options.compactMap { $0["label"] }, options.compactMap { $0["id"] }, object["more"] as? Bool ?? false)
    }

    /// North (with 24 shops below it) and South; another partner's "North Shop".
    private func tree(_ portal: TestPortal) async throws -> (north: AccountGroup, south: AccountGroup, shops: [AccountGroup]) {
        let partnerID = try portal.partner.requireID()
        let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
        try await north.create(on: portal.db)
        let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
        try await south.create(on: portal.db)
        var shops: [AccountGroup] = []
        for index in 1...24 {
            let shop = AccountGroup(partnerID: partnerID, parent: north, name: String(format: "Shop %02d", index))
            try await shop.create(on: portal.db)
            shops.append(shop)
        }
        let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
        try await AccountGroup(partnerID: try globex.requireID(), parent: nil, name: "North Shop").create(on: portal.db)
        return (north, south, shops)
    }

    @Test func groupSuggestionsAreTheGroupsTheReaderMaySeeAtMostTwenty() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let (north, _, _) = try await tree(portal)
            let browser = try await portal.signIn()
            let shops = try json(try await portal.send(.GET, "/groups/suggest?q=shop", cookies: browser))
            #expect(shops.labels.count == 20 && shops.more)
            #expect(shops.labels.first == "North › Shop 01" && !shops.labels.contains("North Shop"))
            // Every word, in any case and with or without accents; the answer is never cached.
            let one = try await portal.send(.GET, "/groups/suggest?q=n%C3%B3rth%20SHOP%2007", cookies: browser)
            #expect(try json(one).labels == ["North › Shop 07"] && !(try json(one).more))
            #expect(one.headers.first(name: .cacheControl) == "no-store" && one.headers.contentType == .json)
            #expect(try json(try await portal.send(.GET, "/groups/suggest?q=", cookies: browser)).labels.prefix(2) == ["North", "North › Shop 01"])

            // Sam's grant covers South: only South is suggested, and North is refused on the list.
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == sam.requireID()).first())
            grant.scope = .group
            grant.scopeID = try #require(try await AccountGroup.query(on: portal.db).filter(\.$name == "South").first()).id
            try await grant.update(on: portal.db)
            let samBrowser = try await portal.signIn(email: "sam@example.com")
            #expect(try json(try await portal.send(.GET, "/groups/suggest?q=", cookies: samBrowser)).labels == ["South"])
            let refused = try await portal.visit("/accounts?group=\(try north.requireID().uuidString)", browser: samBrowser)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("id=\"group-error\""))

            // A term that is too long or holds control characters is a problem, not a page.
            let long = try await portal.send(.GET, "/groups/suggest?q=" + String(repeating: "a", count: 101), cookies: browser)
            #expect(long.status == .badRequest && long.headers.contentType == Problem.contentType)
            #expect(try await portal.send(.GET, "/groups/suggest?q=a%0Ab", cookies: browser).status == .badRequest)
        }
    }

    @Test func assigneeSuggestionsAreThePartnersOperatorsWhoAreNotBlocked() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "sam@example.com", name: "Sam Sénéchal", role: "support")
            try await portal.makeOperator(email: "sal@example.com", name: "Sally Blocked", role: "support", status: .blocked)
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await portal.makeOperator(email: "sam@globex.example", name: "Sam Theirs", partner: globex)
            let browser = try await portal.signIn()
            #expect(try json(try await portal.send(.GET, "/accounts/assignees/suggest?q=sa", cookies: browser)).labels == ["Sam Sénéchal"])
            #expect(try json(try await portal.send(.GET, "/accounts/assignees/suggest?q=senechal", cookies: browser)).labels == ["Sam Sénéchal"])
            #expect(try json(try await portal.send(.GET, "/accounts/assignees/suggest", cookies: browser)).labels == ["Ada Admin", "Sam Sénéchal"])
            let marketing = try await portal.makeOperator(email: "mo@example.com", name: "Mo", role: "marketing")
            _ = marketing
            let mo = try await portal.signIn(email: "mo@example.com")
            #expect(try await portal.send(.GET, "/accounts/assignees/suggest?q=sa", cookies: mo).status == .forbidden)
            #expect(try await portal.send(.GET, "/groups/suggest?q=sa", cookies: mo).status == .forbidden)
        }
    }

    @Test func theListNamesOnlyTheChoicesInForceAndLinksToEveryChoice() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let (_, _, shops) = try await tree(portal)
            for index in 0..<30 { try await portal.makeOperator(email: "op\(index)@example.com", name: "Operator \(index)", role: "support") }
            let shop = shops[6]
            let account = Account(partnerID: try portal.partner.requireID(), name: "Corner Café", email: "c@example.com", groupID: shop.id, secure: false)
            try await account.create(on: portal.db)
            try await AccountAssignment(partnerID: account.partnerID, accountID: try account.requireID(), operatorID: try ada.requireID()).create(on: portal.db)
            let browser = try await portal.signIn()
            let page = try await portal.visit("/accounts", browser: browser).text
            // The filter form (the bulk bar below it has choices of its own).
            let start = try #require(page.range(of: #"<form class="card filters""#)), end = try #require(page.range(of: "</form>", range: start.upperBound..<page.endIndex))
            let plain = String(page[start.lowerBound..<end.upperBound])
            #expect(!plain.contains("Shop 03") && !plain.contains("Operator 12"))
            #expect(!plain.contains("<select id=\"group\"") && !plain.contains("<select id=\"operator\""))
            #expect(plain.contains(#"role="combobox""#) && plain.contains(#"aria-controls="group-listbox""#) && plain.contains(#"<label for="group-search">Group</label>"#))
            #expect(page.contains(#"<script src="/assets/picker.js" defer="defer"></script>"#))
            #expect(plain.contains(#"<a href="/accounts/groups">Choose from every group</a>"#))

            let group = try shop.requireID().uuidString.lowercased(), op = try ada.requireID().uuidString.lowercased()
            let filtered = try await portal.visit("/accounts?q=corner&group=\(group)&operator=\(op)", browser: browser)
            #expect(filtered.status == .ok && filtered.text.contains("Corner Café"))
            #expect(filtered.text.contains(#"<input type="hidden" name="group" value="\#(group)" data-picker-value/>"#))
            #expect(filtered.text.contains("value=\"North › Shop 07\"") && filtered.text.contains("value=\"Ada Admin\""))
            #expect(filtered.text.contains("Remove filter </span>Group: North › Shop 07") && filtered.text.contains("Remove filter </span>Assigned to: Ada Admin"))
            // The page of every group keeps the list's other filters.
            #expect(filtered.text.contains("href=\"/accounts/groups?q=corner&amp;operator=\(op)\""))
        }
    }

    @Test func theChoicesPageListsEveryGroupAPageAtATimeAndReturnsWithTheFilterSet() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let root = AccountGroup(partnerID: partnerID, parent: nil, name: "Region")
            try await root.create(on: portal.db)
            for index in 1...130 { try await AccountGroup(partnerID: partnerID, parent: root, name: String(format: "City %03d", index)).create(on: portal.db) }
            let browser = try await portal.signIn()
            func links(_ html: String) -> [String] {
                html.matches(of: /<li><a href="([^"]+)"(?: aria-current="true")?>([^<]+)<\/a><\/li>/).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
            }
            let first = try await portal.visit("/accounts/groups?q=shop&sort=newest", browser: browser)
            #expect(first.status == .ok && first.text.contains("1–100 of 131 groups"))
            #expect(links(first.text).count == 101 && links(first.text)[0] == "/accounts?q=shop&sort=newest")
            let city = try #require(try await AccountGroup.query(on: portal.db).filter(\.$name == "City 001").first())
            #expect(links(first.text)[2] == "/accounts?q=shop&group=\(try city.requireID().uuidString.lowercased())&sort=newest")
            let next = try #require(first.text.firstMatch(of: /rel="next" href="([^"]+)"/)).output.1.replacingOccurrences(of: "&amp;", with: "&")
            let second = try await portal.visit(String(next), browser: browser)
            #expect(second.text.contains("101–131 of 131 groups") && links(second.text).count == 32 && !second.text.contains("rel=\"next\""))
            // Finding keeps the list's filters in the form, and narrows the choices.
            let found = try await portal.visit("/accounts/groups?q=shop&find=city+12", browser: browser)
            #expect(found.text.contains(#"<input type="hidden" name="q" value="shop"/>"#))
            // "City 012", "City 112" and "City 120" to "City 129", after "Any group".
            #expect(found.text.contains("1–12 of 12 groups") && links(found.text).count == 13)
            let bad = try await portal.visit("/accounts/groups?find=" + String(repeating: "x", count: 101), browser: browser)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("id=\"find-error\""))
            // Chosen, the list shows it in force.
            let back = try await portal.visit(links(first.text)[2], browser: browser)
            #expect(back.status == .ok && back.text.contains("Remove filter </span>Group: Region › City 001"))
            let operators = try await portal.visit("/accounts/assignees", browser: browser)
            #expect(operators.status == .ok && operators.text.contains(">Ada Admin</a>") && operators.text.contains(">Anyone</a>"))
        }
    }
}
