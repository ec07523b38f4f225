import Fluent
import Foundation
import SQLKit

/// Fills a partner with realistic data (a group tree, operators with grants, accounts with
/// owners, tags, notes, assignments, activity and history) through multi-row INSERTs, so that
/// 100,000 accounts take seconds. `DemoWriter` writes the batches.
enum DemoSeeder {
    struct Summary: Sendable {
        var accounts = 0, groups = 0, operators = 0, grants = 0, tags = 0, notes = 0, assignments = 0, bookings = 0, payments = 0, history = 0

        mutating func add(_ other: Summary) {
            accounts += other.accounts; groups += other.groups; operators += other.operators; grants += other.grants; tags += other.tags
            notes += other.notes; assignments += other.assignments; bookings += other.bookings; payments += other.payments; history += other.history
        }
    }

    /// Rows for one table; built before the transaction that writes them.
    struct Table: @unchecked Sendable {
        let name: String
        let columns: [String]
        let rows: [[any SQLExpression]]

        init(_ name: String, _ columns: [String], _ rows: [[any SQLExpression]]) {
            (self.name, self.columns, self.rows) = (name, columns, rows)
        }
    }

    /// Operators a partner of `accounts` accounts gets when the count is not given: 10 to 40.
    static func defaultOperators(forAccounts accounts: Int) -> Int { min(40, max(10, accounts / 2500)) }

    /// Operators written per transaction (with their grants).
    static let operatorsPerBatch = 1000

