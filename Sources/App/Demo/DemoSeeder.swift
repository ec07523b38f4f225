import Fluent
import Foundation
import SQLKit
import Vapor

/// `portal demo seed --partner SLUG --accounts N`: fills a partner with realistic data (a
/// group tree, operators with grants, accounts with owners, tags, notes, assignments,
/// activity and history) through multi-row INSERTs, so that 100,000 accounts take seconds.
/// The partner is created (answering on `SLUG.localhost`) if it does not exist yet.
struct DemoCommands: AsyncCommandGroup {
    let help = "Demonstration data."
    let commands: [String: any AnyAsyncCommand] = ["seed": DemoSeedCommand()]
}

struct DemoSeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug; created when missing.") var partner: String?
        @Option(name: "accounts", help: "How many accounts to add (default 1000).") var accounts: Int?
        @Option(name: "seed", help: "Random seed, for the same data twice (default 1).") var seed: Int?
        init() {}
    }

    let help = "Fill a partner with realistic accounts, groups, operators, tags, notes, activity and history."

    func run(using context: CommandContext, signature: Signature) async throws {
        let slug = (signature.partner ?? "").lowercased()
        guard PartnerService.isValidSlug(slug) else { throw CommandFailure("Give --partner SLUG (lower-case letters, digits and hyphens).") }
        let count = signature.accounts ?? 1000
        guard (1...2_000_000).contains(count) else { throw CommandFailure("--accounts takes 1 to 2,000,000.") }
        let db = context.application.db
        let partner: Partner
        if let existing = try await Partner.query(on: db).filter(\.$slug == slug).first() {
            partner = existing
        } else {
            partner = try await PartnerService.create(.init(name: DemoData.partnerName(slug), slug: slug, domains: ["\(slug).localhost"]), on: db)
            context.console.output("Created partner '\(slug)' answering on \(slug).localhost.")
        }
        let console = context.console
        let started = Date()
        var lastShown = Date.distantPast
        let summary = try await DemoSeeder.seed(partnerID: try partner.requireID(), accounts: count, seed: UInt64(max(signature.seed ?? 1, 0)), on: db) { done, total in
            // Progress on one terminal line, a few times a second.
            guard Date().timeIntervalSince(lastShown) > 0.25 || done == total else { return }
            lastShown = Date()
            let percent = Int((Double(done) / Double(total) * 100).rounded())
            let line: String = "\u{1B}[2K\rAccounts: \(done.formatted()) of \(total.formatted()) (\(percent)%)"
            console.output(line.consoleText(), newLine: done == total)
        }
        // The planner's statistics describe the tables as they were before the load.
        try await PlannerStatistics.analyze(on: db)
        let seconds = Date().timeIntervalSince(started)
        let report: String = """
            Added \(summary.accounts.formatted()) accounts in \(String(format: "%.1f", seconds)) s: \(summary.groups) groups, \(summary.operators) operators, \
            \(summary.tags.formatted()) tags, \(summary.notes.formatted()) notes, \(summary.assignments.formatted()) assignments, \
            \(summary.bookings.formatted()) bookings, \(summary.payments.formatted()) payments, \(summary.history.formatted()) history entries.
            """
        console.output(report.consoleText())
    }
}

enum DemoSeeder {
    struct Summary: Sendable {
        var accounts = 0, groups = 0, operators = 0, tags = 0, notes = 0, assignments = 0, bookings = 0, payments = 0, history = 0
    }

    static let batch = 5000

    /// Rows for one table; built before the transaction that writes them.
    struct Table: @unchecked Sendable {
        let name: String
        let columns: [String]
        let rows: [[any SQLExpression]]

        init(_ name: String, _ columns: [String], _ rows: [[any SQLExpression]]) {
            (self.name, self.columns, self.rows) = (name, columns, rows)
        }
    }

    private static func insert(_ tables: [Table], on db: any Database) async throws {
        try await db.writeTransaction { db in
            let sql = try db.sql
            for table in tables where !table.rows.isEmpty {
                try await BulkInsert(sql: sql, table: table.name, columns: table.columns).run(count: table.rows.count) { table.rows[$0] }
            }
        }
    }

