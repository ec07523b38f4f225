import Fluent
import Foundation
import SQLKit

/// One kind of operator the visibility benchmark asks for: its grants and how many accounts
/// it is assigned to.
struct VisibilityShape: Sendable {
    let key: String
    let label: String
    let grants: [BenchGrantMix.Spec]
    let assignments: Int
}

/// What the seeder wrote, in a partner of its own so runs never mix with other data.
struct VisibilityDataSet: Sendable {
    let partnerID: UUID
    let slug: String
    /// Operator ids, in the order of the shapes given to the seeder.
    let operatorIDs: [UUID]
    let seedNanoseconds: UInt64
}

/// The generated accounts, decided before anything is written so the insert loop only encodes.
struct BenchAccounts: Sendable {
    let ids: [UUID]
    let groups: [Int]
    let names: [String]
    let secure: [Bool]
    let locked: [Bool]
    let setupCompleted: [Bool]

    init(count: Int, tree: BenchGroupTree, using rng: inout BenchRandom) {
        var ids: [UUID] = [], groups: [Int] = [], names: [String] = []
        var secure: [Bool] = [], locked: [Bool] = [], setupCompleted: [Bool] = []
        for _ in 0..<count {
            ids.append(UUID())
            // Accounts sit anywhere in the tree, not only in leaves.
            groups.append(Int.random(in: 0..<tree.nodes.count, using: &rng))
            names.append(BenchNames.business(using: &rng))
            secure.append(rng.chance(0.10))
            locked.append(rng.chance(0.03))
            setupCompleted.append(rng.chance(0.80))
        }
        (self.ids, self.groups, self.names) = (ids, groups, names)
        (self.secure, self.locked, self.setupCompleted) = (secure, locked, setupCompleted)
    }
}

/// Writes the benchmark's partner, groups, accounts, operators, grants and assignments with
/// multi-row INSERTs in one transaction (seconds instead of minutes through Fluent models),
/// and removes them again.
enum VisibilitySeeder {
    static func seed(
        tree: BenchGroupTree, accounts: BenchAccounts, shapes: [VisibilityShape],
        using rng: inout BenchRandom, on db: any Database
    ) async throws -> VisibilityDataSet {
        let slug = "bench-" + UUID().uuidString.prefix(8).lowercased()
        let partner = Partner(slug: slug, name: "Access benchmark \(slug)")
        try await partner.create(on: db)
        let partnerID = try partner.requireID()

        let operatorIDs = shapes.map { _ in UUID() }
        // Assignments are drawn here (not inside the transaction) to keep the generator out of it.
        let assignments = shapes.map { shape in sample(shape.assignments, from: accounts.ids.count, using: &rng) }

        let started = BenchClock.now()
        try await db.writeTransaction { db in
            let sql = try db.sql
            let now = Date()
            try await insertGroups(tree, partnerID: partnerID, now: now, on: sql)
            try await insertAccounts(accounts, tree: tree, partnerID: partnerID, now: now, on: sql)
            try await insertOperators(shapes, ids: operatorIDs, slug: slug, partnerID: partnerID, now: now, on: sql)
            try await insertGrants(shapes, operatorIDs: operatorIDs, partnerID: partnerID, now: now, on: sql)
            try await insertAssignments(assignments, operatorIDs: operatorIDs, accounts: accounts, partnerID: partnerID, on: sql)
        }
        return VisibilityDataSet(partnerID: partnerID, slug: slug, operatorIDs: operatorIDs, seedNanoseconds: BenchClock.now() &- started)
    }

    /// Deletes everything the seeder wrote for `partnerID`, children first.
    static func remove(partnerID: UUID, on db: any Database) async throws {
        try await db.writeTransaction { db in
            let sql = try db.sql
            for table in ["account_assignments", "grants", "operators", "accounts", "groups", "partner_domains"] {
                try await sql.delete(from: table).where("partner_id", .equal, partnerID).run()
            }
            try await sql.delete(from: Partner.schema).where("id", .equal, partnerID).run()
        }
    }

    /// `count` distinct indices below `upperBound`, in random order.
    static func sample(_ count: Int, from upperBound: Int, using rng: inout BenchRandom) -> [Int] {
        var chosen = Set<Int>()
        var order: [Int] = []
        while order.count < min(count, upperBound) {
            let index = Int.random(in: 0..<upperBound, using: &rng)
            if chosen.insert(index).inserted { order.append(index) }
        }
        return order
    }

    // MARK: - Tables

    private static func insertGroups(_ tree: BenchGroupTree, partnerID: UUID, now: Date, on sql: any SQLDatabase) async throws {
        // Parents precede children in `nodes`, so each parent row exists before its children's.
        try await BulkInsert(sql: sql, table: AccountGroup.schema, columns: ["id", "partner_id", "parent_id", "name", "path", "created_at"])
            .run(count: tree.nodes.count) { index in
                let node = tree.nodes[index]
                return [
                    SQLBind(node.id), SQLBind(partnerID), node.parent.map { SQLBind(tree.nodes[$0].id) } ?? SQLLiteral.null,
                    SQLBind("Group \(index) (level \(node.depth))"), SQLBind(node.path), SQLBind(now),
                ]
            }
    }