    /// Adds `accounts` accounts (and what goes with them) and `operators` operators (by
    /// default `defaultOperators`) to the partner, a batch per transaction, calling `progress`
    /// with the accounts written so far after each batch of accounts.
    static func seed(partnerID: UUID, accounts count: Int, operators operatorCount: Int? = nil, seed: UInt64, now: Date = Date(),
                     on db: any Database, progress: (Int, Int) -> Void) async throws -> Summary {
        var rng = BenchRandom(seed: seed &+ 0x5EED)
        var summary = Summary()
        var writer = try await DemoWriter.start(on: db)
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
        try await writer.write([Table(AccountGroup.schema, ["id", "partner_id", "parent_id", "name", "path", "created_at"], groupRows)])
        summary.groups = groupRows.count

        // Operators, some with grants on single accounts: the first accounts' ids are chosen now.
        let firstAccountIDs = (0..<min(count, 200)).map { _ in UUID() }
        let existingOperators = try await Operator.query(on: db).filter(\.$partner.$id == partnerID).count()
        let staff = DemoOperators.plan(count: operatorCount ?? defaultOperators(forAccounts: count), firstNumber: existingOperators,
                                       places: .init(regions: regionIDs, cities: groupIDs, accounts: firstAccountIDs), salt: seed, now: now, using: &rng)
        for start in stride(from: 0, to: staff.count, by: operatorsPerBatch) {
            var operatorRows: [[any SQLExpression]] = [], grantRows: [[any SQLExpression]] = []
            for op in staff[start..<min(start + operatorsPerBatch, staff.count)] {
                let joined = min(op.lastLoginAt ?? now, now).addingTimeInterval(-Double.random(in: 0..<(700 * 86_400), using: &rng))
                operatorRows.append([SQLBind(op.id), SQLBind(partnerID), SQLBind(op.email), SQLBind(op.name), SQLLiteral.null, SQLBind(op.status.rawValue),
                                     SQLLiteral.null, SQLBind(op.timeZone), op.lastLoginAt.map { SQLBind($0) } ?? SQLLiteral.null, SQLBind(joined), SQLBind(joined)])
                for grant in op.grants {
                    grantRows.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(op.id), SQLBind(grant.role), SQLBind(grant.scope.rawValue),
                                      grant.scopeID.map { SQLBind($0) } ?? SQLLiteral.null, SQLBind(joined)])
                }
            }
            try await writer.write([
                Table(Operator.schema, ["id", "partner_id", "email", "name", "phone", "status", "password_hash", "time_zone", "last_login_at", "created_at", "updated_at"], operatorRows),
                Table(Grant.schema, ["id", "partner_id", "operator_id", "role", "scope", "scope_id", "created_at"], grantRows),
            ])
            summary.operators += operatorRows.count
            summary.grants += grantRows.count
        }
        // Accounts are assigned to the operators who look after assigned accounts; notes are
        // written by those who have signed in.
        let operatorIDs = staff.map(\.id)
        let assignable = staff.filter(\.looksAfterAssignedAccounts).map(\.id)
        let assignees = assignable.isEmpty ? operatorIDs : assignable
        let signedIn = staff.filter { $0.lastLoginAt != nil }
        let authors = signedIn.isEmpty ? staff : signedIn

        let existing = try await Account.query(on: db).filter(\.$partnerID == partnerID).count()
        var done = 0
        while done < count {
            let size = min(writer.accountsPerBatch, count - done)
            var accounts: [[any SQLExpression]] = [], owners: [[any SQLExpression]] = [], tags: [[any SQLExpression]] = []
            var notes: [[any SQLExpression]] = [], assignments: [[any SQLExpression]] = [], bookings: [[any SQLExpression]] = []
            var payments: [[any SQLExpression]] = [], onboarding: [[any SQLExpression]] = [], history: [[any SQLExpression]] = []
            for offset in 0..<size {
                let number = existing + done + offset
                let id = done + offset < firstAccountIDs.count ? firstAccountIDs[done + offset] : UUID()
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
                    let author = authors[Int.random(in: 0..<authors.count, using: &rng)]
                    notes.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(author.id), SQLBind(author.name),
                                  SQLBind(DemoData.note(using: &rng)), SQLBind(created.addingTimeInterval(86_400))])
                }
                if rng.chance(0.3) {
                    assignments.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(id), SQLBind(assignees[Int.random(in: 0..<assignees.count, using: &rng)])])
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
                                SQLBind(id.uuidString.lowercased()), SQLBind(name), SQLBind("blank"), SQLBind(""), SQLBind(created), SQLBind(id)])
            }
            let accountTable = Table(Account.schema, ["id", "partner_id", "business_uid", "name", "email", "group_id", "secure", "locked", "setup_completed",
                                                      "phone", "owner_name", "nickname", "plan", "staff_slots", "template", "send_links_enabled",
                                                      "last_activity_at", "address", "created_at", "updated_at"], accounts)
            let tagTable = Table(AccountTag.schema, ["id", "partner_id", "account_id", "tag"], tags)
            // SQLite's search index takes an account's tags when the account is written; a tag
            // written afterwards rewrites the account's whole entry in the index, and an entry
            // rewritten out of order makes the index write out what it holds and merge it again.
            // So there the tags go first (the writer checks foreign keys at the commit).
            try await writer.write((writer.isSQLite ? [tagTable, accountTable] : [accountTable, tagTable]) + [
                Table(AccountUser.schema, ["id", "partner_id", "account_id", "role", "name", "email", "status", "password_hash", "must_change_password",
                                           "created_at", "updated_at"], owners),
                Table(AccountNote.schema, ["id", "partner_id", "account_id", "author_id", "author_name", "body", "created_at"], notes),
                Table(AccountAssignment.schema, ["id", "partner_id", "account_id", "operator_id"], assignments),
                Table(AccountBooking.schema, ["id", "partner_id", "account_id", "external_id", "occurred_at"], bookings),
                Table(AccountPayment.schema, ["id", "partner_id", "account_id", "external_id", "occurred_at", "amount_minor", "currency"], payments),
                Table(AccountOnboardingStep.schema, ["id", "partner_id", "account_id", "step", "completed_at"], onboarding),
                Table(AuditEvent.schema, ["id", "partner_id", "actor_id", "actor_name", "action", "target_type", "target_id", "target_label", "details", "ip", "at",
                                          "subject_account_id"], history),
            ])
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
        try await writer.finish()
        return summary
    }
}