    /// Adds `accounts` accounts (and what goes with them) to the partner, a batch per
    /// transaction, calling `progress` after each batch.
    static func seed(partnerID: UUID, accounts count: Int, seed: UInt64, now: Date = Date(), on db: any Database,
                     progress: (Int, Int) -> Void) async throws -> Summary {
        var rng = BenchRandom(seed: seed &+ 0x5EED)
        var summary = Summary()
        let plans = try await PlanCatalogue.plans(partnerID: partnerID, on: db)
        let steps = try await PlanCatalogue.steps(partnerID: partnerID, on: db)

        // Groups: regions, each with cities (about one group per 100 accounts, at least 4).
        let regionCount = max(2, min(12, count / 2000 + 2))
        let citiesPerRegion = max(1, min(40, count / (100 * regionCount)))
        var groupIDs: [UUID] = [], regionIDs: [UUID] = []
        var groupRows: [[any SQLExpression]] = []
        for region in 0..<regionCount {
            let regionID = UUID()
            regionIDs.append(regionID)
            let regionPath = "/\(regionID.uuidString.lowercased())/"
            groupRows.append([SQLBind(regionID), SQLBind(partnerID), SQLLiteral.null, SQLBind(DemoData.region(region, salt: seed)), SQLBind(regionPath), SQLBind(now)])
            for city in 0..<citiesPerRegion {
                let cityID = UUID()
                groupIDs.append(cityID)
                groupRows.append([SQLBind(cityID), SQLBind(partnerID), SQLBind(regionID), SQLBind(DemoData.city(region * citiesPerRegion + city, salt: seed)),
                                  SQLBind(regionPath + "\(cityID.uuidString.lowercased())/"), SQLBind(now)])
            }
        }
        // Operators: a few of each role, some over a region or assigned accounts only.
        let roles = ["admin", "system-manager", "support", "support", "support", "account-admin", "viewer", "marketing", "support-secure", "admin-secure"]
        var operatorIDs: [UUID] = []
        var operatorRows: [[any SQLExpression]] = []
        var grantRows: [[any SQLExpression]] = []
        let operatorCount = min(40, max(10, count / 2500))
        for index in 0..<operatorCount {
            let id = UUID()
            operatorIDs.append(id)
            let name = DemoData.personName(index, salt: seed &+ 99)
            operatorRows.append([SQLBind(id), SQLBind(partnerID), SQLBind(DemoData.email(for: name, index: index, domain: "staff.example")), SQLBind(name),
                                 SQLLiteral.null, SQLBind(Operator.Status.invited.rawValue), SQLLiteral.null, SQLBind("UTC"), SQLLiteral.null, SQLBind(now), SQLBind(now)])
            let role = roles[index % roles.count]
            // Account admins look after one region; every other support operator sees only their assigned accounts.
            let scope: (String, UUID?) = role == "account-admin" ? ("group", regionIDs[index % regionIDs.count])
                : role == "support" && index % 2 == 1 ? ("assigned", nil) : ("all", nil)
            grantRows.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(role), SQLBind(scope.0), scope.1.map { SQLBind($0) } ?? SQLLiteral.null, SQLBind(now)])
        }
        try await insert([
            Table(AccountGroup.schema, ["id", "partner_id", "parent_id", "name", "path", "created_at"], groupRows),
            Table(Operator.schema, ["id", "partner_id", "email", "name", "phone", "status", "password_hash", "time_zone", "last_login_at", "created_at", "updated_at"], operatorRows),
            Table(Grant.schema, ["id", "partner_id", "operator_id", "role", "scope", "scope_id", "created_at"], grantRows),
        ], on: db)
        summary.groups = groupRows.count
        summary.operators = operatorIDs.count

        let existing = try await Account.query(on: db).filter(\.$partnerID == partnerID).count()
        var done = 0
        while done < count {
            let size = min(batch, count - done)
            var accounts: [[any SQLExpression]] = [], owners: [[any SQLExpression]] = [], tags: [[any SQLExpression]] = []
            var notes: [[any SQLExpression]] = [], assignments: [[any SQLExpression]] = [], bookings: [[any SQLExpression]] = []
            var payments: [[any SQLExpression]] = [], onboarding: [[any SQLExpression]] = [], history: [[any SQLExpression]] = []
            for offset in 0..<size {
                let number = existing + done + offset
                let id = UUID()
                let name = DemoData.businessName(number, using: &rng)
                let owner = DemoData.personName(number, salt: seed)
                let email = DemoData.email(for: owner, index: number, domain: DemoData.domain(for: name))
                // Ages spread over two years; a tenth are new (under 30 days).
                let age = rng.chance(0.1) ? Double.random(in: 0..<(29 * 86_400), using: &rng) : Double.random(in: (31 * 86_400)..<(730 * 86_400), using: &rng)
                let created = now.addingTimeInterval(-age)
                // Half were active in the last 30 days, a quarter earlier, a quarter never.
                let roll = Double.random(in: 0..<1, using: &rng)
                let lastActivity: Date? = roll < 0.5 ? now.addingTimeInterval(-Double.random(in: 0..<(30 * 86_400), using: &rng))
                    : roll < 0.75 ? max(created, now.addingTimeInterval(-Double.random(in: (30 * 86_400)..<(200 * 86_400), using: &rng))) : nil
                let plan = plans[Int.random(in: 0..<plans.count, using: &rng)]
                let setupDone = rng.chance(0.8)
                let groupID = groupIDs[Int.random(in: 0..<groupIDs.count, using: &rng)]
                accounts.append([
                    SQLBind(id), SQLBind(partnerID), SQLBind(Account.newBusinessUID()), SQLBind(name), SQLBind(email), SQLBind(groupID),
                    SQLBind(rng.chance(0.05)), SQLBind(rng.chance(0.02)), SQLBind(setupDone), SQLBind(DemoData.phone(number)), SQLBind(owner),
                    rng.chance(0.3) ? SQLBind(DemoData.nickname(name, number)) : SQLLiteral.null, SQLBind(plan.name), SQLBind(plan.staffSlots),
                    SQLBind(rng.chance(0.002)), SQLBind(rng.chance(0.1)), lastActivity.map { SQLBind($0) } ?? SQLLiteral.null,
                    SQLBind(DemoData.address(number, using: &rng)), SQLBind(created), SQLBind(created),
                ])
                owners.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(AccountUser.Role.owner.rawValue), SQLBind(owner), SQLBind(email),
                               SQLBind(AccountUser.Status.active.rawValue), SQLLiteral.null, SQLBind(false), SQLBind(created), SQLBind(created)])
                for tag in DemoData.tags(using: &rng) {
                    tags.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(tag)])
                }
                if rng.chance(0.1) {
                    let author = Int.random(in: 0..<operatorIDs.count, using: &rng)
                    notes.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(operatorIDs[author]), SQLBind(DemoData.personName(author, salt: seed &+ 99)),
                                  SQLBind(DemoData.note(using: &rng)), SQLBind(created.addingTimeInterval(86_400))])
                }
                if rng.chance(0.3) {
                    assignments.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(operatorIDs[Int.random(in: 0..<operatorIDs.count, using: &rng)])])
                }
                // Recent activity for the active ones: a handful of bookings and payments.
                if let lastActivity, lastActivity > now.addingTimeInterval(-30 * 86_400), rng.chance(0.2) {
                    for index in 0..<Int.random(in: 3...12, using: &rng) {
                        let at = lastActivity.addingTimeInterval(-Double.random(in: 0..<(85 * 86_400), using: &rng))
                        bookings.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind("demo-b\(index)"), SQLBind(max(at, created))])
                        if index % 2 == 0 {
                            payments.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind("demo-p\(index)"), SQLBind(max(at, created)),
                                             SQLBind(Int64.random(in: 1500...25_000, using: &rng)), SQLBind("EUR")])
                        }
                    }
                }
                let stepsDone = setupDone ? steps.count : Int.random(in: 0..<steps.count, using: &rng)
                for step in steps.prefix(stepsDone) {
                    onboarding.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(step.code), SQLBind(created.addingTimeInterval(3600))])
                }
                history.append([SQLBind(UUID()), SQLBind(partnerID), SQLLiteral.null, SQLBind("Demo data"), SQLBind("account.created"), SQLBind("account"),
                                SQLBind(id.uuidString.lowercased()), SQLBind(name), SQLBind("blank"), SQLBind(""), SQLBind(created)])
            }
            try await insert([
                Table(Account.schema, ["id", "partner_id", "business_uid", "name", "email", "group_id", "secure", "locked", "setup_completed", "phone", "owner_name",
                                       "nickname", "plan", "staff_slots", "template", "send_links_enabled", "last_activity_at", "address", "created_at", "updated_at"], accounts),
                Table(AccountUser.schema, ["id", "partner_id", "account_id", "role", "name", "email", "status", "password_hash", "must_change_password",
                                           "created_at", "updated_at"], owners),
                Table(AccountTag.schema, ["id", "partner_id", "account_id", "tag"], tags),
                Table(AccountNote.schema, ["id", "partner_id", "account_id", "author_id", "author_name", "body", "created_at"], notes),
                Table(AccountAssignment.schema, ["id", "partner_id", "account_id", "operator_id"], assignments),
                Table(AccountBooking.schema, ["id", "partner_id", "account_id", "external_id", "occurred_at"], bookings),
                Table(AccountPayment.schema, ["id", "partner_id", "account_id", "external_id", "occurred_at", "amount_minor", "currency"], payments),
                Table(AccountOnboardingStep.schema, ["id", "partner_id", "account_id", "step", "completed_at"], onboarding),
                Table(AuditEvent.schema, ["id", "partner_id", "actor_id", "actor_name", "action", "target_type", "target_id", "target_label", "details", "ip", "at"], history),
            ], on: db)
            summary.accounts += accounts.count
            summary.tags += tags.count
            summary.notes += notes.count
            summary.assignments += assignments.count
            summary.bookings += bookings.count
            summary.payments += payments.count
            summary.history += history.count
            done += size
            progress(done, count)
        }
        return summary
    }
}
