import Fluent
import Foundation
import SQLKit

/// The list's search in bounded time, whatever the term. Its matches among the partner's
/// accounts are first read through the index, at most `searchCap` + 1 of them:
/// - at most `searchCap`: the page and the header counts are read among those accounts alone,
///   exactly as before;
/// - more: the page walks the order's own index a chunk at a time and keeps the accounts that
///   match (a common term fills a page within the first chunks), and the header counts are not
///   read: the page says "more than 1,000".
/// Terms of three characters or more are read through the trigram index of migration 015;
/// shorter ones through migration 034's (SQLite: the trigrams that begin with the term, from
/// the index's own vocabulary; PostgreSQL: a GIN index of every one- and two-character piece).
/// The matches are the same as those of `AccountDirectory.conditions`.
extension AccountDirectory {
    /// More matches than this are not counted.
    static let searchCap = 1_000
    /// Accounts read per step of a walk through the order's index, and the steps taken before
    /// the rest of the page is read through the search index instead.
    static let walkChunk = 500
    static let walkChunks = 8

    /// A search's matches among the partner's accounts: all of them when there are at most
    /// `cap`, otherwise only that there are more.
    enum SearchMatches: Sendable, Equatable {
        case few(Set<UUID>)
        case many
    }

    /// Nil without a search.
    static func searchMatches(_ filter: Filter, partnerID: UUID, cap: Int = searchCap, on sql: any SQLDatabase) async throws -> SearchMatches? {
        let trimmed = filter.search.trimmingCharacters(in: .whitespaces)
        let needle = trimmed.lowercased()
        guard !needle.isEmpty else { return nil }
        var ids: [UUID] = []
        if let uid = try await sql.select().column("id").from(Account.schema)
            .where("partner_id", .equal, partnerID).where("business_uid", .equal, trimmed).first() {
            ids.append(try uid.decode(column: "id", as: UUID.self))
        }
        let limit = cap + 1
        let found: [UUID]
        switch sql.dialect.name {
        case "sqlite": found = try await sqliteMatches(needle, namesOnly: filter.namesOnly, partnerID: partnerID, limit: limit, on: sql)
        default: found = try await postgresMatches(needle, namesOnly: filter.namesOnly, partnerID: partnerID, limit: limit, on: sql)
        }
        let all = Set(ids + found)
        return all.count > cap ? .many : .few(all)
    }

