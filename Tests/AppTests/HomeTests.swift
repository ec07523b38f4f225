@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// Home is a dashboard: the task counts (linking to their lists), the accounts list's header
/// counts, the operator's own accounts, and the partner's latest audit entries for admins
/// over all accounts only.
@Suite struct HomeTests {
    @Test func anAdminSeesTaskCountsHeaderCountsAndTheRecentAuditEntries() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            try await TasksTests.account(portal, "Locked One", created: Date(), .init(locked: true))
            try await TasksTests.account(portal, "Locked Two", created: Date().addingTimeInterval(-60 * 86_400), .init(locked: true))
            try await Audit.record("role.created", by: AuditActor(id: nil, name: "Tester"), partnerID: partnerID,
                                   target: ("role", UUID().uuidString.lowercased(), "Night Shift Role"), on: portal.db)
            let browser = try await portal.signIn()
            let home = try await portal.visit("/", browser: browser)
            #expect(home.status == .ok)
            #expect(home.text.contains("Welcome, Ada Admin"))
            // The old counts of roles and permissions are gone.
            #expect(!home.text.contains(">Permissions<") && !home.text.contains("Your access"))
            // Task counts, each linking to its list.
            for category in TaskCategory.allCases {
                #expect(home.text.contains(#"href="/tasks#\#(category.rawValue)""#), "\(category)")
            }
            let locked = try #require(home.text.range(of: #"href="/tasks#locked-accounts""#))
            #expect(home.text[locked.upperBound...].prefix(200).contains(#"<div class="value">2</div>"#))
            // The header counts of the accounts list: both locked (Locked comes before New and Inactive).
            #expect(home.text.contains(#"href="/accounts?status=new""#) && home.text.contains(#"href="/accounts?status=inactive""#))
            let new = try #require(home.text.range(of: #"href="/accounts?status=new""#))
            #expect(home.text[new.upperBound...].prefix(120).contains(#"<div class="value">0</div>"#))
            let lockedCount = try #require(home.text.range(of: #"href="/accounts?status=locked""#))
            #expect(home.text[lockedCount.upperBound...].prefix(120).contains(#"<div class="value">2</div>"#))
            // The audit entries.
            #expect(home.text.contains("Recent activity in the portal"))
            #expect(home.text.contains("created the role Night Shift Role") && !home.text.contains(">role.created<"))
        }
    }

    @Test func theRecentAuditEntriesAreTheTenNewestTheReaderMaySee() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(role: "admin")
            let partnerID = try portal.partner.requireID()
            let vault = try await TasksTests.account(portal, "Vault", created: Date(), .init(secure: true))
            let by = AuditActor(id: nil, name: "Tester")
            try await Audit.record("account.note-added", by: by, partnerID: partnerID,
                                   target: ("account", vault.id?.uuidString.lowercased(), "Vault entry"), on: portal.db)
            for n in 1...12 {
                try await Audit.record("role.created", by: by, partnerID: partnerID, target: ("role", UUID().uuidString.lowercased(), "Role \(n)"),
                                       now: Date().addingTimeInterval(Double(n)), on: portal.db)
            }
            let lines = try await HomeDashboard.recentAudit(for: try await TasksTests.actor(portal, ada), on: portal.db)
            #expect(lines.map(\.targetLabel) == (3...12).reversed().map { "Role \($0)" })
            // An admin without clearance never sees the secure account's entry, however old the others.
            let all = try await HomeDashboard.recentAudit(for: try await TasksTests.actor(portal, ada), limit: 50, on: portal.db)
            #expect(!all.contains { $0.targetLabel == "Vault entry" })
        }
    }

    @Test func aViewerSeesTheirCountsButNoAuditEntries() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "vi@example.com", name: "Vi Viewer", role: "viewer")
            try await Audit.record("role.created", by: AuditActor(id: nil, name: "Tester"), partnerID: try portal.partner.requireID(),
                                   target: ("role", UUID().uuidString.lowercased(), "Night Shift Role"), on: portal.db)
            let browser = try await portal.signIn(email: "vi@example.com")
            let home = try await portal.visit("/", browser: browser)
            #expect(home.status == .ok)
            #expect(home.text.contains("Welcome, Vi Viewer"))
            #expect(home.text.contains(#"href="/tasks#locked-accounts""#))
            #expect(!home.text.contains(#"href="/tasks#pending-invites""#), "no operators.view, no invites")
            #expect(home.text.contains(#"href="/accounts?status=active""#))
            #expect(!home.text.contains("Recent activity in the portal") && !home.text.contains("Night Shift Role"))
        }
    }

    @Test func anAuditReaderOverOneGroupSeesNoPartnerEntriesOnHome() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let role = CustomRole(partnerID: partnerID, name: "Auditor", description: "", permissions: [.portalLogin, .auditView, .accountView],
                                  secureClearance: false)
            try await role.create(on: portal.db)
            let aud = try await portal.makeOperator(email: "aud@example.com", name: "Aud", role: "viewer")
            try await TasksTests.scoped(aud, role: try role.requireID().uuidString.lowercased(), group: north, on: portal.db)
            let actor = try await TasksTests.actor(portal, aud)
            #expect(!AccessPolicy.mayReadRecentAudit(actor).isAllowed)
            #expect(AccessPolicy.mayReadRecentAudit(try await TasksTests.actor(portal, try #require(try await Operator.query(on: portal.db)
                .filter(\.$email == "ada@example.com").first()))).isAllowed)
            let home = try await portal.visit("/", browser: try await portal.signIn(email: "aud@example.com"))
            #expect(home.status == .ok && !home.text.contains("Recent activity in the portal"))
        }
    }

    @Test func homeListsTheOperatorsOwnAccountsLatestActivityFirst() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let quiet = try await TasksTests.account(portal, "Quiet Cafe", created: Date(), .init(lastActivity: Date().addingTimeInterval(-5 * 86_400)))
            let busy = try await TasksTests.account(portal, "Busy Bistro", created: Date(), .init(lastActivity: Date().addingTimeInterval(-3600)))
            try await TasksTests.account(portal, "Someone Elses", created: Date(), .init(lastActivity: Date()))
            for account in [quiet, busy] {
                try await AccountAssignment(partnerID: partnerID, accountID: account.requireID(), operatorID: ada.requireID()).create(on: portal.db)
            }
            let lines = try await HomeDashboard.assignedAccounts(for: try await TasksTests.actor(portal, ada), on: portal.db)
            #expect(lines.map(\.name) == ["Busy Bistro", "Quiet Cafe"])

            let home = try await portal.visit("/", browser: try await portal.signIn())
            #expect(home.text.contains("Your accounts"))
            #expect(home.text.contains(#"href="/accounts/\#(busy.businessUID)""#) && home.text.contains(#"href="/accounts/\#(quiet.businessUID)""#))
            #expect(!home.text.contains("Someone Elses"))
            let busyAt = try #require(home.text.range(of: "Busy Bistro")), quietAt = try #require(home.text.range(of: "Quiet Cafe"))
            #expect(busyAt.lowerBound < quietAt.lowerBound)
        }
    }

    @Test func marketingHasAHomeWithoutAccountsOrAudit() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "mo@example.com", name: "Mo", role: "marketing")
            let home = try await portal.visit("/", browser: try await portal.signIn(email: "mo@example.com"))
            #expect(home.status == .ok)
            #expect(home.text.contains("Welcome, Mo"))
            #expect(!home.text.contains("/tasks#") && !home.text.contains("href=\"/accounts") && !home.text.contains("Recent activity in the portal"))
        }
    }
}