    private static func insertAccounts(
        _ accounts: BenchAccounts, tree: BenchGroupTree, partnerID: UUID, now: Date, on sql: any SQLDatabase
    ) async throws {
        let columns = ["id", "partner_id", "business_uid", "name", "email", "group_id", "secure", "locked", "setup_completed", "created_at", "updated_at"]
        try await BulkInsert(sql: sql, table: Account.schema, columns: columns).run(count: accounts.ids.count) { index in
            [
                SQLBind(accounts.ids[index]), SQLBind(partnerID), SQLBind(Account.newBusinessUID()),
                SQLBind(accounts.names[index]), SQLBind("owner\(index)@bench.invalid"),
                SQLBind(tree.nodes[accounts.groups[index]].id), SQLBind(accounts.secure[index]), SQLBind(accounts.locked[index]),
                SQLBind(accounts.setupCompleted[index]), SQLBind(now), SQLBind(now),
            ]
        }
    }

    private static func insertOperators(
        _ shapes: [VisibilityShape], ids: [UUID], slug: String, partnerID: UUID, now: Date, on sql: any SQLDatabase
    ) async throws {
        let columns = ["id", "partner_id", "email", "name", "phone", "status", "password_hash", "time_zone", "last_login_at", "created_at", "updated_at"]
        try await BulkInsert(sql: sql, table: Operator.schema, columns: columns).run(count: shapes.count) { index in
            [
                SQLBind(ids[index]), SQLBind(partnerID), SQLBind("\(shapes[index].key)@\(slug).invalid"),
                SQLBind(shapes[index].label), SQLLiteral.null, SQLBind(Operator.Status.active.rawValue), SQLLiteral.null,
                SQLBind("UTC"), SQLLiteral.null, SQLBind(now), SQLBind(now),
            ]
        }
    }

    private static func insertGrants(
        _ shapes: [VisibilityShape], operatorIDs: [UUID], partnerID: UUID, now: Date, on sql: any SQLDatabase
    ) async throws {
        let rows = shapes.indices.flatMap { shape in shapes[shape].grants.map { (operatorID: operatorIDs[shape], spec: $0) } }
        try await BulkInsert(sql: sql, table: Grant.schema, columns: ["id", "partner_id", "operator_id", "role", "scope", "scope_id", "created_at"])
            .run(count: rows.count) { index in
                let (kind, scopeID) = stored(rows[index].spec.scope)
                return [
                    SQLBind(UUID()), SQLBind(partnerID), SQLBind(rows[index].operatorID), SQLBind(rows[index].spec.role),
                    SQLBind(kind.rawValue), scopeID.map { SQLBind($0) } ?? SQLLiteral.null, SQLBind(now),
                ]
            }
    }

    private static func insertAssignments(
        _ assignments: [[Int]], operatorIDs: [UUID], accounts: BenchAccounts, partnerID: UUID, on sql: any SQLDatabase
    ) async throws {
        let rows = assignments.indices.flatMap { shape in assignments[shape].map { (operatorID: operatorIDs[shape], account: $0) } }
        try await BulkInsert(sql: sql, table: AccountAssignment.schema, columns: ["id", "partner_id", "account_id", "operator_id"])
            .run(count: rows.count) { index in
                [SQLBind(UUID()), SQLBind(partnerID), SQLBind(accounts.ids[rows[index].account]), SQLBind(rows[index].operatorID)]
            }
    }

    /// A scope as the `grants` table stores it (the inverse of `AccessLoader.scope(of:)`).
    private static func stored(_ scope: Scope) -> (Grant.ScopeKind, UUID?) {
        switch scope {
        case .all: (.all, nil)
        case .group(let id): (.group, id)
        case .account(let id): (.account, id)
        case .assigned: (.assigned, nil)
        }
    }
}

/// Multi-row `INSERT … VALUES (…), (…), …` in statements of at most ~10,000 bound values:
/// well under SQLite's limit of 32,766 variables and PostgreSQL's 65,535 parameters.
struct BulkInsert {
    let sql: any SQLDatabase
    let table: String
    let columns: [String]

    func run(count: Int, row: (Int) -> [any SQLExpression]) async throws {
        let rowsPerStatement = max(1, 10_000 / columns.count)
        for start in stride(from: 0, to: count, by: rowsPerStatement) {
            let insert = sql.insert(into: table).columns(columns)
            for index in start..<min(start + rowsPerStatement, count) { insert.values(row(index)) }
            try await insert.run()
        }
    }
}
