@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The search read through the index first (`AccountSearch.swift`): its matches are those of
/// the search as the list always read it, whatever the term's length; above the cap the page
/// is walked through the order's index and comes out the same; the page then says the matches
/// were not counted.
@Suite struct AccountsSearchBoundsTests {
    @discardableResult
    private func account(_ portal: TestPortal, _ name: String, email: String? = nil, owner: String? = nil, nickname: String? = nil,
                         phone: String? = nil, tags: [String] = [], age: Double = 0) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name,
                              email: email ?? "\(UUID().uuidString.prefix(6).lowercased())@example.com", groupID: nil, secure: false)
        account.ownerName = owner
        account.nickname = nickname
        account.phone = phone
        try await account.create(on: portal.db)
        for tag in tags { try await AccountTag(partnerID: account.partnerID, accountID: try account.requireID(), tag: tag).create(on: portal.db) }
        try await portal.db.sql.update(Account.schema).set("created_at", to: Date().addingTimeInterval(-age * 3600))
            .where("id", .equal, account.requireID()).run()
        return account
    }

    @Test func theIndexFindsWhatTheFullSearchFindsForTermsOfEveryLength() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bakery = try await account(portal, "Rosie's Bakery", email: "rosie@bakery.example", owner: "Rosalind Franklin", nickname: "rosies",
                                           phone: "+44 20 7946 0001", tags: ["wholesale", "x"])
            try await account(portal, "Gym 100%", owner: "Ab", tags: ["late opening"])
            try await account(portal, "Café Olé \"Quoted\"", nickname: "ole")
            try await account(portal, "ÉCOLE Zoë", phone: "+1 555 0199")
            try await account(portal, "Xy", email: "q@z.io")
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await Account(partnerID: try globex.requireID(), name: "Rosie's Other Bakery", email: "r@o.example", groupID: nil, secure: false).create(on: portal.db)
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            let terms = ["a", "e", "x", "y", "%", "_", "\"", "'", "é", "É", "ö", "0", "ab", "xy", "OR", "ry", "y'", "%2", "0%", " s", "ol",
                         "olé", "OLÉ", "bakery", "100%", "late open", "sale\nlate", "holesal", "7946 0001", "rosie@", "\"quoted\"", "zoë",
                         bakery.businessUID, "nothing-like-this"]
            for namesOnly in [false, true] {
                for term in terms {
                    var filter = AccountDirectory.Filter()
                    filter.search = term
                    filter.namesOnly = namesOnly
                    let full = Set(try await AccountDirectory.page(filter, for: actor, limit: 100, on: portal.db).rows.map(\.id))
                    let matches = try await AccountDirectory.searchMatches(filter, partnerID: actor.partnerID, on: try portal.db.sql)
                    #expect(matches == .few(full), "\(term) (names only: \(namesOnly))")
                    // With a cap below their number, only "more" is known.
                    if full.count > 1 {
                        #expect(try await AccountDirectory.searchMatches(filter, partnerID: actor.partnerID, cap: full.count - 1, on: try portal.db.sql) == .many)
                    }
                }
            }
        }
    }

    @Test func aSearchAboveTheCapIsWalkedToTheSamePagesInEveryOrder() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            for index in 0..<130 {
                // Every third account matches "shop" by its name, every fifth by a tag, one by its owner.
                let name = index % 3 == 0 ? String(format: "Shop %03d", (index * 37) % 130) : String(format: "Other %03d", index)
                try await account(portal, name, owner: index == 7 ? "Shopkeeper" : nil, tags: index % 5 == 0 ? ["workshop"] : [], age: Double(index % 17))
            }
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            func listing(_ values: [String: String], cap: Int) async throws -> AccountDirectory.Listing {
                try await AccountDirectory.listing(AccountListQuery.parse(values, choices: nil), for: actor, limit: 10, now: Date(), on: portal.db,
                                                   searchCap: cap) { filter in try await AccountDirectory.counts(filter, for: actor, on: portal.db) }
            }
            for term in ["shop", "o", "sh"] {
                for sort in AccountDirectory.Sort.allCases {
                    let base = ["q": term, "sort": sort.rawValue]
                    let exact = try await listing(base, cap: 10_000)
                    let walked = try await listing(base, cap: 3)
                    #expect(exact.moreThan == nil && walked.moreThan == 3 && walked.total == nil && walked.counts.isEmpty)
                    #expect(walked.page.rows.map(\.id) == exact.page.rows.map(\.id), "\(term) \(sort) first")
                    // Forward to the end, then back to the start: the same pages either way.
                    var forward: [[UUID]] = [exact.page.rows.map(\.id)]
                    var cursor = exact.page.next
                    while let after = cursor {
                        let exactPage = try await listing(base.merging(["after": after.uuidString]) { $1 }, cap: 10_000).page
                        let walkedPage = try await listing(base.merging(["after": after.uuidString]) { $1 }, cap: 3).page
                        #expect(walkedPage.rows.map(\.id) == exactPage.rows.map(\.id) && walkedPage.next == exactPage.next, "\(term) \(sort) after")
                        forward.append(exactPage.rows.map(\.id))
                        cursor = exactPage.next
                    }
                    #expect(Set(forward.flatMap { $0 }).count == (exact.total ?? -1), "\(term) \(sort) covers every match once")
                    let last = try await listing(base.merging(["page": "last"]) { $1 }, cap: 3).page
                    #expect(last.next == nil && last.rows.map(\.id) == Array(forward.flatMap { $0 }.suffix(last.rows.count)), "\(term) \(sort) last")
                    if let before = last.previous {
                        let exactBefore = try await listing(base.merging(["before": before.uuidString]) { $1 }, cap: 10_000).page
                        let walkedBefore = try await listing(base.merging(["before": before.uuidString]) { $1 }, cap: 3).page
                        #expect(walkedBefore.rows.map(\.id) == exactBefore.rows.map(\.id), "\(term) \(sort) before")
                    }
                }
            }
        }
    }

    @Test func aSearchThatIsNotCountedSaysSo() {
        var model = AccountsListFixture.model()
        model.moreThan = 1_000
        model.total = nil
        model.start = 51
        let html = MarkupWriter.render(AccountsView.list(model, csrfToken: "t"))
        #expect(html.contains(">51 of more than 1,000 accounts<"))
        #expect(html.contains("More than 1,000 accounts match this search, so they are not counted"))
        #expect(html.matches(of: /<span class="visually-hidden">not counted<\/span>/).count == AccountDirectory.Status.allCases.count)
        #expect(html.contains("All accounts matching this filter") && !html.contains("All 0 accounts"))
        model.moreThan = nil
        model.total = 2_000
        #expect(MarkupWriter.render(AccountsView.list(model, csrfToken: "t")).contains(">51 of 2,000 accounts<"))
    }
}

/// A list model with one row and a bulk bar, for views rendered on their own.
enum AccountsListFixture {
    static func model() -> AccountsView.ListModel {
        let id = UUID()
        let row = AccountDirectory.Row(id: id, businessUID: "uid-1", name: "Shop", email: "s@example.com", nickname: nil, groupID: nil, secure: false,
                                       locked: false, setupCompleted: true, isTemplate: false, createdAt: Date(), lastActivityAt: nil)
        var filter = AccountDirectory.Filter()
        filter.search = "shop"
        return AccountsView.ListModel(
            filter: filter, counts: [:], rows: [row], next: id, isFirstPage: false, groupPaths: GroupPaths(rows: []), offersGroupFilter: false,
            planOptions: [], assignee: nil, mayCreate: false, mayExport: false,
            bulk: BulkView.Toolbar(actions: [.tag]), notice: nil, previous: id)
    }
}
