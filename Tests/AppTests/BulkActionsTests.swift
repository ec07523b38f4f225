@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The accounts list's bulk actions: every action through the page, refusals counted and left
/// alone, errors shown on the list with the selection kept, and "all matching" on 10,000
/// accounts as a background job with its progress page.
@Suite struct BulkActionsTests {
    @discardableResult
    private func account(_ portal: TestPortal, _ name: String, group: AccountGroup? = nil, secure: Bool = false) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name,
                              email: "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.com", groupID: group?.id, secure: secure)
        try await account.create(on: portal.db)
        return account
    }

    private func group(_ portal: TestPortal, _ name: String) async throws -> AccountGroup {
        let group = AccountGroup(partnerID: try portal.partner.requireID(), parent: nil, name: name)
        try await group.create(on: portal.db)
        return group
    }

    /// An account-admin whose grant covers `group` only.
    private func groupAdmin(_ portal: TestPortal, email: String, name: String, over group: AccountGroup) async throws -> Operator {
        let op = try await portal.makeOperator(email: email, name: name, role: "account-admin")
        let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).first())
        grant.scope = .group
        grant.scopeID = group.id
        try await grant.update(on: portal.db)
        return op
    }

    private func post(_ portal: TestPortal, _ browser: Browser, query: String = "", _ fields: [(String, String)]) async throws -> TestingHTTPResponse {
        let list = try await portal.visit("/accounts" + query, browser: browser)
        return try await portal.submitMulti("/accounts/bulk" + query, fields + [("csrf_token", list.csrfToken ?? "")], browser: browser)
    }

    /// Follows the redirect and returns the notice the list shows.
    private func notice(after response: TestingHTTPResponse, _ portal: TestPortal, _ browser: Browser) async throws -> String {
        #expect(response.status == .seeOther)
        let page = try await portal.visit(try #require(response.headers.first(name: .location)), browser: browser)
        let banner = page.text.firstMatch(of: /<div class="banner success" role="status">([^<]*)<\/div>/)
        return banner.map { String($0.output.1) } ?? ""
    }

    private static let quote = (open: "\u{201C}", close: "\u{201D}")

    @Test func whileLoggedInAsSomeoneNothingRunsInTheBackground() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Manager", role: "system-manager")
            let alpha = try await account(portal, "Alpha")
            try await account(portal, "Beta")
            let browser = try await portal.signIn()
            let mayaPath = "/operators/\(try maya.requireID().uuidString.lowercased())"
            let page = try await portal.visit(mayaPath, browser: browser)
            let started = try await portal.submit(mayaPath + "/login-as", ["reason": "ticket 12", "csrf_token": page.csrfToken ?? ""], browser: browser)
            #expect(started.status == .seeOther)

            // "All matching" would outlive the login-as: refused on the list, nothing queued.
            let refused = try await post(portal, browser, [("action", "tag"), ("tag", "vip"), ("scope", "matching")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("While logged in as another operator, change at most 200 ticked accounts at once"))
            #expect(try await BulkOperation.query(on: portal.db).count() == 0)
            // A short list still changes within the request, recorded with both people.
            let ticked = try await post(portal, browser, [("action", "tag"), ("tag", "vip"), ("accounts", alpha.businessUID)])
            #expect(try await notice(after: ticked, portal, browser).hasPrefix("Tagged 1 account"))
            let tagged = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.tag-added").first())
            #expect(tagged.actorID == maya.id && tagged.impersonatorName == "Ada Admin")
        }
    }

    @Test func everyActionThroughThePage() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let north = try await group(portal, "North")
            let south = try await group(portal, "South")
            let a = try await account(portal, "Alpha", group: north)
            let b = try await account(portal, "Beta")
            let untouched = try await account(portal, "Gamma", group: north)
            let browser = try await portal.signIn()
            let ticked = [("accounts[]", a.businessUID), ("accounts[]", b.businessUID)]

            let list = try await portal.visit("/accounts", browser: browser)
            for action in BulkAction.allCases { #expect(list.text.contains("<option value=\"\(action.rawValue)\">\(action.label)</option>")) }
            #expect(list.text.contains("All 3 accounts matching this filter"))
            #expect(list.text.contains("name=\"page_all\"")
                    && list.text.contains("name=\"on_page\" value=\"\([a, b, untouched].map(\.businessUID).joined(separator: " "))\""))

            var text = try await notice(after: try await post(portal, browser, [("action", "tag"), ("tag", " VIP ")] + ticked), portal, browser)
            #expect(text == "Tagged 2 accounts \(Self.quote.open)vip\(Self.quote.close).")
            #expect(Set(try await AccountTag.query(on: portal.db).filter(\.$tag == "vip").all().map(\.accountID)) == Set([a.id, b.id].compactMap { $0 }))

            text = try await notice(after: try await post(portal, browser, [("action", "untag"), ("tag", "vip")] + ticked), portal, browser)
            #expect(text == "Removed the tag \(Self.quote.open)vip\(Self.quote.close) from 2 accounts.")
            #expect(try await AccountTag.query(on: portal.db).filter(\.$tag == "vip").count() == 0)

            text = try await notice(after: try await post(portal, browser, [("action", "assign"), ("operator", try sam.requireID().uuidString)] + ticked),
                                    portal, browser)
            #expect(text == "Assigned 2 accounts to Sam.")
            #expect(Set(try await AccountAssignment.query(on: portal.db).filter(\.$operatorID == sam.requireID()).all().map(\.accountID))
                    == Set([a.id, b.id].compactMap { $0 }))
            // Each account's history says what changed, as the account page's own change would.
            func details(_ action: String) async throws -> [String] {
                try await AuditEvent.query(on: portal.db).filter(\.$action == action).sort(\.$targetLabel).all().map(\.details)
            }
            #expect(try await details("account.assignments-changed") == ["assigned: — → Sam", "assigned: — → Sam"])

            text = try await notice(after: try await post(portal, browser, [("action", "unassign"), ("operator", try sam.requireID().uuidString)] + ticked),
                                    portal, browser)
            #expect(text == "Unassigned Sam from 2 accounts.")
            #expect(try await AccountAssignment.query(on: portal.db).filter(\.$operatorID == sam.requireID()).count() == 0)
            #expect(try await details("account.assignments-changed").filter { $0 == "assigned: Sam → —" }.count == 2)

            text = try await notice(after: try await post(portal, browser, [("action", "move"), ("group", try south.requireID().uuidString)] + ticked),
                                    portal, browser)
            #expect(text == "Moved 2 accounts to South.")
            #expect(try await details("account.moved") == ["group: North → South", "group: no group → South"])
            #expect(try await Account.find(a.id, on: portal.db)?.groupID == south.id)
            #expect(try await Account.find(b.id, on: portal.db)?.groupID == south.id)
            text = try await notice(after: try await post(portal, browser, [("action", "move"), ("group", "none")] + ticked), portal, browser)
            #expect(text == "Moved 2 accounts to no group (top level).")
            #expect(try await Account.find(a.id, on: portal.db)?.groupID == nil)

            // Locking asks first, as on the account page, carrying the selection.
            let ask = try await post(portal, browser, query: "?q=a", [("action", "lock")] + ticked)
            #expect(ask.status == .ok && ask.text.contains("Lock 2 accounts?"))
            #expect(ask.text.contains("action=\"/accounts/bulk?q=a\"") && ask.text.contains("name=\"accounts[]\" value=\"\(a.businessUID)\""))
            #expect(try await Account.find(a.id, on: portal.db)?.locked == false)
            let confirmed = try await portal.submitMulti("/accounts/bulk?q=a", [("action", "lock"), ("confirmed", "yes"), ("csrf_token", ask.csrfToken ?? "")] + ticked,
                                                         browser: browser)
            #expect(confirmed.headers.first(name: .location) == "/accounts?q=a")
            text = try await notice(after: confirmed, portal, browser)
            #expect(text == "Locked 2 accounts: their owners and staff are signed out.")
            #expect(try await Account.find(a.id, on: portal.db)?.locked == true)
            #expect(try await Account.find(b.id, on: portal.db)?.locked == true)

            text = try await notice(after: try await post(portal, browser, [("action", "unlock")] + ticked), portal, browser)
            #expect(text == "Unlocked 2 accounts.")
            #expect(try await Account.find(a.id, on: portal.db)?.locked == false)

            // "All on this page" works without a script: it names the page's accounts.
            let onPage = [("on_page", [a, b, untouched].map(\.businessUID).joined(separator: " "))]
            text = try await notice(after: try await post(portal, browser, [("action", "tag"), ("tag", "spring"), ("page_all", "1")] + onPage),
                                    portal, browser)
            #expect(text == "Tagged 3 accounts \(Self.quote.open)spring\(Self.quote.close).")
            // Each change is in the account's history.
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.moved").count() == 4)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.lock").count() == 2)
            #expect(try await Account.find(untouched.id, on: portal.db)?.groupID == north.id)
        }
    }

    @Test func refusedAccountsAreCountedLoggedAndLeftAlone() async throws {
        let logs = LogCapture()
        try await TestPortal.run { portal in
            portal.app.logger = logs.logger
            try await portal.makeOperator()
            let north = try await group(portal, "North")
            let mine = try await account(portal, "Alpha", group: north)
            let outside = try await account(portal, "Beta")
            let secret = try await account(portal, "Hidden", group: north, secure: true)
            try await groupAdmin(portal, email: "al@example.com", name: "Al", over: north)
            let al = try await portal.signIn(email: "al@example.com")
            let uids = [mine, outside, secret].map { ("accounts[]", $0.businessUID) } + [("accounts[]", "nobody-has-this")]
            let confirmed = try await post(portal, al, [("action", "lock"), ("confirmed", "yes")] + uids)
            let text = try await notice(after: confirmed, portal, al)
            #expect(text == "Locked 1 account: their owners and staff are signed out. 3 you may not change were left alone.")
            #expect(try await Account.find(mine.id, on: portal.db)?.locked == true)
            #expect(try await Account.find(outside.id, on: portal.db)?.locked == false)
            #expect(try await Account.find(secret.id, on: portal.db)?.locked == false)
            let denied = logs.lines.filter { $0.contains("access denied") && $0.contains("account.lock") }
            #expect(denied.count == 3)
            #expect(denied.contains { $0.contains(outside.businessUID) } && denied.contains { $0.contains("nobody-has-this") })
            // Al may not move accounts to a group outside his own: not offered, refused if sent.
            let moved = try await post(portal, al, [("action", "move"), ("group", "none"), ("accounts[]", mine.businessUID)])
            #expect(try await notice(after: moved, portal, al) == "Moved 0 accounts to no group (top level). 1 you may not change was left alone.")
            #expect(try await Account.find(mine.id, on: portal.db)?.groupID == north.id)
            // Support has none of the bulk permissions: no control, and the form is refused.
            try await portal.makeOperator(email: "sue@example.com", name: "Sue", role: "support")
            let sue = try await portal.signIn(email: "sue@example.com")
            #expect(!(try await portal.visit("/accounts", browser: sue).text.contains("id=\"bulk-control\"")))
            #expect(try await post(portal, sue, [("action", "tag"), ("tag", "x"), ("accounts[]", mine.businessUID)]).status == .forbidden)
        }
    }

    @Test func errorsAreShownOnTheListWithTheSelectionKept() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let blocked = try await portal.makeOperator(email: "bo@example.com", name: "Bo", role: "support", status: .blocked)
            let a = try await account(portal, "Alpha")
            let b = try await account(portal, "Beta")
            let c = try await account(portal, "Gamma")
            let browser = try await portal.signIn()
            let ticked = [("accounts[]", a.businessUID), ("accounts[]", c.businessUID)]
            func checked(_ page: TestingHTTPResponse, _ account: Account) -> Bool {
                page.text.contains("name=\"accounts[]\" value=\"\(account.businessUID)\" checked")
            }
            let cases: [(fields: [(String, String)], field: String)] = [
                ([("action", "tag"), ("tag", "<b>")], "tag"),
                ([("action", "assign"), ("operator", try blocked.requireID().uuidString)], "operator"),
                ([("action", "move"), ("group", UUID().uuidString)], "group"),
                ([("action", "")], "action"),
                ([("action", "explode")], "action"),
            ]
            for (fields, field) in cases {
                let page = try await post(portal, browser, query: "?q=a", fields + ticked)
                #expect(page.status == .unprocessableEntity, "\(fields)")
                #expect(page.text.contains("id=\"bulk-\(field)-error\""), "\(fields)")
                #expect(page.text.contains("The bulk change was not made"))
                #expect(checked(page, a) && checked(page, c) && !checked(page, b), "\(fields)")
                // The search stays in force, and the list is the list.
                #expect(page.text.contains("value=\"a\"") && page.text.contains("<h1>Client accounts</h1>"))
            }
            let tagPage = try await post(portal, browser, [("action", "tag"), ("tag", "<b>")] + ticked)
            #expect(tagPage.text.contains("<option value=\"tag\" selected=\"selected\">") && tagPage.text.contains("value=\"&lt;b&gt;\""))
            let nothing = try await post(portal, browser, [("action", "tag"), ("tag", "vip")])
            #expect(nothing.status == .unprocessableEntity && nothing.text.contains("id=\"bulk-accounts-error\""))
            #expect(nothing.text.contains("<option value=\"tag\" selected=\"selected\">") && nothing.text.contains("value=\"vip\""))
            let noMatch = try await post(portal, browser, query: "?q=zzzz", [("action", "tag"), ("tag", "vip"), ("scope", "matching")])
            #expect(noMatch.status == .unprocessableEntity && noMatch.text.contains("No account matches this filter."))
            // A filter value that is not valid never widens "all matching".
            let badFilter = try await post(portal, browser, query: "?status=bogus", [("action", "tag"), ("tag", "vip"), ("scope", "matching")])
            #expect(badFilter.status == .unprocessableEntity)
            #expect(try await AccountTag.query(on: portal.db).count() == 0)
            #expect(try await BulkOperation.query(on: portal.db).count() == 0)
        }
    }

    @Test func anOperatorOrAGroupLeftOutIsAskedForFromTheFullListWithTheSelectionCarried() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam <b>", role: "support")
            let kim = try await portal.makeOperator(email: "kim@example.com", name: "Kim", role: "support")
            let north = try await group(portal, "North")
            _ = try await group(portal, "South")
            let a = try await account(portal, "Alpha")
            let b = try await account(portal, "Beta")
            let browser = try await portal.signIn()
            let ticked = [("accounts[]", a.businessUID), ("accounts[]", b.businessUID)]

            // The bar's type-ahead left the operator out (no script): every operator, as radios.
            let ask = try await post(portal, browser, query: "?q=a", [("action", "assign"), ("operator", "")] + ticked)
            #expect(ask.status == .ok && ask.text.contains("<h1>Choose the operator</h1>"))
            #expect(ask.text.contains("Assign to an operator: 2 accounts."))
            #expect(ask.text.contains("name=\"operator\" value=\"\(try sam.requireID().uuidString.lowercased())\""))
            #expect(ask.text.contains("name=\"operator\" value=\"\(try kim.requireID().uuidString.lowercased())\""))
            #expect(ask.text.contains("Sam &lt;b&gt;") && !ask.text.contains("Sam <b>"))
            #expect(ask.text.contains("action=\"/accounts/bulk?q=a\""))
            for uid in [a.businessUID, b.businessUID] { #expect(ask.text.contains("name=\"accounts[]\" value=\"\(uid)\"")) }

            // Find narrows the list; Apply with nothing chosen says so; nothing is changed yet.
            let found = try await post(portal, browser, [("action", "assign"), ("operator", ""), ("find", "KI"), ("step", "find")] + ticked)
            #expect(found.status == .ok && found.text.contains(">Kim</label>") && !found.text.contains("Sam &lt;b&gt;"))
            let none = try await post(portal, browser, [("action", "assign"), ("step", "chosen")] + ticked)
            #expect(none.status == .unprocessableEntity && none.text.contains("id=\"bulk-choose-error\"") && none.text.contains("Choose an operator from the list."))
            let badFind = try await post(portal, browser, [("action", "assign"), ("find", String(repeating: "x", count: 500)), ("step", "find")] + ticked)
            #expect(badFind.status == .unprocessableEntity && badFind.text.contains("id=\"bulk-find-error\""))
            #expect(try await AccountAssignment.query(on: portal.db).count() == 0)

            // Choosing one applies the change as the bar would have.
            var text = try await notice(after: try await post(portal, browser, [("action", "assign"), ("operator", try kim.requireID().uuidString.lowercased()),
                                                                                ("step", "chosen")] + ticked), portal, browser)
            #expect(text == "Assigned 2 accounts to Kim.")
            #expect(try await AccountAssignment.query(on: portal.db).filter(\.$operatorID == kim.requireID()).count() == 2)

            // Groups: "No group (top level)" first, then the tree.
            let groups = try await post(portal, browser, [("action", "move"), ("group", "")] + ticked)
            #expect(groups.status == .ok && groups.text.contains("<h1>Choose the group</h1>"))
            let top = try #require(groups.text.range(of: "No group (top level)")), northAt = try #require(groups.text.range(of: ">North</label>"))
            #expect(top.lowerBound < northAt.lowerBound && groups.text.contains(">South</label>"))
            text = try await notice(after: try await post(portal, browser, [("action", "move"), ("group", try north.requireID().uuidString.lowercased()),
                                                                            ("step", "chosen")] + ticked), portal, browser)
            #expect(text == "Moved 2 accounts to North.")
            #expect(try await Account.find(b.id, on: portal.db)?.groupID == north.id)

            // Nothing ticked is said before anything is asked.
            let nothing = try await post(portal, browser, [("action", "move"), ("group", "")])
            #expect(nothing.status == .unprocessableEntity && nothing.text.contains("id=\"bulk-accounts-error\""))
        }
    }

    @Test func theBarNamesNoGroupAndNoOperatorButTheOnesChosenSoTheListStaysSmall() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            try await seed(portal, count: 60, plan: "Pro", group: nil, prefix: "Shop")
            try await AccountGroup(partnerID: partnerID, parent: nil, name: "Region").create(on: portal.db)
            let browser = try await portal.signIn()
            let before = try await portal.visit("/accounts", browser: browser).text.utf8.count
            let groups = (0..<599).map { AccountGroup(partnerID: partnerID, parent: nil, name: "Region \($0) with a long name") }
            try await groups.create(on: portal.db)
            for index in 0..<40 {
                try await portal.makeOperator(email: "op\(index)@example.com", name: "Operator number \(index)", password: nil, role: "support")
            }
            portal.app.groupPaths.invalidate(partnerID: partnerID)
            let list = try await portal.visit("/accounts", browser: browser)
            #expect(list.status == .ok && list.text.contains("id=\"bulk-group-search\"") && list.text.contains("id=\"bulk-operator-search\""))
            #expect(!list.text.contains("Region 1 with") && !list.text.contains("Operator number 1"))
            // 600 groups and 40 operators add nothing to the page; what is not its 50 rows stays small.
            #expect(list.text.utf8.count == before, "\(before) bytes before the groups, \(list.text.utf8.count) after")
            let body = try #require(list.text.firstRange(of: /<tbody>.*<\/tbody>/.dotMatchesNewlines()))
            #expect(list.text.utf8.count - list.text[body].utf8.count < 14_000, "the page without its rows is \(list.text.utf8.count - list.text[body].utf8.count) bytes")

            // A form kept after an error names its operator and group in the type-aheads.
            let region = try await AccountGroup.query(on: portal.db).filter(\.$name == "Region 7 with a long name").first()
            let kept = try await post(portal, browser, [("action", "move"), ("group", try #require(region).requireID().uuidString.lowercased())])
            #expect(kept.status == .unprocessableEntity && kept.text.contains("value=\"Region 7 with a long name\""))
            let keptTop = try await post(portal, browser, [("action", "move"), ("group", "none")])
            #expect(keptTop.text.contains("value=\"No group (top level)\""))

            // The bar's group type-ahead offers the top level first, when asked for and when it matches.
            let suggested = try await portal.send(.GET, "/groups/suggest?top=1&q=", cookies: browser).text
            #expect(suggested.hasPrefix("{\"options\":[{\"id\":\"none\",\"label\":\"No group (top level)\"}") || suggested.contains("\"id\":\"none\""))
            #expect(try await portal.send(.GET, "/groups/suggest?top=1&q=top", cookies: browser).text.contains("\"id\":\"none\""))
            #expect(!(try await portal.send(.GET, "/groups/suggest?top=1&q=region", cookies: browser).text.contains("\"id\":\"none\"")))
            #expect(!(try await portal.send(.GET, "/groups/suggest?q=", cookies: browser).text.contains("\"id\":\"none\"")))
        }
    }

    /// Seeds `count` accounts by SQL, on `plan`, in `group`.
    private func seed(_ portal: TestPortal, count: Int, plan: String, group: AccountGroup?, prefix: String) async throws {
        let partnerID = try portal.partner.requireID()
        let now = Date()
        try await BulkInsert(sql: portal.db.sql, table: Account.schema,
                             columns: ["id", "partner_id", "business_uid", "name", "email", "group_id", "secure", "locked", "setup_completed",
                                       "plan", "created_at", "updated_at"])
            .run(count: count) { index in
                [SQLBind(UUID()), SQLBind(partnerID), SQLBind(Account.newBusinessUID()), SQLBind("\(prefix) \(index)"),
                 SQLBind("\(prefix.lowercased())\(index)@example.com"), group.map { SQLBind($0.id) } ?? SQLLiteral.null,
                 SQLBind(false), SQLBind(false), SQLBind(true), SQLBind(plan), SQLBind(now), SQLBind(now)]
            }
    }

    final class Clock: Sendable {
        private let current = NIOLockedValueBox(Date())
        func advance() { current.withLockedValue { $0 = $0.addingTimeInterval(1) } }
        var read: @Sendable () -> Date { { self.current.withLockedValue { $0 } } }
    }

    @Test func allMatchingOnTenThousandAccountsRunsAsAJobWithProgressAndChangesExactlyThose() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let north = try await group(portal, "North")
            let south = try await group(portal, "South")
            try await seed(portal, count: 10_000, plan: "Premium", group: north, prefix: "Shop")
            try await seed(portal, count: 30, plan: "Standard", group: north, prefix: "Other")
            try await seed(portal, count: 40, plan: "Premium", group: south, prefix: "Far")
            try await groupAdmin(portal, email: "al@example.com", name: "Al", over: north)
            let al = try await portal.signIn(email: "al@example.com")

            let list = try await portal.visit("/accounts?plan=Premium", browser: al)
            #expect(list.text.contains("All 10,000 accounts matching this filter"))
            let started = try await portal.submitMulti("/accounts/bulk?plan=Premium", [("action", "tag"), ("tag", "spring"), ("scope", "matching"),
                                                                                    ("csrf_token", list.csrfToken ?? "")], browser: al)
            #expect(try await notice(after: started, portal, al)
                    == "Tagging 10,000 accounts \(Self.quote.open)spring\(Self.quote.close) in the background. Its progress is shown above the list.")
            let operation = try #require(try await BulkOperation.query(on: portal.db).first())
            #expect(operation.state == .queued && operation.total == 10_000 && operation.filter != nil && operation.accountUIDs == nil)
            let path = "/accounts/bulk/\(try operation.requireID().uuidString.lowercased())"
            // The list links to it.
            let withLink = try await portal.visit("/accounts?plan=Premium", browser: al)
            #expect(withLink.text.contains("href=\"\(path)\"") && withLink.text.contains("0 of 10,000"))

            var page = try await portal.visit(path, browser: al)
            #expect(page.status == .ok && page.text.contains("0 of 10,000") && page.text.contains("data-updates=\"3\"") && page.text.contains("src=\"/assets/bulk-progress.js\""))

            // One batch per tick, driven here instead of by the clock; the second instance takes
            // over halfway, as after a restart, and resumes where the first stopped.
            let job = BulkOperationsJob.job(budget: .zero)
            let clock = Clock()
            try await JobStore.register([job], now: clock.read(), on: portal.db)
            let first = JobRunner(jobs: [job], delivery: .none, workerID: "instance-a", clock: clock.read)
            let second = JobRunner(jobs: [job], delivery: .none, workerID: "instance-b", clock: clock.read)
            let run = try await first.tick(on: portal.db, logger: portal.app.logger)[BulkOperationsJob.name]
            guard case .ok(let items)? = run?.result else { Issue.record("the job did not run"); return }
            #expect(items == BulkOperationsJob.batchSize)
            page = try await portal.visit(path, browser: al)
            #expect(page.text.contains("500 of 10,000") && page.text.contains("data-updates=") && page.text.contains("Running"))
            #expect(page.text.contains("href=\"\(path)?refresh=off\">Stop updating</a>"))
            // The reader may stop the updates; the page then says how to resume them.
            let still = try await portal.visit(path + "?refresh=off", browser: al)
            #expect(still.text.contains("500 of 10,000") && !still.text.contains("data-updates") && !still.text.contains("bulk-progress.js") && still.text.contains("href=\"\(path)\">update automatically again"))
            var ticks = 1
            while try await BulkOperation.find(operation.requireID(), on: portal.db)?.state != .done, ticks < 40 {
                clock.advance()
                // As if killed mid-batch: the next accounts were tagged, and their batch not recorded.
                if ticks == 10 {
                    let current = try #require(try await BulkOperation.find(operation.requireID(), on: portal.db))
                    #expect(current.done == 5_000)
                    let actor = try #require(try await AccessLoader.actor(operatorID: current.operatorID, partnerID: current.partnerID, on: portal.db))
                    var filter = AccountDirectory.Filter()
                    filter.plan = "Premium"
                    let ids = try await BulkActions.matchingIDs(filter, for: actor, after: current.cursor.flatMap(UUID.init(uuidString:)), limit: 120,
                                                                now: Date(), on: portal.db)
                    _ = try await BulkActions.apply(current.change, toAccountsWithIDs: ids, by: actor, context: current.auditContext,
                                                    logger: portal.app.logger, on: portal.db)
                }
                try await (ticks < 10 ? first : second).tick(on: portal.db, logger: portal.app.logger)
                ticks += 1
            }
            #expect(ticks == 21, "20 full batches, then one that finds none left")
            let finished = try #require(try await BulkOperation.find(operation.requireID(), on: portal.db))
            #expect(finished.state == .done && finished.done == 10_000 && finished.changed == 10_000 && finished.refused == 0 && finished.total == 10_000)
            page = try await portal.visit(path, browser: al)
            #expect(page.text.contains("10,000 of 10,000") && !page.text.contains("data-updates") && page.text.contains("Done"))
            #expect(page.text.contains("Tagged 10,000 accounts \(Self.quote.open)spring\(Self.quote.close)."))

            // Exactly the Premium accounts of North: not Standard, not the Premium ones Al cannot see.
            let tagged = try await portal.db.sql.raw("""
                SELECT a.plan AS plan, a.group_id AS group_id, COUNT(*) AS n FROM account_tags t JOIN accounts a ON a.id = t.account_id
                WHERE t.tag = 'spring' GROUP BY a.plan, a.group_id
                """).all()
            #expect(tagged.count == 1)
            #expect(try tagged.first?.decode(column: "plan", as: String.self) == "Premium")
            #expect(try tagged.first?.decode(column: "group_id", as: UUID.self) == north.id)
            #expect(try tagged.first?.decode(column: "n", as: Int.self) == 10_000)
            // Once each in the history, the batch done twice included.
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.tag-added").count() == 10_000)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.tag-added").filter(\.$actorName == "Al").count() == 10_000)
        }
    }

    @Test func aLongListRunsAsAJobAndOnlyItsOperatorSeesTheProgress() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "eve@example.com", name: "Eve", role: "admin")
            try await seed(portal, count: 260, plan: "Gold", group: nil, prefix: "Shop")
            let uids = try await Account.query(on: portal.db).all().map(\.businessUID)
            let ada = try await portal.signIn()
            let started = try await post(portal, ada, [("action", "lock"), ("confirmed", "yes")] + uids.map { ("accounts[]", $0) })
            #expect(try await notice(after: started, portal, ada) == "Locking 260 accounts in the background. Its progress is shown above the list.")
            let operation = try #require(try await BulkOperation.query(on: portal.db).first())
            #expect(operation.selection == .accounts && operation.total == 260)
            #expect(try await Account.query(on: portal.db).filter(\.$locked == true).count() == 0)
            let path = "/accounts/bulk/\(try operation.requireID().uuidString.lowercased())"
            #expect(try await portal.visit(path, browser: ada).status == .ok)
            // Another admin of the same partner, and anyone of another partner, find nothing.
            let eve = try await portal.signIn(email: "eve@example.com")
            #expect(try await portal.visit(path, browser: eve).status == .notFound)
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await portal.makeOperator(email: "gus@globex.example", name: "Gus", partner: globex)
            let gus = try await portal.signIn(email: "gus@globex.example", host: "globex.example")
            #expect(try await portal.visit(path, browser: gus, host: "globex.example").status == .notFound)
            #expect(try await portal.visit("/accounts/bulk/not-an-id", browser: ada).status == .notFound)

            #expect(try await BulkOperationsJob.runDue(now: Date(), on: portal.db, logger: portal.app.logger, batchSize: 100, budget: .zero) == 100)
            // The rest, one batch a call (a time budget would make the count depend on the machine's load).
            var rest = 0, calls = 0
            while calls < 10 {
                let done = try await BulkOperationsJob.runDue(now: Date(), on: portal.db, logger: portal.app.logger, batchSize: 100, budget: .zero)
                guard done > 0 else { break }
                rest += done
                calls += 1
            }
            #expect(rest == 160 && calls == 2)
            #expect(try await Account.query(on: portal.db).filter(\.$locked == true).count() == 260)
            let page = try await portal.visit(path, browser: ada)
            #expect(page.text.contains("Locked 260 accounts") && !page.text.contains("data-updates"))
            // At most three under way per operator.
            for _ in 0..<3 {
                _ = try await BulkOperations.start(BulkChange(action: .unlock, parameter: nil, label: nil), on: .accounts(uids),
                                                   by: try #require(try await AccessLoader.actor(operatorID: operation.operatorID, partnerID: operation.partnerID,
                                                                                                  on: portal.db)),
                                                   context: operation.auditContext, on: portal.db)
            }
            let fourth = try await post(portal, ada, [("action", "unlock")] + uids.map { ("accounts[]", $0) })
            #expect(fourth.status == .unprocessableEntity && fourth.text.contains("bulk changes under way"))
        }
    }

    @Test func theStoredFilterKeepsEveryFieldOfTheListsFilter() throws {
        let fields = Set(Mirror(reflecting: AccountDirectory.Filter()).children.compactMap(\.label))
        #expect(fields == StoredFilter.coveredFields.union(StoredFilter.derivedFields), "a field of the list's filter is not kept by a bulk operation")
        #expect(StoredFilter.coveredFields.isDisjoint(with: StoredFilter.derivedFields))
        var filter = AccountDirectory.Filter()
        (filter.search, filter.status, filter.locked, filter.setupCompleted, filter.secure) = ("shop", .new, true, false, true)
        (filter.template, filter.groupID, filter.mine, filter.tag, filter.plan) = (false, UUID(), true, "vip", "Gold")
        (filter.operatorID, filter.sort, filter.namesOnly) = (UUID(), .oldest, true)
        let stored = try JSONDecoder().decode(StoredFilter.self, from: JSONEncoder().encode(StoredFilter(filter)))
        #expect(stored.filter == filter)
    }
}
