@testable import App
import ConsoleKit
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// `portal demo seed` with `--partners` and `--operators`: how accounts and operators are
/// spread, that the operators' grants are ones the access layer takes, and that every row
/// names its own partner. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
@Suite struct DemoSeedScaleTests {
    // MARK: - The spread over partners

    @Test(arguments: [1, 2, 3, 6, 7, 8, 10, 25, 26, 100, 1000])
    func sharesAddUpToTheWholeBiggestFirst(partners: Int) {
        let shares = DemoPartners.shares(partners: partners)
        #expect(shares.count == partners)
        #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
        #expect(zip(shares, shares.dropFirst()).allSatisfy { $0 >= $1 - 1e-12 }, "\(shares)")
        if partners >= 7 {
            #expect(abs(shares[0] - DemoPartners.biggestShare) < 1e-9)
            // Skewed: the smallest holds less than an even share.
            #expect(shares[partners - 1] < 1 / Double(partners))
        } else if partners > 1 {
            #expect(shares[0] > shares[1])
        }
    }

    @Test(arguments: [(1_000_000, 100), (100_000, 7), (10, 10), (17, 3), (5, 1)])
    func splitsAddUpExactlyAndGiveEveryPartnerOne(total: Int, partners: Int) {
        let counts = DemoPartners.split(total, shares: DemoPartners.shares(partners: partners))
        #expect(counts.reduce(0, +) == total)
        #expect(counts.allSatisfy { $0 >= 1 })
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 >= $1 }, "\(counts)")
    }

    @Test func aMillionAccountsOverAHundredPartners() throws {
        let plan = try DemoSeedCommand.Plan(partner: "acme", accounts: 1_000_000, operators: 10_000, partners: 100)
        #expect(plan.parts.map(\.slug) == (1...100).map { "acme-\($0)" })
        #expect(plan.parts.reduce(0) { $0 + $1.accounts } == 1_000_000)
        #expect(plan.parts.reduce(0) { $0 + ($1.operators ?? 0) } == 10_000)
        #expect((149_000...151_000).contains(plan.parts[0].accounts))
        #expect((1_450...1_550).contains(plan.parts[0].operators ?? 0))
        #expect(plan.parts.allSatisfy { $0.accounts >= 1 && ($0.operators ?? 0) >= 1 })
        #expect(plan.parts.last!.accounts < 1_000_000 / 100 / 2)
    }

    @Test func onePartnerKeepsItsSlugAndTheDefaults() throws {
        let plan = try DemoSeedCommand.Plan(partner: "Acme", accounts: nil, operators: nil, partners: nil)
        #expect(plan.parts == [.init(slug: "acme", accounts: 1000, operators: nil)])
        let staffed = try DemoSeedCommand.Plan(partner: "acme", accounts: 100_000, operators: 2000, partners: nil)
        #expect(staffed.parts == [.init(slug: "acme", accounts: 100_000, operators: 2000)])
    }

    @Test(arguments: [
        (nil, 10, nil, nil, "--partner"),
        ("acme", 0, nil, nil, "--accounts"),
        ("acme", 2_000_001, nil, nil, "--accounts"),
        ("acme", 10, 0, nil, "--operators"),
        ("acme", 10, nil, 0, "--partners"),
        ("acme", 10, nil, 1001, "--partners"),
        ("acme", 5, nil, 10, "--accounts"),
        ("acme", 100, 3, 10, "--operators"),
        (String(repeating: "a", count: 62), 100, nil, 10, "shorter --partner"),
    ] as [(String?, Int?, Int?, Int?, String)])
    func badOptionsAreRefusedWithTheirName(partner: String?, accounts: Int?, operators: Int?, partners: Int?, named: String) {
        let failure = #expect(throws: CommandFailure.self) {
            try DemoSeedCommand.Plan(partner: partner, accounts: accounts, operators: operators, partners: partners)
        }
        #expect(failure?.description.contains(named) == true, "\(String(describing: failure))")
    }

    // MARK: - Seeded data

    @Test func accountsAndOperatorsPerPartnerAddUpAndEachPartnerAnswersOnItsHost() async throws {
        try await TestPortal.run { portal in
            let output = try await Self.seed(portal, ["--partner", "demo", "--partners", "8", "--accounts", "1200", "--operators", "80"])
            let plan = try DemoSeedCommand.Plan(partner: "demo", accounts: 1200, operators: 80, partners: 8)
            var accounts = 0, operators = 0
            for part in plan.parts {
                let partner = try #require(try await Partner.query(on: portal.db).filter(\.$slug == part.slug).with(\.$domains).first())
                #expect(partner.domains.map(\.host) == ["\(part.slug).localhost"])
                let id = try partner.requireID()
                let seededAccounts = try await Account.query(on: portal.db).filter(\.$partnerID == id).count()
                let seededOperators = try await Operator.query(on: portal.db).filter(\.$partner.$id == id).count()
                #expect(seededAccounts == part.accounts)
                #expect(seededOperators == part.operators)
                accounts += seededAccounts
                operators += seededOperators
            }
            #expect(accounts == 1200 && operators == 80)
            #expect(plan.parts[0].accounts == 180 && plan.parts[7].accounts < plan.parts[0].accounts)
            #expect(output.contains { $0.hasPrefix("Added 1,200 accounts in ") && $0.contains(" 80 operators") })
            #expect(output.contains { $0.hasPrefix("Over 8 partners: the biggest, 'demo-1', holds 180 accounts (15%) and 12 operators") })
            // The default partner was left alone.
            #expect(try await Account.query(on: portal.db).filter(\.$partnerID == portal.partner.requireID()).count() == 0)
        }
    }

    @Test func seededOperatorsHoldGrantsTheAccessLayerTakesInTheirOwnPartner() async throws {
        try await TestPortal.run { portal in
            try await Self.seed(portal, ["--partner", "staff", "--partners", "2", "--accounts", "1500", "--operators", "400"])
            var statuses: [Operator.Status: Int] = [:]
            var mostGrants = 0, groupScoped = 0, accountScoped = 0, partnerWideOnly = 0
            for partner in try await Partner.query(on: portal.db).filter(\.$slug ~~ ["staff-1", "staff-2"]).all() {
                let partnerID = try partner.requireID()
                let roles = try await AccessLoader.roles(partnerID: partnerID, on: portal.db)
                let staff = try await Operator.query(on: portal.db).filter(\.$partner.$id == partnerID).with(\.$grants).all()
                #expect(staff.count > 100)
                for op in staff {
                    statuses[op.status, default: 0] += 1
                    #expect((1...DemoOperators.maxGrants).contains(op.grants.count), "\(op.email): \(op.grants.count) grants")
                    #expect(Set(op.grants.map { "\($0.role) \($0.scope) \(String(describing: $0.scopeID))" }).count == op.grants.count)
                    mostGrants = max(mostGrants, op.grants.count)
                    for grant in op.grants {
                        #expect(grant.partnerID == partnerID)
                        #expect(roles[grant.role] != nil, "unknown role \(grant.role)")
                        // A group or an account of this very partner.
                        let facts = try await AccessLoader.scopeFacts(kind: grant.scope, id: grant.scopeID, partnerID: partnerID, on: portal.db)
                        #expect(facts != nil, "\(op.email): \(grant.scope) \(String(describing: grant.scopeID)) is not in \(partner.slug)")
                    }
                    groupScoped += op.grants.contains { $0.scope == .group } ? 1 : 0
                    accountScoped += op.grants.contains { $0.scope == .account } ? 1 : 0
                    partnerWideOnly += op.grants.allSatisfy { $0.scope == .all || $0.scope == .assigned } ? 1 : 0
                    let actor = try await AccessLoader.actor(for: op, on: portal.db)
                    #expect(actor.grants.count == op.grants.count)
                }
                // The partner's first operator is an active Admin over every account.
                let first = try #require(staff.first { $0.grants.contains { $0.role == "admin" && $0.scope == .all } && $0.status == .active })
                let admin = try await AccessLoader.actor(for: first, on: portal.db)
                // Admin has no secure clearance: the secure accounts are not seen.
                #expect(!admin.grants.contains { $0.role.secureClearance })
                let partnerAccounts = try await Account.query(on: portal.db).filter(\.$partnerID == partnerID).filter(\.$secure == false).count()
                #expect(try await AccountVisibility.count(for: admin, on: portal.db) == partnerAccounts)
                // Someone who holds only group grants sees some accounts of the partner, not all of them.
                let regional = try #require(staff.first { $0.status == .active && $0.grants.count == 1 && $0.grants[0].scope == .group })
                let seen = try await AccountVisibility.count(for: try await AccessLoader.actor(for: regional, on: portal.db), on: portal.db)
                #expect(seen > 0 && seen < partnerAccounts)
            }
            let total = statuses.values.reduce(0, +)
            #expect(total == 400)
            #expect((0.7...0.92).contains(Double(statuses[.active] ?? 0) / Double(total)), "\(statuses)")
            #expect((statuses[.invited] ?? 0) > 10 && (statuses[.blocked] ?? 0) > 5, "\(statuses)")
            #expect(mostGrants >= 12)
            #expect(groupScoped > 100 && accountScoped > 10 && partnerWideOnly > 100, "\(groupScoped) \(accountScoped) \(partnerWideOnly)")
            // Accounts are assigned to the operators who look after assigned accounts.
            let sql = try portal.db.sql
            let strays = try await sql.raw("""
                SELECT COUNT(*) AS n FROM account_assignments a
                WHERE NOT EXISTS (SELECT 1 FROM grants g WHERE g.operator_id = a.operator_id AND g.scope = 'assigned')
                """).first()?.decode(column: "n", as: Int.self)
            #expect(strays == 0)
        }
    }

    @Test func everyTenantRowNamesTheSamePartnerAsWhatItBelongsTo() async throws {
        try await TestPortal.run { portal in
            try await Self.seed(portal, ["--partner", "rows", "--partners", "3", "--accounts", "900", "--operators", "60"])
            let sql = try portal.db.sql
            let mismatches: [(String, SQLQueryString)] = [
                ("accounts in another partner's group", "SELECT COUNT(*) AS n FROM accounts a JOIN groups g ON g.id = a.group_id WHERE g.partner_id <> a.partner_id"),
                ("groups under another partner's group", "SELECT COUNT(*) AS n FROM groups c JOIN groups p ON p.id = c.parent_id WHERE p.partner_id <> c.partner_id"),
                ("owners", "SELECT COUNT(*) AS n FROM account_users u JOIN accounts a ON a.id = u.account_id WHERE u.partner_id <> a.partner_id"),
                ("tags", "SELECT COUNT(*) AS n FROM account_tags t JOIN accounts a ON a.id = t.account_id WHERE t.partner_id <> a.partner_id"),
                ("notes", """
                    SELECT COUNT(*) AS n FROM account_notes n JOIN accounts a ON a.id = n.account_id JOIN operators o ON o.id = n.author_id
                    WHERE n.partner_id <> a.partner_id OR o.partner_id <> a.partner_id
                    """),
                ("assignments", """
                    SELECT COUNT(*) AS n FROM account_assignments s JOIN accounts a ON a.id = s.account_id JOIN operators o ON o.id = s.operator_id
                    WHERE s.partner_id <> a.partner_id OR o.partner_id <> a.partner_id
                    """),
                ("bookings", "SELECT COUNT(*) AS n FROM account_bookings b JOIN accounts a ON a.id = b.account_id WHERE b.partner_id <> a.partner_id"),
                ("payments", "SELECT COUNT(*) AS n FROM account_payments p JOIN accounts a ON a.id = p.account_id WHERE p.partner_id <> a.partner_id"),
                ("onboarding", "SELECT COUNT(*) AS n FROM \(unsafeRaw: AccountOnboardingStep.schema) s JOIN accounts a ON a.id = s.account_id WHERE s.partner_id <> a.partner_id"),
                ("grants", "SELECT COUNT(*) AS n FROM grants g JOIN operators o ON o.id = g.operator_id WHERE g.partner_id <> o.partner_id"),
                ("grants on another partner's group", """
                    SELECT COUNT(*) AS n FROM grants g WHERE g.scope = 'group'
                    AND NOT EXISTS (SELECT 1 FROM groups x WHERE x.id = g.scope_id AND x.partner_id = g.partner_id)
                    """),
                ("grants on another partner's account", """
                    SELECT COUNT(*) AS n FROM grants g WHERE g.scope = 'account'
                    AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.id = g.scope_id AND x.partner_id = g.partner_id)
                    """),
            ]
            for (what, query) in mismatches {
                let count = try await sql.raw(query).first()?.decode(column: "n", as: Int.self)
                #expect(count == 0, "\(what)")
            }
            // One history entry per account, in the account's partner.
            for partner in try await Partner.query(on: portal.db).filter(\.$slug ~~ ["rows-1", "rows-2", "rows-3"]).all() {
                let id = try partner.requireID()
                let accounts = try await Account.query(on: portal.db).filter(\.$partnerID == id).all()
                let created = try await AuditEvent.query(on: portal.db).filter(\.$partnerID == id).filter(\.$action == "account.created").all()
                #expect(Set(created.compactMap(\.targetID)) == Set(try accounts.map { try $0.requireID().uuidString.lowercased() }))
                // The account's own history lists it, and only those who may see the account see it.
                #expect(created.allSatisfy { $0.subjectAccountID.map { $0.uuidString.lowercased() } == $0.targetID })
            }
        }
    }

    @Test func theSearchFindsSeededAccountsByTheirTags() async throws {
        try await TestPortal.run { portal in
            try await Self.seed(portal, ["--partner", "tags", "--accounts", "600"])
            let partner = try #require(try await Partner.query(on: portal.db).filter(\.$slug == "tags").first())
            let partnerID = try partner.requireID()
            let admin = try #require(try await Operator.query(on: portal.db).filter(\.$partner.$id == partnerID).with(\.$grants).all()
                .first { $0.grants.contains { $0.role == "admin" } })
            let actor = try await AccessLoader.actor(for: admin, on: portal.db)
            for tag in ["franchise", "needs-training", "payments-on"] {
                // Admin has no secure clearance: the tagged accounts it may see are those not secure.
                let tagged = try await portal.db.sql.raw("""
                    SELECT COUNT(*) AS n FROM account_tags t JOIN accounts a ON a.id = t.account_id
                    WHERE t.partner_id = \(bind: partnerID) AND t.tag = \(bind: tag) AND a.secure = \(bind: false)
                    """).first()?.decode(column: "n", as: Int.self) ?? 0
                #expect(tagged > 10)
                var filter = AccountDirectory.Filter()
                filter.search = tag
                let found = AccountDirectory.total(filter, counts: try await AccountDirectory.counts(filter, for: actor, on: portal.db))
                #expect(found == tagged, "\(tag)")
            }
        }
    }

    /// SQLite in a file, whichever database the rest of the suite runs on: how the seed shares a
    /// file with a serving portal.
    @Test func aSeedIntoAnSQLiteFileLeavesTheWriteAheadLogEmptyAndItsConnectionTuned() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-seed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("portal.sqlite").path
        try await TestPortal.run(storage: .sqliteFile(path: path)) { portal in
            // Booted as a command is: WAL, the busy timeout and the serving settings.
            try await portal.app.asyncBoot()
            let db = portal.db
            let partnerID = try portal.partner.requireID()
            var batches = 0
            let summary = try await DemoSeeder.seed(partnerID: partnerID, accounts: 1200, operators: 30, seed: 7, on: db) { _, _ in batches += 1 }
            #expect(summary.accounts == 1200 && summary.operators == 30)
            #expect(batches == (1200 + DemoWriter.sqliteAccountsPerBatch - 1) / DemoWriter.sqliteAccountsPerBatch)
            #expect(try await Account.query(on: db).filter(\.$partnerID == partnerID).count() == 1200)
            let sql = try db.sql
            #expect(try await sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self) == "wal")
            #expect(try await sql.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self) == 1)
            #expect(try await sql.raw("PRAGMA journal_size_limit").first()?.decode(column: "journal_size_limit", as: Int.self)
                == DemoWriter.journalSizeLimit)
            let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            #expect(wal == 0)
        }
    }

    // MARK: - Helpers

    /// Runs `portal demo seed` with `arguments` and returns what it printed, line by line.
    @discardableResult
    static func seed(_ portal: TestPortal, _ arguments: [String]) async throws -> [String] {
        let console = CapturingConsole()
        var context = CommandContext(console: console, input: CommandInput(arguments: ["portal"] + arguments))
        context.application = portal.app
        try await DemoSeedCommand().run(using: &context)
        return console.lines
    }
}
