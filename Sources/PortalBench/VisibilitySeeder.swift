import App
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

/// Writes the benchmark's groups, accounts, operators, grants and assignments into an empty
/// partner with multi-row INSERTs in one transaction (seconds instead of minutes through
/// Fluent models), and removes them again. Tables are named as the migrations create them.
enum VisibilitySeeder {
    /// The id of the partner `slug`, which must hold no accounts, groups or operators: the
    /// benchmark removes everything of these kinds in it when it ends.
    static func emptyPartner(slug: String, on db: any Database) async throws -> UUID {
        let sql = try db.sql
        guard let row = try await sql.select().column("id").from("partners").where("slug", .equal, slug).first() else {
            throw BenchFailure("no partner '\(slug)': create one first, e.g. portal partner create --name 'Access benchmark' --slug \(slug) --domain \(slug).localhost")
        }
        let partnerID = try row.decode(column: "id", as: UUID.self)
        for table in ["accounts", "groups", "operators"] {
            let found = try await sql.select().column("id").from(table).where("partner_id", .equal, partnerID).limit(1).first()
            guard found == nil else {
                throw BenchFailure("partner '\(slug)' already has \(table): the benchmark seeds an empty partner and removes what it seeded")
            }
        }
        return partnerID
    }

    static func seed(
        partnerID: UUID, slug: String, tree: BenchGroupTree, accounts: BenchAccounts, shapes: [VisibilityShape],
        using rng: inout BenchRandom, on db: any Database
    ) async throws -> VisibilityDataSet {
        let operatorIDs = shapes.map { _ in UUID() }
        // Assignments are drawn here (not inside the transaction) to keep the generator out of it.
        let assignments = shapes.map { shape in sample(shape.assignments, from: accounts.ids.count, using: &rng) }

        let started = BenchClock.now()
        try await db.transaction { db in
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

    /// Deletes everything the seeder wrote for `partnerID`, children first (the partner stays).
    static func remove(partnerID: UUID, on db: any Database) async throws {
        try await db.transaction { db in
            let sql = try db.sql
            for table in ["account_assignments", "grants", "operators", "accounts", "groups"] {
                try await sql.delete(from: table).where("partner_id", .equal, partnerID).run()
            }
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
        try await BulkInsert(sql: sql, table: "groups", columns: ["id", "partner_id", "parent_id", "name", "path", "created_at"])
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
        try await BulkInsert(sql: sql, table: "accounts", columns: columns).run(count: accounts.ids.count) { index in
            [
                SQLBind(accounts.ids[index]), SQLBind(partnerID), SQLBind(businessUID()),
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
        try await BulkInsert(sql: sql, table: "operators", columns: columns).run(count: shapes.count) { index in
            [
                SQLBind(ids[index]), SQLBind(partnerID), SQLBind("\(shapes[index].key)@\(slug).invalid"),
                SQLBind(shapes[index].label), SQLLiteral.null, SQLBind("active"), SQLLiteral.null,
                SQLBind("UTC"), SQLLiteral.null, SQLBind(now), SQLBind(now),
            ]
        }
    }

    private static func insertGrants(
        _ shapes: [VisibilityShape], operatorIDs: [UUID], partnerID: UUID, now: Date, on sql: any SQLDatabase
    ) async throws {
        let rows = shapes.indices.flatMap { shape in shapes[shape].grants.map { (operatorID: operatorIDs[shape], spec: $0) } }
        try await BulkInsert(sql: sql, table: "grants", columns: ["id", "partner_id", "operator_id", "role", "scope", "scope_id", "created_at"])
            .run(count: rows.count) { index in
                let (kind, scopeID) = stored(rows[index].spec.scope)
                return [
                    SQLBind(UUID()), SQLBind(partnerID), SQLBind(rows[index].operatorID), SQLBind(rows[index].spec.role),
                    SQLBind(kind), scopeID.map { SQLBind($0) } ?? SQLLiteral.null, SQLBind(now),
                ]
            }
    }

    private static func insertAssignments(
        _ assignments: [[Int]], operatorIDs: [UUID], accounts: BenchAccounts, partnerID: UUID, on sql: any SQLDatabase
    ) async throws {
        let rows = assignments.indices.flatMap { shape in assignments[shape].map { (operatorID: operatorIDs[shape], account: $0) } }
        try await BulkInsert(sql: sql, table: "account_assignments", columns: ["id", "partner_id", "account_id", "operator_id"])
            .run(count: rows.count) { index in
                [SQLBind(UUID()), SQLBind(partnerID), SQLBind(accounts.ids[rows[index].account]), SQLBind(rows[index].operatorID)]
            }
    }

    /// A scope as the `grants` table stores it: its kind and the group's or account's id.
    private static func stored(_ scope: Scope) -> (String, UUID?) {
        switch scope {
        case .all: ("all", nil)
        case .group(let id): ("group", id)
        case .account(let id): ("account", id)
        case .assigned: ("assigned", nil)
        }
    }

    /// A Business UID of the portal's form: 12 random bytes, base64url without padding.
    private static func businessUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<12).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
