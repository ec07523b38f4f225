@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// Finding 3: the audit log follows the reader's scope and secure clearance, on the page,
/// in its CSV and in `GET /api/v1/audit`.
@Suite struct AuditScopeTests {
    /// Two groups, an ordinary and a secure account in North, one in South, and an entry about
    /// each, one about an operator and one partner-wide (a role change).
    private struct Fixture {
        let north: AccountGroup
        let labels: (open: String, vault: String, south: String, op: String, partner: String)
    }

    private func fixture(_ portal: TestPortal) async throws -> Fixture {
        let partnerID = try portal.partner.requireID()
        let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
        try await north.create(on: portal.db)
        let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
        try await south.create(on: portal.db)
        let open = Account(partnerID: partnerID, name: "Open Co", email: "open@example.com", groupID: north.id, secure: false)
        let vault = Account(partnerID: partnerID, name: "Vault Co", email: "vault@example.com", groupID: north.id, secure: true)
        let other = Account(partnerID: partnerID, name: "Southside Co", email: "south@example.com", groupID: south.id, secure: false)
        for account in [open, vault, other] { try await account.create(on: portal.db) }
        let staff = try await portal.makeOperator(email: "olly@example.com", name: "Olly Other", role: "viewer")
        let by = AuditActor(id: nil, name: "Tester")
        for account in [open, vault, other] {
            try await Audit.record("account.note-added", by: by, partnerID: partnerID,
                                   target: ("account", account.id?.uuidString.lowercased(), "\(account.name) entry"), details: "note", on: portal.db)
        }
        try await Audit.record("operator.edited", by: by, partnerID: partnerID, target: ("operator", staff.id?.uuidString.lowercased(), "Operator entry"), on: portal.db)
        try await Audit.record("role.created", by: by, partnerID: partnerID, target: ("role", UUID().uuidString.lowercased(), "Partner entry"), on: portal.db)
        return Fixture(north: north, labels: ("Open Co entry", "Vault Co entry", "Southside Co entry", "Operator entry", "Partner entry"))
    }

    private func apiLabels(_ api: APIClient) async throws -> Set<String> {
        let response = try await api.call(.GET, "/audit?limit=200")
        #expect(response.status == .ok)
        let items = try #require(try api.object(response)["items"] as? [[String: Any]])
        return Set(items.compactMap { $0["targetLabel"] as? String })
    }

    @Test func anAdminWithoutClearanceDoesNotSeeASecureAccountsEntries() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(role: "admin")
            let f = try await fixture(portal)
            let browser = try await portal.signIn()

            let page = try await portal.visit("/audit", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains(f.labels.open) && page.text.contains(f.labels.south))
            #expect(page.text.contains(f.labels.op) && page.text.contains(f.labels.partner))
            #expect(!page.text.contains(f.labels.vault))

            let csv = try await portal.visit("/audit/export.csv", browser: browser)
            #expect(csv.status == .ok)
            #expect(csv.text.contains(f.labels.open) && csv.text.contains(f.labels.partner))
            #expect(!csv.text.contains(f.labels.vault))

