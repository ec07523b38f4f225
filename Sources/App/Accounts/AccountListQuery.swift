import Fluent
import Foundation
import SQLKit

/// The accounts list's address read as a filter, a page and the values that are not valid.
/// A value that is not valid is never dropped silently: it is kept as typed, with a message
/// for the control it belongs to, and the other values stay in force.
package struct AccountListQuery: Sendable, Equatable {
    /// Which page of the filtered list.
    enum Cursor: Sendable, Equatable {
        case first
        case after(UUID)
        case before(UUID)
        case last
    }

    /// The values the list's choices may take, to refuse a group, plan or operator that is
    /// not among them. Nil skips those checks (the CSV export and the bulk form, which do not
    /// load the choices).
    package struct Choices: Sendable {
        var groupIDs: Set<UUID>
        var plans: Set<String>
        var operatorIDs: Set<UUID>
    }

    /// Every parameter of the list's filter, in the order chips and links show them.
    static let filterKeys = ["q", "status", "locked", "setup", "secure", "template", "group", "mine", "tag", "plan", "operator"]
    static let keys = filterKeys + ["sort", "after", "before", "page", "start"]

    package var filter = AccountDirectory.Filter()
    var cursor = Cursor.first
    /// The position of the page's first account (1-based) carried by the page links; the
    /// list checks it against the page's own edges.
    var start: Int?
    /// A message for each parameter whose value is not valid.
    var errors: [String: String] = [:]
    /// Those values as typed, to show them back and keep them in the links.
    var rejected: [String: String] = [:]

    package var isValid: Bool { errors.isEmpty }

    package static func parse(_ values: [String: String], choices: Choices?) -> AccountListQuery {
        var query = AccountListQuery()
        func text(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        func reject(_ key: String, _ message: String) {
            query.errors[key] = message
            query.rejected[key] = values[key] ?? ""
        }
        func flag(_ key: String, _ message: String) -> Bool? {
            guard let raw = text(key) else { return nil }
            guard let value = ["yes": true, "no": false][raw] else { reject(key, message); return nil }
            return value
        }
        func uuid(_ key: String, among known: Set<UUID>?, _ message: String) -> UUID? {
            guard let raw = text(key) else { return nil }
            guard let id = UUID(uuidString: raw), known?.contains(id) ?? true else { reject(key, message); return nil }
            return id
        }

        if let search = text("q") {
            if search.unicodeScalars.count > AccountDirectory.maxSearchLength {
                reject("q", "Use at most \(AccountDirectory.maxSearchLength) characters.")
            } else if DisplayText.hasControl(search) {
                reject("q", "Remove the control characters.")
            } else {
                query.filter.search = search
            }
        }
        if let raw = text("status") {
            if let status = AccountDirectory.Status(rawValue: raw) { query.filter.status = status } else {
                reject("status", "Choose a status from the list.")
            }
        }
        query.filter.locked = flag("locked", "Choose Locked or Not locked.")
        query.filter.setupCompleted = flag("setup", "Choose Set up or In setup.")
        query.filter.secure = flag("secure", "Choose Secure or Not secure.")
        query.filter.template = flag("template", "Choose Templates or Not templates.")
        query.filter.groupID = uuid("group", among: choices?.groupIDs, "Choose a group from the list.")
        if let raw = text("mine") {
            if raw == "1" { query.filter.mine = true } else { reject("mine", "Tick or clear My Accounts.") }
        }
        if let raw = text("tag") {
            if AccountLabels.normalizeTag(raw) != nil { query.filter.tag = raw } else {
                reject("tag", "Use 1 to \(AccountLabels.maxTagLength) letters, digits, spaces, hyphens or underscores.")
            }
        }
        if let raw = text("plan") {
            let known = raw == AccountDirectory.noPlan || (choices?.plans.contains(raw) ?? (raw.unicodeScalars.count <= 100))
            if known { query.filter.plan = raw } else { reject("plan", "Choose a plan from the list.") }
        }
        query.filter.operatorID = uuid("operator", among: choices?.operatorIDs, "Choose an operator from the list.")
        if let raw = text("sort") {
            if let sort = AccountDirectory.Sort(rawValue: raw) { query.filter.sort = sort } else {
                reject("sort", "Choose an order from the list.")
            }
        }

        // A cursor that is not an account's id reads as the first page: it only ever comes
        // from a page link, so there is nothing to correct next to a control.
        if text("page") == "last" {
            query.cursor = .last
        } else if let id = text("before").flatMap(UUID.init(uuidString:)) {
            query.cursor = .before(id)
        } else if let id = text("after").flatMap(UUID.init(uuidString:)) {
            query.cursor = .after(id)
        }
        query.start = text("start").flatMap { Int($0) }.flatMap { (1...10_000_000).contains($0) ? $0 : nil }
        return query
    }

    /// The position of a page's first account: 1 on the first page, the end of the list on
    /// the last, otherwise the position the link carried, kept inside the page's own edges
    /// (there are accounts before it, and after it when there is a next page). Nil for a
    /// page in the middle reached without one (an address typed by hand).
    static func start(carried: Int?, rows: Int, total: Int, hasPrevious: Bool, hasNext: Bool) -> Int? {
        guard hasPrevious, rows > 0 else { return 1 }
        guard hasNext else { return max(total - rows + 1, 2) }
        guard let carried else { return nil }
        return min(max(carried, 2), max(total - rows, 2))
    }
}

extension AccountDirectory {
    /// One page of the list as the address asks for it, with its header counts, total and
    /// position; nothing is read while a filter value is not valid.
    package struct Listing: Sendable {
        var counts: [Status: Int] = [:]
        package var page = Page(rows: [], next: nil)
        /// Nil while a filter value is not valid, and for a search with more than `moreThan` matches.
        var total: Int?
        var start: Int?
        /// Set when the search has more matches than this, and none were counted.
        var moreThan: Int? = nil
    }

    /// `counts` reads the header counts of a filter (the caller's cache in front of `counts`).
    /// A search reads its matches through the index first (`searchMatches`): with more than
    /// `searchCap`, its page is read by walking the order's index and nothing is counted.
    package static func listing(_ query: AccountListQuery, for actor: Actor, limit: Int, now: Date, on db: any Database,
                        searchCap cap: Int = searchCap, counts: (Filter) async throws -> [Status: Int]) async throws -> Listing {
        guard query.isValid else { return Listing() }
        let sql = try db.sql
        var filter = query.filter
        switch try await searchMatches(filter, partnerID: actor.partnerID, cap: cap, on: sql) {
        case .few(let ids)?:
            filter.matchIDs = ids
        case .many?:
            let needle = filter.search.trimmingCharacters(in: .whitespaces).lowercased()
            let dialect = sql.dialect.name
            // Each account of the walk is tested row by row where that reads as the index does;
            // otherwise against the search index's own condition.
            let probe: any SQLExpression
            if filter.namesOnly {
                probe = nameCondition(filter.search) ?? SQLQueryString("1 = 1")
            } else if rowConditionIsExact(needle, dialect: dialect) {
                let uid = filter.search.trimmingCharacters(in: .whitespaces)
                probe = SQLQueryString("(\(rowCondition(needle, row: Account.schema, dialect: dialect)) OR business_uid = \(bind: uid))")
            } else {
                probe = searchCondition(filter.search, partnerID: actor.partnerID, dialect: dialect) ?? SQLQueryString("1 = 1")
            }
            let position: Position = switch query.cursor {
            case .first: .first
            case .after(let id): .after(id)
            case .before(let id): .before(id)
            case .last: .last(size: limit)
            }
            let page = try await page(filter, for: actor, at: position, limit: limit, now: now, on: db, walking: probe)
            let start: Int? = page.previous == nil ? 1 : (page.next == nil ? nil : query.start.map { max($0, 2) })
            return Listing(page: page, total: nil, start: start, moreThan: cap)
        case nil:
            break
        }
        let counts = try await counts(filter)
        let total = total(filter, counts: counts)
        let position: Position = switch query.cursor {
        case .first: .first
        case .after(let id): .after(id)
        case .before(let id): .before(id)
        case .last: .last(size: lastPageSize(total: total, limit: limit))
        }
        let page = try await page(filter, for: actor, at: position, limit: limit, now: now, on: db)
        let start = AccountListQuery.start(carried: query.start, rows: page.rows.count, total: total,
                                           hasPrevious: page.previous != nil, hasNext: page.next != nil)
        return Listing(counts: counts, page: page, total: total, start: start)
    }
}
