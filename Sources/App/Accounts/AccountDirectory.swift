import Fluent
import Foundation
import SQLKit

/// The client accounts list (seed 001 §1): the header counts, search, filters, sorting and
/// keyset pages, always inside `AccountVisibility`, so only accounts the operator may view
/// are ever read.
package enum AccountDirectory {
    /// Each account has exactly one status, the first of `precedence` whose own condition
    /// holds: Locked; In setup (setup not complete); New (created in the last 30 days); Active
    /// (activity in the last 30 days); Inactive (the rest). The header counts, the status
    /// filter and each row's label all come from `ownCondition` / `holds`, so a count is
    /// always the number of rows its link lists with that label.
    package enum Status: String, CaseIterable, Sendable {
        case active, new, inactive
        case inSetup = "in-setup"
        case locked

        var title: String {
            switch self {
            case .active: "Active"
            case .new: "New"
            case .inactive: "Inactive"
            case .inSetup: "In setup"
            case .locked: "Locked"
            }
        }

        /// Locked before In setup: a locked account cannot be used, whatever its setup.
        static let precedence: [Status] = [.locked, .inSetup, .new, .active, .inactive]
    }

    enum Sort: String, CaseIterable, Sendable {
        case name, newest, oldest, activity

        var title: String {
            switch self {
            case .name: "Name"
            case .newest: "Newest first"
            case .oldest: "Oldest first"
            case .activity: "Last activity"
            }
        }
    }

    package struct Filter: Sendable, Hashable {
        var search = ""
        var status: Status?
        var locked: Bool?
        var setupCompleted: Bool?
        var secure: Bool?
        var template: Bool?
        var groupID: UUID?
        var mine = false
        /// Accounts carrying this tag.
        var tag: String?
        /// Accounts on this plan; `noPlan` for those without one.
        var plan: String?
        /// Accounts assigned to this operator.
        var operatorID: UUID?
        var sort = Sort.name
        /// Search names, nicknames and Business UIDs only, never contact details: for readers
        /// whose roles cover messages alone (`AccessPolicy.readsAccountDetails`).
        package var namesOnly = false
        /// The search's matches, when they were read first through the index (at most
        /// `searchCap`, `AccountSearch.swift`): the search then reads as these accounts.
        var matchIDs: Set<UUID>? = nil
    }

    package struct Row: Sendable, Equatable {
        let id: UUID
        let businessUID: String
        let name: String
        let email: String
        let nickname: String?
        let groupID: UUID?
        let secure: Bool
        let locked: Bool
        let setupCompleted: Bool
        let isTemplate: Bool
        let createdAt: Date?
        let lastActivityAt: Date?
        var phone: String? = nil
        var ownerName: String? = nil
        var plan: String? = nil
        var staffSlots = 1
    }

    package struct Page: Sendable {
        package let rows: [Row]
        /// Pass as `after` for the next page; nil on the last one.
        let next: UUID?
        /// Pass as `before` for the previous page; nil on the first one.
        var previous: UUID? = nil
    }

    /// Where a page starts, by keyset: the position is an account's own sort values, read
    /// only from an account the operator may view.
    enum Position: Sendable, Equatable {
        case first
        /// The accounts after this one.
        case after(UUID)
        /// The accounts before this one (read in reverse order, then turned round).
        case before(UUID)
        /// The last `size` accounts (reverse order from the end).
        case last(size: Int)
    }

    static let noPlan = "-"
    static let window: TimeInterval = 30 * 86_400
    static let maxSearchLength = 200

    private static let columns = ["id", "business_uid", "name", "email", "nickname", "group_id", "secure", "locked",
                                  "setup_completed", "template", "created_at", "last_activity_at", "phone", "owner_name", "plan", "staff_slots"]

    /// One page in the filter's order, continuing after the account `after` (keyset: the
    /// position is that row's own sort values, so a deep page costs what the first does).
    static func page(_ filter: Filter, for actor: Actor, after: UUID? = nil, limit: Int = 50, now: Date = Date(),
                     on db: any Database) async throws -> Page {
        try await page(filter, for: actor, at: after.map(Position.after) ?? .first, limit: limit, now: now, on: db)
    }

    /// One page at `position`, in the filter's order, with the cursors of its neighbours.
    /// Pages read backwards are read in reverse order and turned round; when fewer than a
    /// page's worth come before `before`, the answer is the first page, so that pages
    /// always line up with the first.
    /// With `walking`, the page walks the order's index and keeps the accounts that meet it
    /// (`walk`): a search with too many matches to read them all first.
    static func page(_ filter: Filter, for actor: Actor, at position: Position, limit: Int = 50, now: Date = Date(),
                     on db: any Database, walking probe: (any SQLExpression)? = nil) async throws -> Page {
        let sql = try db.sql
        func read(_ keyset: Keyset?, reversed: Bool, limit: Int) async throws -> [Row] {
            if let probe { return try await walk(filter, probe: probe, from: keyset, reversed: reversed, limit: limit, for: actor, now: now, on: sql) }
            return try await plainRead(filter, from: keyset, reversed: reversed, limit: limit, for: actor, now: now, on: sql)
        }
        switch position {
        case .first:
            let rows = try await read(nil, reversed: false, limit: limit + 1)
            return Page(rows: Array(rows.prefix(limit)), next: rows.count > limit ? rows[limit - 1].id : nil)
        case .after(let id):
            let rows = try await read(.after(id), reversed: false, limit: limit + 1)
            let shown = Array(rows.prefix(limit))
            return Page(rows: shown, next: rows.count > limit ? rows[limit - 1].id : nil, previous: shown.first?.id)
        case .before(let id):
            let rows = try await read(.before(id), reversed: true, limit: limit + 1)
            guard rows.count > limit else { return try await page(filter, for: actor, at: .first, limit: limit, now: now, on: db, walking: probe) }
            let shown = Array(rows.prefix(limit).reversed())
            return Page(rows: shown, next: shown.last?.id, previous: shown.first?.id)
        case .last(let size):
            let size = min(max(size, 1), limit)
            let rows = try await read(nil, reversed: true, limit: size + 1)
            let shown = Array(rows.prefix(size).reversed())
            return Page(rows: shown, next: nil, previous: rows.count > size ? shown.first?.id : nil)
        }
    }

    private static func plainRead(_ filter: Filter, from keyset: Keyset?, reversed: Bool, limit: Int, for actor: Actor, now: Date,
                                  on sql: any SQLDatabase) async throws -> [Row] {
        var query = sql.select().columns(columns.map { SQLIdentifier($0) }).from(Account.schema)
        for condition in conditions(filter, for: actor, now: now, dialect: sql.dialect.name) {
            query = query.where(condition)
        }
        query = ordered(query, filter.sort, keyset, reversed: reversed, for: actor, sql: sql)
        return try await query.limit(limit).all().map(decode)
    }

    /// Up to `limit` accounts of the filter in its order from `keyset`, read by walking the
    /// order's index without the search, `walkChunk` accounts a step, keeping those that meet
    /// `probe` (the search row by row). After `walkChunks` steps the rest is read through the
    /// search index from where the walk stopped, so the answer is the same either way.
    private static func walk(_ filter: Filter, probe: any SQLExpression, from keyset: Keyset?, reversed: Bool, limit: Int, for actor: Actor,
                             now: Date, on sql: any SQLDatabase) async throws -> [Row] {
        var unsearched = filter
        unsearched.search = ""
        unsearched.matchIDs = nil
        var found: [UUID] = []
        var cursor = keyset
        var finished = false
        for _ in 0..<walkChunks {
            var query = sql.select().column("id").column(SQLQueryString("CASE WHEN \(probe) THEN 1 ELSE 0 END"), as: "hit").from(Account.schema)
            for condition in conditions(unsearched, for: actor, now: now, dialect: sql.dialect.name) { query = query.where(condition) }
            let rows = try await ordered(query, filter.sort, cursor, reversed: reversed, for: actor, sql: sql).limit(walkChunk).all()
            for row in rows {
                guard try row.decode(column: "hit", as: Int.self) == 1 else { continue }
                found.append(try row.decode(column: "id", as: UUID.self))
                if found.count == limit { break }
            }
            guard found.count < limit, rows.count == walkChunk, let last = rows.last else { finished = true; break }
            let id = try last.decode(column: "id", as: UUID.self)
            cursor = reversed ? .before(id) : .after(id)
        }
        var rows: [Row] = []
        if !found.isEmpty {
            var query = sql.select().columns(columns.map { SQLIdentifier($0) }).from(Account.schema)
                .where("partner_id", .equal, actor.partnerID).where("id", .in, found)
            query = query.where(AccountVisibility.condition(for: actor, pathRanges: AccountVisibility.usesByteOrder(sql)))
            let byID = Dictionary(try await query.all().map(decode).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            rows = found.compactMap { byID[$0] }
        }
        if !finished, rows.count < limit {
            rows += try await plainRead(filter, from: cursor, reversed: reversed, limit: limit - rows.count, for: actor, now: now, on: sql)
        }
        return rows
    }

    /// How many accounts the last page holds, so that it lines up with the pages before it.
    static func lastPageSize(total: Int, limit: Int) -> Int {
        total <= 0 ? limit : (total - 1) % limit + 1
    }

    static let csvHeader = ["Business UID", "Name", "Email", "Phone", "Owner", "Nickname", "Group", "Plan", "Staff slots", "Tags",
                            "Status", "Locked", "Setup", "Secure", "Template", "Created", "Last activity"]

    /// Every account of the filter as CSV, in the filter's order, handed to `write` a batch at
    /// a time (keyset pages again), so memory stays the same whatever the number of accounts.
    static func exportCSV(_ filter: Filter, for actor: Actor, batchSize: Int = 1000, now: Date = Date(), on db: any Database,
                          write: (String) async throws -> Void) async throws {
        let groupPaths = try await GroupPaths.load(partnerID: actor.partnerID, on: db)
        let iso = ISO8601DateFormatter()
        try await write(CSV.line(csvHeader))
        var after: UUID? = nil
        repeat {
            let page = try await page(filter, for: actor, after: after, limit: batchSize, now: now, on: db)
            let tags = try await AccountLabels.tags(of: page.rows.map(\.id), partnerID: actor.partnerID, on: db)
            var chunk = ""
            for row in page.rows {
                let status = status(of: row, now: now)
                chunk += CSV.line([
                    row.businessUID, row.name, row.email, row.phone ?? "", row.ownerName ?? "", row.nickname ?? "",
                    groupPaths.label(of: row.groupID) ?? "", row.plan ?? "", String(row.staffSlots), (tags[row.id] ?? []).joined(separator: "; "),
                    status.rawValue, row.locked ? "yes" : "no", row.setupCompleted ? "completed" : "in setup", row.secure ? "yes" : "no",
                    row.isTemplate ? "yes" : "no", row.createdAt.map(iso.string(from:)) ?? "", row.lastActivityAt.map(iso.string(from:)) ?? "",
                ])
            }
            try await write(chunk)
            after = page.next
        } while after != nil
    }

    /// The row's status: the first of `Status.precedence` whose own condition holds.
    static func status(of row: Row, now: Date = Date()) -> Status {
        let newSince = now.addingTimeInterval(-window)
        return Status.precedence.first { holds($0, row, newSince: newSince) } ?? .inactive
    }

    /// Whether the status's own condition holds for the row, in Swift; `ownCondition` is the
    /// same test in SQL, side by side so that the two read as one rule.
    private static func holds(_ status: Status, _ row: Row, newSince: Date) -> Bool {
        switch status {
        case .locked: row.locked
        case .inSetup: !row.setupCompleted
        case .new: row.createdAt.map { $0 >= newSince } ?? false
        case .active: row.lastActivityAt.map { $0 >= newSince } ?? false
        case .inactive: true
        }
    }

    /// `holds` in SQL; never NULL, so that its negation is exact.
    private static func ownCondition(_ status: Status, newSince: Date) -> SQLQueryString {
        switch status {
        case .locked: SQLQueryString("locked = \(bind: true)")
        case .inSetup: SQLQueryString("setup_completed = \(bind: false)")
        case .new: SQLQueryString("(created_at IS NOT NULL AND created_at >= \(bind: newSince))")
        case .active: SQLQueryString("(last_activity_at IS NOT NULL AND last_activity_at >= \(bind: newSince))")
        case .inactive: SQLQueryString("1 = 1")
        }
    }

    /// Accounts whose status is `status`: its own condition, and none of those before it in
    /// `order`.
    static func statusCondition(_ status: Status, newSince: Date, order: [Status] = Status.precedence) -> any SQLExpression {
        let earlier = order.prefix { $0 != status }
        let parts: [any SQLExpression] = earlier.map { SQLQueryString("NOT \(ownCondition($0, newSince: newSince))") }
            + (status == .inactive ? [] : [ownCondition(status, newSince: newSince)])
        return parts.isEmpty ? SQLQueryString("1 = 1") : SQLGroupExpression(SQLKit.SQLList(parts, separator: SQLRaw(" AND ")))
    }

    /// The header: visible accounts by status, under the same filter except its status, in
    /// one COUNT statement. Their sum is the number of accounts the filter lists without a
    /// status. Every account is counted by the statuses after Locked; the locked ones (few,
    /// read through their own index) are counted again and moved to Locked. So the pass over
    /// every account reads only columns of the counts index (migration 015): on 100,000
    /// accounts in SQLite about 24 ms, against 65 ms when `locked` is read from each row.
    package static func counts(_ filter: Filter, for actor: Actor, now: Date = Date(), on db: any Database) async throws -> [Status: Int] {
        let sql = try db.sql
        var unfiltered = filter
        unfiltered.status = nil
        let newSince = now.addingTimeInterval(-window)
        let unlocked = Status.precedence.filter { $0 != .locked }
        let summed = unlocked.filter { $0 != .inactive }
        let conditions = conditions(unfiltered, for: actor, now: now, dialect: sql.dialect.name)
        func part<Builder: SQLSubqueryClauseBuilder>(_ name: String, _ query: Builder, lockedOnly: Bool) -> Builder {
            var query = query.column(SQLQueryString("\(literal: name)"), as: "part")
                .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            for status in summed {
                query = query.column(SQLQueryString("SUM(CASE WHEN \(statusCondition(status, newSince: newSince, order: unlocked)) THEN 1 ELSE 0 END)"),
                                     as: status.rawValue)
            }
            query = query.from(Account.schema)
            for condition in conditions { query = query.where(condition) }
            return lockedOnly ? query.where(ownCondition(.locked, newSince: newSince)) : query
        }
        let rows = try await part("all", sql.select(), lockedOnly: false)
            .union(all: { part("locked", $0, lockedOnly: true) })
            .all()
        var all: [Status: Int] = [:], locked: [Status: Int] = [:]
        for row in rows {
            var sums: [Status: Int] = [:]
            let total = try row.decode(column: "n", as: Int.self)
            for status in summed { sums[status] = try row.decode(column: status.rawValue, as: Int?.self) ?? 0 }
            sums[.inactive] = total - summed.reduce(0) { $0 + (sums[$1] ?? 0) }
            sums[.locked] = total
            if try row.decode(column: "part", as: String.self) == "locked" { locked = sums } else { all = sums }
        }
        var counts: [Status: Int] = [.locked: locked[.locked] ?? 0]
        for status in unlocked { counts[status] = (all[status] ?? 0) - (locked[status] ?? 0) }
        return counts
    }

    /// How many accounts the filter lists, from its header counts.
    static func total(_ filter: Filter, counts: [Status: Int]) -> Int {
        filter.status.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
    }

    private enum Keyset {
        case after(UUID)
        case before(UUID)
    }

    private static func orderKeys(_ sort: Sort) -> ([String], SQLDirection) {
        switch sort {
        case .name: (["name", "id"], .ascending)
        case .newest, .activity: (["created_at", "id"], .descending)
        case .oldest: (["created_at", "id"], .ascending)
        }
    }

    /// Orders the query by `sort` (or its reverse) and keeps what comes after or before the
    /// keyset's account in that order. The position is read only from an account the
    /// operator may view. Last activity puts accounts that never had any at the end.
    private static func ordered(_ query: SQLSelectBuilder, _ sort: Sort, _ keyset: Keyset?, reversed: Bool, for actor: Actor,
                                sql: any SQLDatabase) -> SQLSelectBuilder {
        let visible = AccountVisibility.condition(for: actor, pathRanges: AccountVisibility.usesByteOrder(sql))
        if sort == .activity {
            switch keyset {
            case .after(let id)?:
                let at = SQLQueryString("(SELECT last_activity_at FROM accounts WHERE id = \(bind: id) AND \(visible))")
                query.where(SQLQueryString("""
                    (CASE WHEN \(at) IS NULL THEN (last_activity_at IS NULL AND id < \(bind: id)) \
                    ELSE (last_activity_at IS NULL OR last_activity_at < \(at) OR (last_activity_at = \(at) AND id < \(bind: id))) END)
                    """))
                // An account the operator may not view is no position at all.
                query.where(SQLQueryString("EXISTS (SELECT 1 FROM accounts WHERE id = \(bind: id) AND \(visible))"))
            case .before(let id)?:
                let at = SQLQueryString("(SELECT last_activity_at FROM accounts WHERE id = \(bind: id) AND \(visible))")
                query.where(SQLQueryString("""
                    (CASE WHEN \(at) IS NULL THEN (last_activity_at IS NOT NULL OR id > \(bind: id)) \
                    ELSE (last_activity_at > \(at) OR (last_activity_at = \(at) AND id > \(bind: id))) END)
                    """))
                query.where(SQLQueryString("EXISTS (SELECT 1 FROM accounts WHERE id = \(bind: id) AND \(visible))"))
            case nil:
                break
            }
            return reversed
                ? query.orderBy(SQLQueryString("last_activity_at ASC NULLS FIRST")).orderBy("id", .ascending)
                : query.orderBy(SQLQueryString("last_activity_at DESC NULLS LAST")).orderBy("id", .descending)
        }
        let (keys, forward) = orderKeys(sort)
        let direction: SQLDirection = reversed ? (forward == .ascending ? .descending : .ascending) : forward
        let columns = keys.joined(separator: ", ")
        switch keyset {
        case .after(let id)?:
            let position = SQLQueryString("(SELECT \(unsafeRaw: columns) FROM accounts WHERE id = \(bind: id) AND \(visible))")
            query.where(SQLQueryString("(\(unsafeRaw: columns)) \(unsafeRaw: forward == .ascending ? ">" : "<") \(position)"))
        case .before(let id)?:
            let position = SQLQueryString("(SELECT \(unsafeRaw: columns) FROM accounts WHERE id = \(bind: id) AND \(visible))")
            query.where(SQLQueryString("(\(unsafeRaw: columns)) \(unsafeRaw: forward == .ascending ? "<" : ">") \(position)"))
        case nil:
            break
        }
        for key in keys { query.orderBy(SQLIdentifier(key), direction) }
        return query
    }

    static func conditions(_ filter: Filter, for actor: Actor, now: Date, dialect: String) -> [any SQLExpression] {
        var parts: [any SQLExpression] = [AccountVisibility.condition(for: actor, pathRanges: dialect == "sqlite")]
        let newSince = now.addingTimeInterval(-window)
        if let status = filter.status { parts.append(statusCondition(status, newSince: newSince)) }
        if let locked = filter.locked { parts.append(SQLQueryString("locked = \(bind: locked)")) }
        if let done = filter.setupCompleted { parts.append(SQLQueryString("setup_completed = \(bind: done)")) }
        if let secure = filter.secure { parts.append(SQLQueryString("secure = \(bind: secure)")) }
        if let template = filter.template { parts.append(SQLQueryString("template = \(bind: template)")) }
        if let groupID = filter.groupID {
            parts.append(SQLQueryString("""
                group_id IN (SELECT g.id FROM groups g, groups root WHERE root.id = \(bind: groupID) \
                AND root.partner_id = \(bind: actor.partnerID) AND g.partner_id = \(bind: actor.partnerID) \
                AND g.path LIKE root.path || '%')
                """))
        }
        if let tag = filter.tag.flatMap(AccountLabels.normalizeTag) {
            parts.append(SQLQueryString("id IN (SELECT t.account_id FROM account_tags t WHERE t.partner_id = \(bind: actor.partnerID) AND t.tag = \(bind: tag))"))
        }
        if let plan = filter.plan {
            parts.append(plan == noPlan ? SQLQueryString("plan IS NULL") : SQLQueryString("plan = \(bind: plan)"))
        }
        if let operatorID = filter.operatorID {
            parts.append(SQLQueryString("""
                id IN (SELECT a.account_id FROM account_assignments a WHERE a.operator_id = \(bind: operatorID) \
                AND a.partner_id = \(bind: actor.partnerID))
                """))
        }
        if filter.mine {
            parts.append(SQLQueryString("id IN (SELECT a.account_id FROM account_assignments a WHERE a.operator_id = \(bind: actor.operatorID))"))
        }
        if let ids = filter.matchIDs, !filter.search.trimmingCharacters(in: .whitespaces).isEmpty {
            parts.append(ids.isEmpty ? SQLQueryString("1 = 0") : SQLQueryString("id IN \(SQLGroupExpression(ids.sorted { $0.uuidString < $1.uuidString }.map { SQLBind($0) }))"))
        } else if filter.namesOnly {
            if let search = nameCondition(filter.search) { parts.append(search) }
        } else if let search = searchCondition(filter.search, partnerID: actor.partnerID, dialect: dialect) {
            parts.append(search)
        }
        return parts
    }

    /// "Contains" over name, email, owner, nickname, phone and tags (case-insensitive), or the
    /// exact Business UID. Three characters or more use the trigram index of migration 015
    /// (SQLite's FTS5 table; PostgreSQL's pg_trgm index on the same text); shorter ones read
    /// the rows.
    /// "Contains" over the name and nickname, or the exact Business UID.
    static func nameCondition(_ raw: String) -> (any SQLExpression)? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let needle = trimmed.lowercased()
        guard !needle.isEmpty else { return nil }
        let pattern = "%" + needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        return SQLQueryString("""
            (LOWER(name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(COALESCE(nickname, '')) LIKE \(bind: pattern) ESCAPE '\\' \
            OR business_uid = \(bind: trimmed))
            """)
    }

    static func searchCondition(_ raw: String, partnerID: UUID, dialect: String) -> (any SQLExpression)? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let needle = trimmed.lowercased()
        guard !needle.isEmpty else { return nil }
        if dialect == "sqlite", needle.unicodeScalars.count >= 3 {
            // An FTS5 phrase: the needle's trigrams in a row, in any one column.
            let phrase = "\"" + needle.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            return SQLQueryString("""
                (id IN (SELECT k.account_id FROM account_search s JOIN account_search_keys k ON k.id = s.rowid \
                WHERE account_search MATCH \(bind: phrase)) OR business_uid = \(bind: trimmed))
                """)
        }
        let pattern = "%" + needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let tags = SQLQueryString("id IN (SELECT t.account_id FROM account_tags t WHERE t.partner_id = \(bind: partnerID) AND t.tag LIKE \(bind: pattern) ESCAPE '\\')")
        if dialect == "postgresql" {
            return SQLQueryString("""
                (\(unsafeRaw: AddAccountSearchIndex.postgresSearchText) LIKE \(bind: pattern) ESCAPE '\\' \
                OR business_uid = \(bind: trimmed) OR \(tags))
                """)
        }
        return SQLQueryString("""
            (LOWER(name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(email) LIKE \(bind: pattern) ESCAPE '\\' \
            OR LOWER(COALESCE(owner_name, '')) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(COALESCE(nickname, '')) LIKE \(bind: pattern) ESCAPE '\\' \
            OR COALESCE(phone, '') LIKE \(bind: pattern) ESCAPE '\\' OR business_uid = \(bind: trimmed) OR \(tags))
            """)
    }

    private static func decode(_ row: any SQLRow) throws -> Row {
        // A column that may be null is asked about first and then read as its own type: the
        // drivers read String, Bool, Int and Date directly, an Optional through a slower
        // generic decoder (50 rows × 16 columns on every list page).
        func optional<Value: Decodable>(_ column: String, _ type: Value.Type) throws -> Value? {
            try row.decodeNil(column: column) ? nil : row.decode(column: column, as: Value.self)
        }
        return Row(id: try row.decode(column: "id", as: UUID.self), businessUID: try row.decode(column: "business_uid", as: String.self),
            name: try row.decode(column: "name", as: String.self), email: try row.decode(column: "email", as: String.self),
            nickname: try optional("nickname", String.self), groupID: try optional("group_id", UUID.self),
            secure: try row.decode(column: "secure", as: Bool.self), locked: try row.decode(column: "locked", as: Bool.self),
            setupCompleted: try row.decode(column: "setup_completed", as: Bool.self), isTemplate: try row.decode(column: "template", as: Bool.self),
            createdAt: try optional("created_at", Date.self), lastActivityAt: try optional("last_activity_at", Date.self),
            phone: try optional("phone", String.self), ownerName: try optional("owner_name", String.self),
            plan: try optional("plan", String.self), staffSlots: try row.decode(column: "staff_slots", as: Int.self))
    }
}