            // Asking for the secure account by name finds nothing either.
            let labels = try await apiLabels(try await portal.api(as: ada))
            #expect(labels.isSuperset(of: [f.labels.open, f.labels.south, f.labels.op, f.labels.partner]))
            #expect(!labels.contains(f.labels.vault))
        }
    }

    @Test func aGroupScopedAuditReaderSeesOnlyItsGroupsAccounts() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin")
            let f = try await fixture(portal)
            let role = CustomRole(partnerID: try portal.partner.requireID(), name: "Auditor", description: "",
                                  permissions: [.portalLogin, .auditView], secureClearance: false)
            try await role.create(on: portal.db)
            let aud = try await portal.makeOperator(email: "aud@example.com", name: "Aud", role: "viewer")
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == aud.requireID()).first())
            grant.role = try role.requireID().uuidString.lowercased()
            grant.scope = .group
            grant.scopeID = f.north.id
            try await grant.update(on: portal.db)

            let labels = try await apiLabels(try await portal.api(as: aud))
            #expect(labels == [f.labels.open])
            // The chain speaks of every entry of the partner: not for a reader of one group's.
            try await AuditChain.sealAll(signer: portal.auditSigner, on: portal.db)
            #expect(try await portal.api(as: aud).call(.GET, "/audit/chain").status == .forbidden)
            #expect(try await portal.api(as: try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first()))
                        .call(.GET, "/audit/chain").status == .ok)
            let page = try await portal.visit("/audit", browser: try await portal.signIn(email: "aud@example.com"))
            #expect(page.status == .ok && !page.text.contains("Check an export yourself"))

            // With clearance the secure account in the group appears; still nothing outside it.
            role.secureClearance = true
            try await role.update(on: portal.db)
            let cleared = try await apiLabels(try await portal.api(as: aud))
            #expect(cleared == [f.labels.open, f.labels.vault])
        }
    }

    @Test func aFullyScopedAdminWithClearanceSeesEverything() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(role: "admin-secure")
            let f = try await fixture(portal)
            let labels = try await apiLabels(try await portal.api(as: ada))
            #expect(labels.isSuperset(of: [f.labels.open, f.labels.vault, f.labels.south, f.labels.op, f.labels.partner]))
            let all = try await AuditEvent.query(on: portal.db).count()
            #expect(labels.count == Set(try await AuditEvent.query(on: portal.db).all().map(\.targetLabel)).count && all >= 5)
        }
    }

    @Test func operatorEntriesFollowOperatorsViewScope() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin")
            let f = try await fixture(portal)
            // An Account Admin of North (operators.view over North) with audit.view over North
            // sees an operator of North, not Olly (all accounts).
            let role = CustomRole(partnerID: try portal.partner.requireID(), name: "Group auditor", description: "",
                                  permissions: [.portalLogin, .auditView, .operatorsView], secureClearance: false)
            try await role.create(on: portal.db)
            let aud = try await portal.makeOperator(email: "aud@example.com", name: "Aud", role: "viewer")
            let nora = try await portal.makeOperator(email: "nora@example.com", name: "Nora", role: "viewer")
            for op in [aud, nora] {
                let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).first())
                if op === aud { grant.role = try role.requireID().uuidString.lowercased() }
                grant.scope = .group
                grant.scopeID = f.north.id
                try await grant.update(on: portal.db)
            }
            try await Audit.record("operator.edited", by: .system, partnerID: try portal.partner.requireID(),
                                   target: ("operator", nora.id?.uuidString.lowercased(), "Nora entry"), on: portal.db)
            let labels = try await apiLabels(try await portal.api(as: aud))
            #expect(labels.contains("Nora entry"))
            #expect(!labels.contains(f.labels.op) && !labels.contains(f.labels.partner) && !labels.contains(f.labels.south))
        }
    }

    @Test func thePagesOperatorFilterNamesOnlyOperatorsTheReaderMayView() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin")
            let f = try await fixture(portal)
            let role = CustomRole(partnerID: try portal.partner.requireID(), name: "Group auditor", description: "",
                                  permissions: [.portalLogin, .auditView, .operatorsView], secureClearance: false)
            try await role.create(on: portal.db)
            let aud = try await portal.makeOperator(email: "aud@example.com", name: "Aud Itor", role: "viewer")
            let nora = try await portal.makeOperator(email: "nora@example.com", name: "Nora North", role: "viewer")
            for op in [aud, nora] {
                let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).first())
                if op === aud { grant.role = try role.requireID().uuidString.lowercased() }
                grant.scope = .group
                grant.scopeID = f.north.id
                try await grant.update(on: portal.db)
            }
            let page = try await portal.visit("/audit", browser: try await portal.signIn(email: "aud@example.com"))
            #expect(page.status == .ok)
            #expect(page.text.contains(">Nora North</option>") && page.text.contains(">Aud Itor</option>"))
            // Ada (all accounts) and Olly (all accounts) are outside the reader's operators.view.
            #expect(!page.text.contains(">Ada Admin</option>") && !page.text.contains(">Olly Other</option>"))
        }
    }

    @Test func theMigrationBackfillsSubjectsOfExistingEntries() async throws {
        try await TestPortal.run { portal in
            let account = UUID()
            let entry = AuditEvent(partnerID: try portal.partner.requireID(), actorID: nil, actorName: "x", action: "account.note-added",
                                   targetType: "account", targetID: account.uuidString.lowercased(), targetLabel: "old", details: "", ip: "", at: Date())
            entry.subjectAccountID = nil
            try await entry.create(on: portal.db)
            try await AddTokenExpiryAndAuditSubjects.backfill(try portal.db.sql)
            #expect(try await AuditEvent.find(entry.id, on: portal.db)?.subjectAccountID == account)
        }
    }
}
