@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The accounts list's plan and assigned-operator filters, CSV export and bulk actions, and
/// the partner-wide audit log.
@Suite struct AccountsListToolsTests {
    @discardableResult
    private func account(_ portal: TestPortal, _ name: String, plan: String? = nil, group: AccountGroup? = nil,
                         secure: Bool = false) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name,
                              email: "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.com", groupID: group?.id, secure: secure)
        account.plan = plan
        try await account.create(on: portal.db)
        return account
    }

    private func names(_ text: String) -> [String] {
        text.matches(of: /<a href="\/accounts\/[A-Za-z0-9_-]+"><strong>([^<]+)<\/strong>/).map { String($0.output.1) }
    }

    @Test func planAndAssignedOperatorFiltersInThePageAndTheAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let pro = try await account(portal, "Alpha Gym", plan: "Premium")
            try await account(portal, "Beta Spa", plan: "Starter")
            try await account(portal, "Gamma Cuts")
            try await AccountAssignment(partnerID: pro.partnerID, accountID: try pro.requireID(), operatorID: try sam.requireID()).create(on: portal.db)
            let browser = try await portal.signIn()
            #expect(names(try await portal.visit("/accounts?plan=Premium", browser: browser).text) == ["Alpha Gym"])
            #expect(names(try await portal.visit("/accounts?plan=-", browser: browser).text) == ["Gamma Cuts"])
            #expect(names(try await portal.visit("/accounts?operator=\(try sam.requireID().uuidString)", browser: browser).text) == ["Alpha Gym"])
            let page = try await portal.visit("/accounts?plan=Premium", browser: browser)
            #expect(page.text.contains("<option value=\"Premium\" selected=\"selected\">Premium</option>"))
            let api = try await portal.api(as: ada)
            let starter = try api.object(try await api.call(.GET, "/accounts?plan=Starter"))
            #expect((starter["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Beta Spa"])
            let assigned = try api.object(try await api.call(.GET, "/accounts?operatorId=\(try sam.requireID().uuidString)&sort=activity"))
            #expect((assigned["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Alpha Gym"])
        }
    }

    @Test func theCSVExportStreamsTheFilteredVisibleAccountsAndNeedsTheExportPermission() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            for index in 0..<2_105 {
                try await account(portal, String(format: "Shop %04d", index), plan: index % 2 == 0 ? "Standard" : nil, group: index == 0 ? north : nil)
            }
            let formula = try await account(portal, "=HYPERLINK(\"x\")", plan: "Standard")
            try await AccountTag(partnerID: partnerID, accountID: try formula.requireID(), tag: "vip").create(on: portal.db)
            let browser = try await portal.signIn()
            let csv = try await portal.send(.GET, "/accounts/export.csv?plan=Standard", cookies: browser)
            #expect(csv.status == .ok && csv.headers.contentType?.description.hasPrefix("text/csv") == true)
            #expect(csv.headers.first(name: .contentDisposition) == "attachment; filename=\"accounts.csv\"")
            let lines = csv.text.split(separator: "\r\n", omittingEmptySubsequences: true)
            // Header, then every Standard account across the export's batches of 1,000.
            #expect(lines.count == 1 + 1_053 + 1)
            #expect(lines.first == Substring(CSV.line(AccountDirectory.csvHeader).dropLast(1)))  // "\r\n" is one Character
            // (A Business UID may itself start with "-", which the guard quotes too: compare field by field.)
            #expect(lines.contains { $0.hasPrefix(CSV.field(formula.businessUID) + ",\"'=HYPERLINK(\"\"x\"\")\"") && $0.contains(",vip,") })
            #expect(lines.contains { $0.contains(",Shop 0000,") && $0.contains(",North,Standard,") })
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "accounts.exported").first()?.details == "?plan=Standard")
            // Support may view accounts but not export them.
            let sam = try await portal.signIn(email: "sam@example.com")
            #expect(try await portal.send(.GET, "/accounts/export.csv", cookies: sam).status == .forbidden)
            #expect(!(try await portal.visit("/accounts", browser: sam).text.contains("Export CSV")))
        }
    }

    @Test func bulkTagAndAssignChangeOnlyTheSelectedAccountsTheOperatorMayChange() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let a = try await account(portal, "Alpha", group: north)
            let b = try await account(portal, "Beta")
            let c = try await account(portal, "Gamma", group: north)
            let secret = try await account(portal, "Secret", secure: true)
            // Al runs North: may tag there, not elsewhere.
            let al = try await portal.makeOperator(email: "al@example.com", name: "Al", role: "account-admin")
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == al.requireID()).first())
            grant.scope = .group
            grant.scopeID = north.id
            try await grant.update(on: portal.db)

            let browser = try await portal.signIn()
            let list = try await portal.visit("/accounts", browser: browser)
            #expect(list.text.contains("<form id=\"bulk\"") && list.text.contains("name=\"accounts[]\""))
            let csrf = list.csrfToken ?? ""
            let tagged = try await portal.submitMulti("/accounts/bulk", [("action", "tag"), ("tag", "Spring Promo"), ("accounts[]", a.businessUID),
                                                                          ("accounts[]", b.businessUID), ("accounts[]", secret.businessUID), ("csrf_token", csrf)], browser: browser)
            #expect(tagged.status == .seeOther)
            let location = try #require(tagged.headers.first(name: .location))
            #expect(!location.contains("done"))
            #expect(try await portal.visit(location, browser: browser).text.contains("Tagged 2 accounts \u{201C}spring promo\u{201D}. 1 you may not change was left alone."))
            let tags = try await AccountTag.query(on: portal.db).filter(\.$tag == "spring promo").all().map(\.accountID)
            #expect(Set(tags) == Set([a.id, b.id].compactMap { $0 }))

            let assigned = try await portal.submitMulti("/accounts/bulk", [("action", "assign"), ("operator", try sam.requireID().uuidString),
                                                                            ("accounts[]", a.businessUID), ("accounts[]", c.businessUID), ("csrf_token", csrf)], browser: browser)
            #expect(assigned.status == .seeOther)
            let mine = try await AccountAssignment.query(on: portal.db).filter(\.$operatorID == sam.requireID()).all().map(\.accountID)
            #expect(Set(mine) == Set([a.id, c.id].compactMap { $0 }))
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.assignments-changed").count() == 2)

            let alBrowser = try await portal.signIn(email: "al@example.com")
            let alList = try await portal.visit("/accounts", browser: alBrowser)
            _ = try await portal.submitMulti("/accounts/bulk", [("action", "tag"), ("tag", "north"), ("accounts[]", a.businessUID),
                                                                 ("accounts[]", b.businessUID), ("csrf_token", alList.csrfToken ?? "")], browser: alBrowser)
            #expect(try await AccountTag.query(on: portal.db).filter(\.$tag == "north").all().map(\.accountID) == [a.id].compactMap { $0 })
            #expect(try await portal.submitMulti("/accounts/bulk", [("action", "tag"), ("tag", "<b>"), ("accounts[]", a.businessUID),
                                                                     ("csrf_token", csrf)], browser: browser).status == .unprocessableEntity)
            #expect(try await portal.submitMulti("/accounts/bulk", [("action", "explode"), ("accounts[]", a.businessUID), ("csrf_token", csrf)],
                                                 browser: browser).status == .unprocessableEntity)
        }
    }

    @Test func theAuditLogFiltersByOperatorAccountActionAndDatesWithCSVAndAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sue = try await portal.makeOperator(email: "sup@example.com", name: "Sue", role: "support")
            let bakery = try await account(portal, "Bakery")
            bakery.nickname = "bakery"
            try await bakery.update(on: portal.db)
            let gym = try await account(portal, "Gym")
            let adaActor = try await AccessLoader.actor(for: ada, on: portal.db)
            let context = AuditContext(actor: AuditActor(id: ada.id, name: ada.name), ip: "203.0.113.9")
            try await AccountAdministration.apply(.lock, to: bakery, by: adaActor, context: context, on: portal.db)
            try await AccountAdministration.apply(.lock, to: gym, by: adaActor, context: context, on: portal.db)
            try await AccountLabels.addTag("vip", to: bakery, by: adaActor, context: context, on: portal.db)
            let old = AuditEvent(partnerID: bakery.partnerID, actorID: sue.id, actorName: sue.name, action: "account.unlock", targetType: "account",
                                 targetID: bakery.id?.uuidString.lowercased(), targetLabel: "Bakery", details: "locked: yes → no", ip: "",
                                 at: Date(timeIntervalSince1970: 1_750_000_000))
            try await old.create(on: portal.db)

            let browser = try await portal.signIn()
            let all = try await portal.visit("/audit", browser: browser)
            #expect(all.status == .ok && all.text.contains("<a href=\"/audit\" aria-current=\"page\">Audit log</a>"))
            let bakeryLocks = try await portal.visit("/audit?account=bakery&action=account.lock", browser: browser)
            #expect(bakeryLocks.text.matches(of: /data-action="account\.lock"/).count == 1 && bakeryLocks.text.contains("locked <a href="))
            #expect(bakeryLocks.text.contains("href=\"/accounts/\(bakery.businessUID)\""))
            let family = try await portal.visit("/audit?account=\(bakery.businessUID)&action=account", browser: browser)
            #expect(family.text.matches(of: /data-action="account\./).count == 3)
            let bySue = try await portal.visit("/audit?operator=\(try sue.requireID().uuidString)", browser: browser)
            #expect(bySue.text.matches(of: /data-action="account\./).count == 1)
            let inJune = try await portal.visit("/audit?from=2025-06-01&to=2025-06-30", browser: browser)
            #expect(inJune.text.contains("data-action=\"account.unlock\"") && !inJune.text.contains("data-action=\"account.lock\""))
            let bad = try await portal.visit("/audit?from=yesterday&account=nobody", browser: browser)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("id=\"field-from-error\"") && bad.text.contains("id=\"field-account-error\""))

            let csv = try await portal.send(.GET, "/audit/export.csv?action=account.lock", cookies: browser)
            let rows = csv.text.split(separator: "\r\n")
            #expect(csv.status == .ok && rows.count == 3 && rows[0] == Substring(CSV.line(AuditLog.csvHeader).dropLast(1)))  // "\r\n" is one Character
            #expect(rows.dropFirst().allSatisfy { $0.contains(",Ada Admin,,account.lock,account,") && $0.contains(",203.0.113.9,Ada Admin locked ") })

            let api = try await portal.api(as: ada)
            let page = try api.object(try await api.call(.GET, "/audit?account=bakery&limit=2"))
            #expect((page["items"] as? [[String: Any]])?.count == 2 && page["nextCursor"] is String)
            let next = try api.object(try await api.call(.GET, "/audit?account=bakery&limit=2&cursor=\(page["nextCursor"] as? String ?? "")"))
            #expect((next["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["account.unlock"])
            #expect((try api.object(try await api.call(.GET, "/audit?account=nobody"))["items"] as? [Any])?.isEmpty == true)

            // Support has no audit.view: no link, no page, no CSV, no API.
            let sueBrowser = try await portal.signIn(email: "sup@example.com")
            #expect(!(try await portal.visit("/", browser: sueBrowser).text.contains("href=\"/audit\"")))
            #expect(try await portal.visit("/audit", browser: sueBrowser).status == .forbidden)
            #expect(try await portal.send(.GET, "/audit/export.csv", cookies: sueBrowser).status == .forbidden)
            #expect(try await portal.api(as: sue).call(.GET, "/audit").status == .forbidden)
        }
    }
}
