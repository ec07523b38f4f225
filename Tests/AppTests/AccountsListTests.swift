@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@Suite struct AccountsListTests {
    /// An account of the default partner, created `age` ago with its last activity `activity` ago.
    @discardableResult
    private func account(_ portal: TestPortal, _ name: String, age: TimeInterval = 90 * 86_400, activity: TimeInterval? = nil,
                         group: AccountGroup? = nil, configure: (Account) -> Void = { _ in }) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name, email: "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.com",
                              groupID: group?.id, secure: false)
        configure(account)
        try await account.create(on: portal.db)
        let now = Date()
        try await portal.db.sql.update(Account.schema)
            .set("created_at", to: now.addingTimeInterval(-age))
            .set("last_activity_at", to: activity.map { now.addingTimeInterval(-$0) })
            .where("id", .equal, account.requireID()).run()
        return account
    }

    @Test func headerCountsActiveNewAndInactive() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let setUp: (Account) -> Void = { $0.setupCompleted = true }
            try await account(portal, "Fresh", age: 5 * 86_400, configure: setUp)                   // new, whatever its activity
            try await account(portal, "Busy", activity: 2 * 86_400, configure: setUp)                // active
            try await account(portal, "Quiet", activity: 60 * 86_400, configure: setUp)              // inactive
            try await account(portal, "Silent", configure: setUp)                                    // inactive: never any activity
            try await account(portal, "Starting", age: 5 * 86_400)                                   // in setup, before new
            try await account(portal, "Shut", activity: 2 * 86_400) { $0.locked = true }             // locked, before anything
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            let counts = try await AccountDirectory.counts(.init(), for: actor, on: portal.db)
            #expect(counts == [.new: 1, .active: 1, .inactive: 2, .inSetup: 1, .locked: 1])
            var inactive = AccountDirectory.Filter()
            inactive.status = .inactive
            #expect(try await AccountDirectory.page(inactive, for: actor, on: portal.db).rows.map(\.name) == ["Quiet", "Silent"])
            inactive.status = .active
            #expect(try await AccountDirectory.page(inactive, for: actor, on: portal.db).rows.map(\.name) == ["Busy"])
        }
    }

    @Test func searchCoversNameEmailPhoneUIDNicknameAndOwner() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bakery = try await account(portal, "Rosie's Bakery") { $0.phone = "+44 20 7946 0001"; $0.nickname = "rosies"; $0.ownerName = "Rosalind Franklin" }
            try await account(portal, "Gym 100%")
            try await account(portal, "Other")
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            func search(_ text: String) async throws -> [String] {
                var filter = AccountDirectory.Filter()
                filter.search = text
                return try await AccountDirectory.page(filter, for: actor, on: portal.db).rows.map(\.name)
            }
            #expect(try await search("BAKERY") == ["Rosie's Bakery"])
            #expect(try await search("rosie's.bakery@") == ["Rosie's Bakery"])
            #expect(try await search("7946 0001") == ["Rosie's Bakery"])
            #expect(try await search(bakery.businessUID) == ["Rosie's Bakery"])
            #expect(try await search("rosies") == ["Rosie's Bakery"])
            #expect(try await search("franklin") == ["Rosie's Bakery"])
            #expect(try await search("100%") == ["Gym 100%"])   // % is matched literally, not as a wildcard
            #expect(try await search("_") == [])
        }
    }

    /// The search index (migration 015) follows every change: new accounts, edits of each
    /// searched field, tags added and removed, and deleted accounts.
    @Test func theSearchFollowsEditsTagsAndDeletions() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            func search(_ text: String) async throws -> [String] {
                var filter = AccountDirectory.Filter()
                filter.search = text
                return try await AccountDirectory.page(filter, for: actor, on: portal.db).rows.map(\.name)
            }
            let shop = try await account(portal, "Corner Shop")
            try await account(portal, "Café Olé \"Quoted\"")
            #expect(try await search("corner") == ["Corner Shop"])
            #expect(try await search("Olé") == ["Café Olé \"Quoted\""])
            #expect(try await search("\"quoted\"") == ["Café Olé \"Quoted\""])   // quotes are matched, not query syntax
            #expect(try await search("OR") == ["Corner Shop"])                // two characters: read without the index
            #expect(try await search("NEAR(") == [])

            shop.name = "Hilltop Deli"
            shop.email = "orders@hilltop.example"
            shop.ownerName = "Grace Hopper"
            shop.nickname = "hilltop"
            shop.phone = "+1 555 0199"
            try await shop.update(on: portal.db)
            #expect(try await search("corner").isEmpty)
            for needle in ["deli", "orders@hill", "hopper", "hilltop", "555 0199"] {
                #expect(try await search(needle) == ["Hilltop Deli"], "\(needle)")
            }

            let partnerID = try portal.partner.requireID()
            let tag = AccountTag(partnerID: partnerID, accountID: try shop.requireID(), tag: "wholesale")
            try await tag.create(on: portal.db)
            try await AccountTag(partnerID: partnerID, accountID: try shop.requireID(), tag: "late opening").create(on: portal.db)
            #expect(try await search("holesal") == ["Hilltop Deli"])
            #expect(try await search("sale\nlate").isEmpty)                   // never across two tags
            try await tag.delete(on: portal.db)
            #expect(try await search("holesal").isEmpty)
            #expect(try await search("late open") == ["Hilltop Deli"])

            try await shop.delete(on: portal.db)
            #expect(try await search("hilltop").isEmpty)
            #expect(try await search("olé") == ["Café Olé \"Quoted\""])
        }
    }

    @Test func filtersNarrowTheListAndMyAccountsIsTheOperatorsOwn() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(role: "admin-secure")
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let leeds = AccountGroup(partnerID: partnerID, parent: north, name: "Leeds")
            try await leeds.create(on: portal.db)
            let locked = try await account(portal, "Locked One", group: leeds) { $0.locked = true }
            try await account(portal, "Done") { $0.setupCompleted = true; $0.isTemplate = true }
            try await account(portal, "Secret") { $0.secure = true }
            try await AccountAssignment(partnerID: partnerID, accountID: locked.requireID(), operatorID: ada.requireID()).create(on: portal.db)
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            func names(_ change: (inout AccountDirectory.Filter) -> Void) async throws -> [String] {
                var filter = AccountDirectory.Filter()
                change(&filter)
                return try await AccountDirectory.page(filter, for: actor, on: portal.db).rows.map(\.name)
            }
            #expect(try await names { $0.locked = true } == ["Locked One"])
            #expect(try await names { $0.locked = false } == ["Done", "Secret"])
            #expect(try await names { $0.setupCompleted = true } == ["Done"])
            #expect(try await names { $0.template = true } == ["Done"])
            #expect(try await names { $0.secure = true } == ["Secret"])
            #expect(try await names { $0.groupID = north.id } == ["Locked One"])   // groups beneath count too
            #expect(try await names { $0.mine = true } == ["Locked One"])
        }
    }

    @Test func onlyVisibleAccountsAppearAndSecureOnesNeedClearance() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            try await account(portal, "In North", group: north)
            try await account(portal, "Elsewhere")
            try await account(portal, "Secret North", group: north) { $0.secure = true }
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == sam.requireID()).first())
            grant.scope = .group
            grant.scopeID = north.id
            try await grant.update(on: portal.db)
            let browser = try await portal.signIn(email: "sam@example.com")
            let page = try await portal.visit("/accounts", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("In North") && !page.text.contains("Elsewhere") && !page.text.contains("Secret North"))

            let marketing = try await portal.makeOperator(email: "mo@example.com", name: "Mo", role: "marketing")
            _ = marketing
            let moBrowser = try await portal.signIn(email: "mo@example.com")
            #expect(try await portal.visit("/accounts", browser: moBrowser).status == .forbidden)
        }
    }

    @Test func keysetPagesCoverEveryAccountOnceInOrder() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for index in 0..<120 {
                let made = try await account(portal, String(format: "Account %03d", (index * 37) % 120), age: Double(index) * 3600)
                // Many ties and many accounts without any activity, for the last-activity order.
                try await portal.db.sql.update(Account.schema)
                    .set("last_activity_at", to: index % 3 == 0 ? nil : base.addingTimeInterval(Double(index % 5) * 3600))
                    .where("id", .equal, made.requireID()).run()
            }
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            for sort in AccountDirectory.Sort.allCases {
                var filter = AccountDirectory.Filter()
                filter.sort = sort
                var seen: [AccountDirectory.Row] = []
                var after: UUID? = nil
                var pages = 0
                repeat {
                    let page = try await AccountDirectory.page(filter, for: actor, after: after, on: portal.db)
                    seen += page.rows
                    after = page.next
                    pages += 1
                } while after != nil
                #expect(pages == 3 && seen.count == 120 && Set(seen.map(\.id)).count == 120)
                switch sort {
                case .name: #expect(seen.map(\.name) == seen.map(\.name).sorted())
                case .newest: #expect(seen.compactMap(\.createdAt) == seen.compactMap(\.createdAt).sorted(by: >))
                case .oldest: #expect(seen.compactMap(\.createdAt) == seen.compactMap(\.createdAt).sorted())
                case .activity:
                    let times = seen.map { $0.lastActivityAt?.timeIntervalSince1970 ?? -1 }
                    #expect(times == times.sorted(by: >))
                    #expect(seen.filter { $0.lastActivityAt == nil }.count == 40)
                }
            }
            // The page links carry the filter and the position.
            let browser = try await portal.signIn()
            let first = try await portal.visit("/accounts?sort=newest", browser: browser)
            let next = try #require(first.text.firstMatch(of: /rel="next" href="([^"]+)"/)).output.1.replacingOccurrences(of: "&amp;", with: "&")
            #expect(next.hasPrefix("/accounts?sort=newest&after="))
            #expect(try await portal.visit(String(next), browser: browser).status == .ok)
        }
    }

    @Test func theAccountPageShowsBusinessInformation() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let bakery = try await account(portal, "Rosie's Bakery") { $0.ownerName = "Rosalind"; $0.plan = "Pro"; $0.staffSlots = 5 }
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let theirs = Account(partnerID: try globex.requireID(), name: "Theirs", email: "t@example.com", groupID: nil, secure: false)
            try await theirs.create(on: portal.db)
            let browser = try await portal.signIn()
            let page = try await portal.visit("/accounts/\(bakery.businessUID)", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("Business information") && page.text.contains("Rosalind") && page.text.contains("Pro"))
            #expect(page.text.contains(bakery.businessUID))
            #expect(try await portal.visit("/accounts/\(theirs.businessUID)", browser: browser).status == .notFound)
        }
    }
}
