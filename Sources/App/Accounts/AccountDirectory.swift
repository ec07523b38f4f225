import Fluent
import Foundation
import SQLKit

/// The client accounts list (seed 001 §1): the header counts, search, filters, sorting and
/// keyset pages, always inside `AccountVisibility`, so only accounts the operator may view
/// are ever read.
enum AccountDirectory {
    /// New: created in the last 30 days. Active: not new, with activity in the last 30 days.
    /// Inactive: the rest.
    enum Status: String, CaseIterable, Sendable {
        case active, new, inactive

        var title: String { rawValue.capitalized }
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

    struct Filter: Sendable, Hashable {
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
        var namesOnly = false
    }

    struct Row: Sendable, Equatable {
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

    struct Page: Sendable {
        let rows: [Row]
        /// Pass as `after` for the next page; nil on the last one.
        let next: UUID?
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
        let sql = try db.sql
        var query = sql.select().columns(columns.map { SQLIdentifier($0) }).from(Account.schema)
        for condition in conditions(filter, for: actor, now: now, dialect: sql.dialect.name) {
            query = query.where(condition)
        }
        query = ordered(query, filter.sort, after: after, for: actor, sql: sql)
        let rows = try await query.limit(limit + 1).all().map(decode)
        return Page(rows: Array(rows.prefix(limit)), next: rows.count > limit ? rows[limit - 1].id : nil)
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

    static func status(of row: Row, now: Date = Date()) -> Status {
        let newSince = now.addingTimeInterval(-window)
        if let created = row.createdAt, created >= newSince { return .new }
        if let last = row.lastActivityAt, last >= newSince { return .active }
        return .inactive
    }

    /// The header: visible accounts by status, under the same filter except its status.
    static func counts(_ filter: Filter, for actor: Actor, now: Date = Date(), on db: any Database) async throws -> [Status: Int] {
        let sql = try db.sql
        var unfiltered = filter
        unfiltered.status = nil
        let newSince = now.addingTimeInterval(-window)
        var query = sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .column(SQLQueryString("SUM(CASE WHEN created_at >= \(bind: newSince) THEN 1 ELSE 0 END)"), as: "new")
            .column(SQLQueryString("SUM(CASE WHEN created_at < \(bind: newSince) AND last_activity_at >= \(bind: newSince) THEN 1 ELSE 0 END)"), as: "active")
            .from(Account.schema)
        for condition in conditions(unfiltered, for: actor, now: now, dialect: sql.dialect.name) {
            query = query.where(condition)
        }
        guard let row = try await query.first() else { return [:] }
        let total = try row.decode(column: "total", as: Int.self)
        let new = try row.decode(column: "new", as: Int?.self) ?? 0
        let active = try row.decode(column: "active", as: Int?.self) ?? 0
        return [.new: new, .active: active, .inactive: total - new - active]
    }

    private static func orderKeys(_ sort: Sort) -> ([String], SQLDirection) {
        switch sort {
        case .name: (["name", "id"], .ascending)
        case .newest, .activity: (["created_at", "id"], .descending)
        case .oldest: (["created_at", "id"], .ascending)
        }
    }

    /// Orders the query by `sort` and, with `after`, keeps what comes after that account. The
    /// position is read only from an account the operator may view. Last activity puts
    /// accounts that never had any at the end.
    private static func ordered(_ query: SQLSelectBuilder, _ sort: Sort, after: UUID?, for actor: Actor, sql: any SQLDatabase) -> SQLSelectBuilder {
        let visible = AccountVisibility.condition(for: actor, pathRanges: AccountVisibility.usesByteOrder(sql))
        if sort == .activity {
            if let after {
                let at = SQLQueryString("(SELECT last_activity_at FROM accounts WHERE id = \(bind: after) AND \(visible))")
                query.where(SQLQueryString("""
                    (CASE WHEN \(at) IS NULL THEN (last_activity_at IS NULL AND id < \(bind: after)) \
                    ELSE (last_activity_at IS NULL OR last_activity_at < \(at) OR (last_activity_at = \(at) AND id < \(bind: after))) END)
                    """))
            }
            return query.orderBy(SQLQueryString("last_activity_at DESC NULLS LAST")).orderBy("id", .descending)
        }
        let (keys, direction) = orderKeys(sort)
        if let after {
            let position = SQLQueryString("(SELECT \(unsafeRaw: keys.joined(separator: ", ")) FROM accounts WHERE id = \(bind: after) AND \(visible))")
            query.where(SQLQueryString("(\(unsafeRaw: keys.joined(separator: ", "))) \(unsafeRaw: direction == .ascending ? ">" : "<") \(position)"))
        }
        for key in keys { query.orderBy(SQLIdentifier(key), direction) }
        return query
    }

    static func conditions(_ filter: Filter, for actor: Actor, now: Date, dialect: String) -> [any SQLExpression] {
        var parts: [any SQLExpression] = [AccountVisibility.condition(for: actor, pathRanges: dialect == "sqlite")]
        let newSince = now.addingTimeInterval(-window)
        switch filter.status {
        case .new?: parts.append(SQLQueryString("created_at >= \(bind: newSince)"))
        case .active?: parts.append(SQLQueryString("created_at < \(bind: newSince) AND last_activity_at >= \(bind: newSince)"))
        case .inactive?: parts.append(SQLQueryString("created_at < \(bind: newSince) AND (last_activity_at IS NULL OR last_activity_at < \(bind: newSince))"))
        case nil: break
        }
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
        if filter.namesOnly {
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
    private static func nameCondition(_ raw: String) -> (any SQLExpression)? {
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

    private static func searchCondition(_ raw: String, partnerID: UUID, dialect: String) -> (any SQLExpression)? {
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
        Row(id: try row.decode(column: "id", as: UUID.self), businessUID: try row.decode(column: "business_uid", as: String.self),
            name: try row.decode(column: "name", as: String.self), email: try row.decode(column: "email", as: String.self),
            nickname: try row.decode(column: "nickname", as: String?.self), groupID: try row.decode(column: "group_id", as: UUID?.self),
            secure: try row.decode(column: "secure", as: Bool.self), locked: try row.decode(column: "locked", as: Bool.self),
            setupCompleted: try row.decode(column: "setup_completed", as: Bool.self), isTemplate: try row.decode(column: "template", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Date?.self), lastActivityAt: try row.decode(column: "last_activity_at", as: Date?.self),
            phone: try row.decode(column: "phone", as: String?.self), ownerName: try row.decode(column: "owner_name", as: String?.self),
            plan: try row.decode(column: "plan", as: String?.self), staffSlots: try row.decode(column: "staff_slots", as: Int.self))
    }
}
