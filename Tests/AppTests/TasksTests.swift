@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The Tasks page and `GET /api/v1/tasks`: each category's rule one day either side of its
/// threshold (the clock is the `now` the rules take), within the operator's scope, secure
/// accounts only with clearance, invites only with `operators.view`.
@Suite struct TasksTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static func day(_ n: Double, from start: Date = t0) -> Date { start.addingTimeInterval(n * 86_400) }

    struct Shape {
        var group: UUID? = nil
        var secure = false
        var setupCompleted = true
        var lastActivity: Date? = nil
        var locked = false
        var sendLinks = true
        var template = false
    }

    @discardableResult
    static func account(_ portal: TestPortal, _ name: String, created: Date, _ shape: Shape = Shape()) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name, email: name.lowercased().replacingOccurrences(of: " ", with: "-") + "@example.com",
                              groupID: shape.group, secure: shape.secure)
        account.setupCompleted = shape.setupCompleted
        account.lastActivityAt = shape.lastActivity
        account.locked = shape.locked
        account.sendLinksEnabled = shape.sendLinks
        account.isTemplate = shape.template
        try await account.create(on: portal.db)
        try await portal.db.sql.update(Account.schema).set("created_at", to: created).where("id", .equal, account.requireID()).run()
        return account
    }

    static func actor(_ portal: TestPortal, _ op: Operator) async throws -> Actor {
        try #require(try await AccessLoader.actor(operatorID: op.requireID(), partnerID: portal.partner.requireID(), on: portal.db))
    }

    static func listed(_ category: TaskCategory, _ portal: TestPortal, _ op: Operator, at now: Date) async throws -> [String] {
        let sections = try await OutstandingTasks.sections(for: try await actor(portal, op), now: now, on: portal.db)
        return try #require(sections.first { $0.category == category }).rows.map(\.label)
    }

    static func scoped(_ op: Operator, role: String, group: AccountGroup, on db: any Database) async throws {
        let grant = try #require(try await Grant.query(on: db).filter(\.$operator.$id == op.requireID()).first())
        grant.role = role
        grant.scope = .group
        grant.scopeID = group.id
        try await grant.update(on: db)
    }

    @Test func theThresholdsAreTheIssuesNumbersInOnePlace() {
        let standard = TaskThresholds.standard
        let days: [Int] = [standard.stuckInSetupDays, standard.inactiveDays, standard.newAssignmentDays, standard.pendingInviteDays]
        #expect(days == [14, 30, 7, 3])
        #expect(standard.screeningDays == 30 && standard.screeningNoticeDays == 7)
        #expect(TaskCategory.allCases.count == 6)
    }

    // MARK: - Each rule at its threshold

    @Test func anAccountIsStuckInSetupAfterFourteenDays() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.account(portal, "In Setup", created: Self.t0, .init(setupCompleted: false))
            try await Self.account(portal, "Set Up", created: Self.t0, .init(setupCompleted: true))
            try await Self.account(portal, "Template", created: Self.t0, .init(setupCompleted: false, template: true))
            #expect(try await Self.listed(.stuckInSetup, portal, ada, at: Self.day(13)) == [])
            #expect(try await Self.listed(.stuckInSetup, portal, ada, at: Self.day(15)) == ["In Setup"])
        }
    }

    @Test func anAccountIsInactiveAfterThirtyDaysWithoutActivityOrNeverActiveOnceThirtyDaysOld() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.account(portal, "Was Active", created: Self.t0, .init(lastActivity: Self.day(10)))
            try await Self.account(portal, "Never Active", created: Self.t0)
            #expect(try await Self.listed(.inactiveAccounts, portal, ada, at: Self.day(29)) == [])
            #expect(try await Self.listed(.inactiveAccounts, portal, ada, at: Self.day(31)) == ["Never Active"])
            #expect(try await Self.listed(.inactiveAccounts, portal, ada, at: Self.day(39)) == ["Never Active"])
            // Never active first, then the longest inactive.
            #expect(try await Self.listed(.inactiveAccounts, portal, ada, at: Self.day(41)) == ["Never Active", "Was Active"])
            let rows = try #require(try await OutstandingTasks.sections(for: try await Self.actor(portal, ada), now: Self.day(41), on: portal.db)
                .first { $0.category == .inactiveAccounts }).rows
            #expect(rows.map(\.at) == [nil, Self.day(10)])
        }
    }

    @Test func anAssignmentIsNewForSevenDaysAndKeepsItsTimeWhenOthersAreAdded() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo", role: "account-manager")
            let mine = try await Self.account(portal, "Mine", created: Self.t0)
            let theirs = try await Self.account(portal, "Theirs", created: Self.t0)
            let partnerID = try portal.partner.requireID()
            try await AccountAssignment(partnerID: partnerID, accountID: mine.requireID(), operatorID: ada.requireID()).create(on: portal.db)
            try await AccountAssignment(partnerID: partnerID, accountID: theirs.requireID(), operatorID: bo.requireID()).create(on: portal.db)
            try await portal.db.sql.update(AccountAssignment.schema).set("created_at", to: Self.t0).run()
            #expect(try await Self.listed(.newAssignments, portal, ada, at: Self.day(6)) == ["Mine"])
            #expect(try await Self.listed(.newAssignments, portal, ada, at: Self.day(8)) == [])
            #expect(try await Self.listed(.newAssignments, portal, bo, at: Self.day(6)) == ["Theirs"])

            // Adding Bo to Ada's account leaves Ada's assignment as old as it was.
            try await AccountAdministration.assign([ada.requireID(), bo.requireID()], to: mine, by: try await Self.actor(portal, ada), context: .system, on: portal.db)
            #expect(try await Self.listed(.newAssignments, portal, ada, at: Self.day(8)) == [])
            let adas = try #require(try await AccountAssignment.query(on: portal.db).filter(\.$operatorID == ada.requireID()).first())
            #expect(adas.createdAt == Self.t0)
            let bos = try await AccountAssignment.query(on: portal.db).filter(\.$operatorID == bo.requireID()).filter(\.$accountID == mine.requireID()).count()
            #expect(bos == 1)
        }
    }

    @Test func anInviteIsPendingAfterThreeDays() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let invited = try await portal.makeOperator(email: "new@example.com", name: "Newcomer", password: nil, role: "viewer", status: .invited)
            try await portal.makeOperator(email: "old@example.com", name: "Accepted", role: "viewer")
            try await portal.db.sql.update(Operator.schema).set("created_at", to: Self.t0).run()
            #expect(try await Self.listed(.pendingInvites, portal, ada, at: Self.day(2)) == [])
            #expect(try await Self.listed(.pendingInvites, portal, ada, at: Self.day(4)) == ["Newcomer"])
            let row = try #require(try await OutstandingTasks.sections(for: try await Self.actor(portal, ada), now: Self.day(4), on: portal.db)
                .first { $0.category == .pendingInvites }?.rows.first)
            #expect(row.subject == .operator && row.id == invited.id && row.at == Self.t0)
        }
    }

    @Test func everyLockedAccountIsATask() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.account(portal, "Locked", created: Self.t0, .init(locked: true))
            try await Self.account(portal, "Open", created: Self.t0)
            #expect(try await Self.listed(.lockedAccounts, portal, ada, at: Self.day(1)) == ["Locked"])
            #expect(try await Self.listed(.lockedAccounts, portal, ada, at: Self.day(400)) == ["Locked"])
        }
    }

    @Test func linkScreeningEndsThisWeekFromDayTwentyThreeToDayThirty() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.account(portal, "Screened", created: Self.t0, .init(sendLinks: false))
            try await Self.account(portal, "Links Enabled", created: Self.t0, .init(sendLinks: true))
            #expect(try await Self.listed(.screeningEnding, portal, ada, at: Self.day(22)) == [])
            #expect(try await Self.listed(.screeningEnding, portal, ada, at: Self.day(24)) == ["Screened"])
            #expect(try await Self.listed(.screeningEnding, portal, ada, at: Self.day(29)) == ["Screened"])
            #expect(try await Self.listed(.screeningEnding, portal, ada, at: Self.day(31)) == [])
            let row = try #require(try await OutstandingTasks.sections(for: try await Self.actor(portal, ada), now: Self.day(24), on: portal.db)
                .first { $0.category == .screeningEnding }?.rows.first)
            #expect(row.at == Self.day(30), "the row shows when the screening ends")
        }
    }

    // MARK: - Scope, clearance, permissions

    @Test func aGroupScopedOperatorSeesOnlyTheirGroupsAccountsAndInvites() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await north.create(on: portal.db)
            try await south.create(on: portal.db)
            try await Self.account(portal, "North Locked", created: Self.t0, .init(group: north.id, locked: true))
            try await Self.account(portal, "South Locked", created: Self.t0, .init(group: south.id, locked: true))
            let viewer = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            try await Self.scoped(viewer, role: "viewer", group: north, on: portal.db)
            let lead = try await portal.makeOperator(email: "lead@example.com", name: "Lead", role: "viewer")
            try await Self.scoped(lead, role: "account-admin", group: north, on: portal.db)
            let northInvite = try await portal.makeOperator(email: "n@example.com", name: "North Invitee", password: nil, role: "viewer", status: .invited)
            try await Self.scoped(northInvite, role: "viewer", group: north, on: portal.db)
            let southInvite = try await portal.makeOperator(email: "s@example.com", name: "South Invitee", password: nil, role: "viewer", status: .invited)
            try await Self.scoped(southInvite, role: "viewer", group: south, on: portal.db)
            try await portal.db.sql.update(Operator.schema).set("created_at", to: Self.t0).run()

            #expect(try await Self.listed(.lockedAccounts, portal, viewer, at: Self.day(5)) == ["North Locked"])
            #expect(try await Self.listed(.lockedAccounts, portal, lead, at: Self.day(5)) == ["North Locked"])
            // Invites need operators.view: the viewer has no such category at all.
            let viewerCategories = try await OutstandingTasks.sections(for: try await Self.actor(portal, viewer), now: Self.day(5), on: portal.db).map(\.category)
            #expect(viewerCategories == TaskCategory.allCases.filter { $0 != .pendingInvites })
            #expect(try await Self.listed(.pendingInvites, portal, lead, at: Self.day(5)) == ["North Invitee"])
        }
    }

    @Test func aSecureAccountIsATaskOnlyForRolesWithClearance() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(role: "admin")
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "admin-secure")
            try await Self.account(portal, "Vault", created: Self.t0, .init(secure: true, setupCompleted: false, locked: true, sendLinks: false))
            for category in [TaskCategory.lockedAccounts, .stuckInSetup, .inactiveAccounts, .screeningEnding] {
                let now = Self.day(category == .screeningEnding ? 25 : 40)
                #expect(try await Self.listed(category, portal, ada, at: now) == [], "\(category)")
                #expect(try await Self.listed(category, portal, sam, at: now) == ["Vault"], "\(category)")
            }
        }
    }

    @Test func anOperatorWithoutAccountOrOperatorRightsHasNoCategories() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let mo = try await portal.makeOperator(email: "mo@example.com", name: "Mo", role: "marketing")
            try await Self.account(portal, "Locked", created: Self.t0, .init(locked: true))
            let actor = try await Self.actor(portal, mo)
            #expect(try await OutstandingTasks.sections(for: actor, now: Self.day(5), on: portal.db).isEmpty)
            for category in TaskCategory.allCases {
                #expect(!AccessPolicy.mayViewTasks(actor, in: category).isAllowed)
            }

            let browser = try await portal.signIn(email: "mo@example.com")
            let page = try await portal.visit("/tasks", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("No tasks for your roles") && !page.text.contains("Locked"))
            let api = try await portal.api(as: mo)
            let answer = try await api.call(.GET, "/tasks")
            #expect(answer.status == .ok)
            #expect((try api.object(answer)["categories"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func aRoleForMessagesAloneHasNoAccountTasks() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let agent = try await portal.makeOperator(email: "mia@example.com", name: "Mia", role: "messaging-agent")
            try await Self.account(portal, "Locked", created: Self.t0, .init(locked: true))
            let actor = try await Self.actor(portal, agent)
            #expect(AccessPolicy.mayViewTasks(actor, in: .lockedAccounts) == .deny(.messagesOnly))
            #expect(try await OutstandingTasks.sections(for: actor, now: Self.day(5), on: portal.db).isEmpty)
        }
    }

    // MARK: - The page and the API

    /// North and South accounts, locked and stuck in setup (created 20 days ago), and an
    /// invite made 5 days ago, all relative to the real clock the page reads.
    private func pageFixture(_ portal: TestPortal) async throws -> (north: Account, south: Account, invitee: Operator, viewer: Operator, group: AccountGroup) {
        let partnerID = try portal.partner.requireID()
        let northGroup = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
        let southGroup = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
        try await northGroup.create(on: portal.db)
        try await southGroup.create(on: portal.db)
        let twentyDaysAgo = Self.day(-20, from: Date())
        let north = try await Self.account(portal, "Northwind", created: twentyDaysAgo, .init(group: northGroup.id, setupCompleted: false, locked: true))
        let south = try await Self.account(portal, "Southbank", created: twentyDaysAgo, .init(group: southGroup.id, setupCompleted: false, locked: true))
        let invitee = try await portal.makeOperator(email: "new@example.com", name: "Invitee Ivy", password: nil, role: "viewer", status: .invited)
        try await portal.db.sql.update(Operator.schema).set("created_at", to: Self.day(-5, from: Date())).where("id", .equal, invitee.requireID()).run()
        let viewer = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
        try await Self.scoped(viewer, role: "viewer", group: northGroup, on: portal.db)
        return (north, south, invitee, viewer, northGroup)
    }

    @Test func thePageListsEachCategoryWithCountsAndLinksInScope() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let f = try await pageFixture(portal)
            let admin = try await portal.signIn()
            let page = try await portal.visit("/tasks", browser: admin)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"href="/accounts/\#(f.north.businessUID)""#) && page.text.contains(#"href="/accounts/\#(f.south.businessUID)""#))
            #expect(page.text.contains(#"href="/operators/\#(try f.invitee.requireID().uuidString.lowercased())""#))
            #expect(page.text.contains("Invitee Ivy"))
            for category in TaskCategory.allCases {
                #expect(page.text.contains(#"id="\#(category.rawValue)""#), "\(category)")
                #expect(page.text.contains(#"href="/tasks#\#(category.rawValue)""#), "\(category)")
            }
            #expect(page.text.contains("Locked accounts (2)") && page.text.contains("Stuck in setup (2)") && page.text.contains("Pending invites (1)"))

            let viewer = try await portal.signIn(email: "vi@example.com")
            let theirs = try await portal.visit("/tasks", browser: viewer)
            #expect(theirs.status == .ok)
            #expect(theirs.text.contains("Northwind") && !theirs.text.contains("Southbank"))
            #expect(!theirs.text.contains("Invitee Ivy") && !theirs.text.contains(#"id="pending-invites""#))
            #expect(theirs.text.contains("Locked accounts (1)"))
            #expect(theirs.text.contains(#"href="/tasks""#), "Tasks is in the navigation")
        }
    }

    @Test func theAPIAnswersTheSameCategoriesCountsAndRows() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let f = try await pageFixture(portal)
            let api = try await portal.api(as: ada)
            let answer = try await api.call(.GET, "/tasks")
            #expect(answer.status == .ok)
            let categories = try #require(try api.object(answer)["categories"] as? [[String: Any]])
            #expect(categories.compactMap { $0["category"] as? String } == TaskCategory.allCases.map(\.rawValue))
            let locked = try #require(categories.first { $0["category"] as? String == "locked-accounts" })
            #expect(locked["total"] as? Int == 2)
            let rows = try #require(locked["rows"] as? [[String: Any]])
            #expect(rows.compactMap { $0["label"] as? String } == ["Northwind", "Southbank"])
            #expect(rows.first?["businessUid"] as? String == f.north.businessUID)
            #expect(rows.first?["path"] as? String == "/accounts/\(f.north.businessUID)")
            #expect(rows.first?["type"] as? String == "account")
            let invites = try #require(categories.first { $0["category"] as? String == "pending-invites" }?["rows"] as? [[String: Any]])
            #expect(invites.first?["id"] as? String == (try f.invitee.requireID().uuidString.lowercased()))
            #expect(invites.first?["type"] as? String == "operator" && invites.first?["businessUid"] == nil)

            // Capped rows, with the whole count.
            let capped = try await api.call(.GET, "/tasks?limit=1")
            let cappedLocked = try #require((try api.object(capped)["categories"] as? [[String: Any]])?.first { $0["category"] as? String == "locked-accounts" })
            #expect(cappedLocked["total"] as? Int == 2 && (cappedLocked["rows"] as? [Any])?.count == 1)

            // The group-scoped viewer: their group's account only, no invites.
            let vapi = try await portal.api(as: f.viewer)
            let theirs = try #require(try vapi.object(try await vapi.call(.GET, "/tasks"))["categories"] as? [[String: Any]])
            #expect(!theirs.contains { $0["category"] as? String == "pending-invites" })
            let theirLocked = try #require(theirs.first { $0["category"] as? String == "locked-accounts" })
            #expect(theirLocked["total"] as? Int == 1)
            #expect((theirLocked["rows"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["Northwind"])
        }
    }

    @Test(arguments: ["0", "51", "-1", "many"])
    func aLimitOutsideOneToFiftyIsABadRequest(limit: String) async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let answer = try await (try await portal.api(as: ada)).call(.GET, "/tasks?limit=\(limit)")
            #expect(answer.status == .badRequest)
            #expect(answer.headers.contentType?.description.hasPrefix("application/problem+json") == true)
        }
    }

    @Test func withoutATokenTheAPIAnswersUnauthorized() async throws {
        try await TestPortal.run { portal in
            let answer = try await portal.send(.GET, "/api/v1/tasks")
            #expect(answer.status == .unauthorized)
        }
    }

    // MARK: - Indexes

    /// On SQLite, the largest categories read the accounts through an index, never by scanning
    /// the table (EXPLAIN QUERY PLAN), for an admin over all accounts and for a group scope.
    @Test func theAccountCategoriesUseAnIndex() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sql = try portal.db.sql
            guard sql.dialect.name == "sqlite" else { return }
            let group = AccountGroup(partnerID: try portal.partner.requireID(), parent: nil, name: "North")
            try await group.create(on: portal.db)
            let viewer = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            try await Self.scoped(viewer, role: "viewer", group: group, on: portal.db)
            for op in [ada, viewer] {
                let actor = try await Self.actor(portal, op)
                for category in TaskCategory.allCases where category.subject == .accounts {
                    let query = OutstandingTasks.query(category, for: actor, now: Self.t0, thresholds: .standard, dialect: "sqlite")
                    var select = sql.select().column("id").from(query.table)
                    for condition in query.conditions { select = select.where(condition) }
                    let plan = try await sql.raw("EXPLAIN QUERY PLAN \(select.select)").all()
                        .map { try $0.decode(column: "detail", as: String.self) }
                    #expect(!plan.contains { $0.hasPrefix("SCAN accounts") && !$0.contains("INDEX") }, "\(category) for \(op.name): \(plan)")
                }
            }
        }
    }
}