    /// `%needle%` for LIKE, with its wildcards matched literally.
    static func likePattern(_ needle: String) -> String {
        "%" + needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    /// The names-only search (`nameCondition`) on the accounts row `a`.
    private static func namesCondition(_ needle: String, row: String) -> SQLQueryString {
        let pattern = likePattern(needle)
        return SQLQueryString("""
            (LOWER(\(ident: row).name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(COALESCE(\(ident: row).nickname, '')) LIKE \(bind: pattern) ESCAPE '\\')
            """)
    }

    /// Every searched field of the accounts row `row`, as `searchCondition` reads them without
    /// the index, tags through their own index per row: what a walk tests each account with.
    static func rowCondition(_ needle: String, row: String, dialect: String) -> SQLQueryString {
        let pattern = likePattern(needle)
        let tags = SQLQueryString("""
            EXISTS (SELECT 1 FROM account_tags t WHERE t.account_id = \(ident: row).id AND t.tag LIKE \(bind: pattern) ESCAPE '\\')
            """)
        if dialect == "postgresql" {
            // The indexed text names the columns unqualified: `row` is the query's only `accounts`.
            return SQLQueryString("(\(unsafeRaw: AddAccountSearchIndex.postgresSearchText) LIKE \(bind: pattern) ESCAPE '\\' OR \(tags))")
        }
        return SQLQueryString("""
            (LOWER(\(ident: row).name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(\(ident: row).email) LIKE \(bind: pattern) ESCAPE '\\' \
            OR LOWER(COALESCE(\(ident: row).owner_name, '')) LIKE \(bind: pattern) ESCAPE '\\' \
            OR LOWER(COALESCE(\(ident: row).nickname, '')) LIKE \(bind: pattern) ESCAPE '\\' \
            OR COALESCE(\(ident: row).phone, '') LIKE \(bind: pattern) ESCAPE '\\' OR \(tags))
            """)
    }

    /// Reading row by row gives the index's answer: always in PostgreSQL (whose search is
    /// LIKE), and in SQLite for short terms (read with LIKE there too) and for terms of ASCII
    /// characters alone (the trigram index folds the case of other letters, LIKE does not).
    static func rowConditionIsExact(_ needle: String, dialect: String) -> Bool {
        dialect == "postgresql" || needle.unicodeScalars.count < 3 || needle.unicodeScalars.allSatisfy(\.isASCII)
    }

    private static func sqliteMatches(_ needle: String, namesOnly: Bool, partnerID: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        let match: String
        if needle.unicodeScalars.count >= 3 {
            match = "\"" + needle.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        } else {
            // Every piece of one or two characters begins a trigram (migration 034's padding):
            // the trigrams that begin with the needle, from the index's vocabulary.
            guard let upper = prefixEnd(needle) else { return [] }
            let terms = try await sql.raw("SELECT term FROM account_search_vocab WHERE term >= \(bind: needle) AND term < \(bind: upper)").all()
                .map { try $0.decode(column: "term", as: String.self) }
            guard !terms.isEmpty else { return [] }
            match = terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
        }
        // Short terms are read with LIKE (as before the index); the trigrams find the candidates.
        let exact: SQLQueryString = namesOnly ? namesCondition(needle, row: "a")
            : (needle.unicodeScalars.count < 3 ? rowCondition(needle, row: "a", dialect: "sqlite") : SQLQueryString("1 = 1"))
        return try await sql.raw("""
            SELECT a.id AS id FROM account_search s JOIN account_search_keys k ON k.id = s.rowid JOIN accounts a ON a.id = k.account_id \
            WHERE account_search MATCH \(bind: match) AND a.partner_id = \(bind: partnerID) AND \(exact) LIMIT \(unsafeRaw: String(limit))
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    private static func postgresMatches(_ needle: String, namesOnly: Bool, partnerID: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        let condition: SQLQueryString
        if namesOnly {
            condition = namesCondition(needle, row: "accounts")
        } else if needle.unicodeScalars.count >= 3 {
            let pattern = likePattern(needle)
            condition = SQLQueryString("""
                (\(unsafeRaw: AddAccountSearchIndex.postgresSearchText) LIKE \(bind: pattern) ESCAPE '\\' \
                OR id IN (SELECT t.account_id FROM account_tags t WHERE t.partner_id = \(bind: partnerID) AND t.tag LIKE \(bind: pattern) ESCAPE '\\'))
                """)
        } else {
            condition = SQLQueryString("""
                (portal_short_grams(\(unsafeRaw: AddAccountSearchIndex.postgresSearchText)) @> ARRAY[CAST(\(bind: needle) AS TEXT)] \
                OR id IN (SELECT t.account_id FROM account_tags t WHERE t.partner_id = \(bind: partnerID) \
                AND portal_short_grams(t.tag) @> ARRAY[CAST(\(bind: needle) AS TEXT)]))
                """)
        }
        return try await sql.raw("""
            SELECT id FROM accounts WHERE partner_id = \(bind: partnerID) AND \(condition) LIMIT \(unsafeRaw: String(limit))
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// The first string after every string that begins with `prefix` (its last character
    /// moved on by one), for a range read of the vocabulary; nil past the last character.
    static func prefixEnd(_ prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        guard let last = scalars.popLast() else { return nil }
        var next = last.value + 1
        if (0xD800...0xDFFF).contains(next) { next = 0xE000 }
        guard let scalar = Unicode.Scalar(next) else { return nil }
        scalars.append(scalar)
        return String(String.UnicodeScalarView(scalars))
    }
}
