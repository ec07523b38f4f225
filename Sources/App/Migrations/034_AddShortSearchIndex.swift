import Fluent
import SQLKit

/// Lets searches of one or two characters use an index instead of reading every account.
///
/// - SQLite: the search table of migration 015 again, with two line breaks after each column
///   (a search never holds one), so that every one- or two-character piece of the text begins
///   one of its trigrams: a short search is the trigrams that begin with it, read from the
///   index's own vocabulary by prefix.
/// - PostgreSQL: `portal_short_grams`, the distinct one- and two-character pieces of a text,
///   and GIN indexes on it over the same text as migration 015's trigram index and over tags.
struct AddShortSearchIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = try database.sql
        switch sql.dialect.name {
        case "sqlite": try await Self.rebuildSQLite(sql, padded: true)
        case "postgresql":
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION portal_short_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                  SELECT COALESCE(array_agg(DISTINCT g), '{}'::text[]) FROM (
                    SELECT substr($1, i, 1) AS g FROM generate_series(1, char_length($1)) AS i
                    UNION ALL SELECT substr($1, i, 2) FROM generate_series(1, char_length($1) - 1) AS i
                  ) AS grams WHERE strpos(g, chr(10)) = 0
                $$
                """).run()
            try await sql.raw("""
                CREATE INDEX accounts_search_grams_idx ON accounts USING gin (portal_short_grams(\(unsafeRaw: AddAccountSearchIndex.postgresSearchText)))
                """).run()
            try await sql.raw("CREATE INDEX account_tags_grams_idx ON account_tags USING gin (portal_short_grams(tag))").run()
        default: break
        }
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql
        switch sql.dialect.name {
        case "sqlite": try await Self.rebuildSQLite(sql, padded: false)
        case "postgresql":
            try await sql.raw("DROP INDEX IF EXISTS accounts_search_grams_idx").run()
            try await sql.raw("DROP INDEX IF EXISTS account_tags_grams_idx").run()
            try await sql.raw("DROP FUNCTION IF EXISTS portal_short_grams(text)").run()
        default: break
        }
    }

    /// What follows each column of the SQLite search table.
    static let sqlitePadding = "char(10) || char(10)"

    /// The search table and its triggers, filled from the accounts again, with or without the
    /// padding (without it, exactly as migration 015 made them).
    private static func rebuildSQLite(_ sql: any SQLDatabase, padded: Bool) async throws {
        let pad = { (value: String) in padded ? "\(value) || \(sqlitePadding)" : value }
        let tagsOf = { (account: String) in
            pad("COALESCE((SELECT group_concat(tag, char(10)) FROM account_tags WHERE account_id = \(account)), '')")
        }
        let keyOf = { (account: String) in "(SELECT id FROM account_search_keys WHERE account_id = \(account))" }
        let values = { (row: String) in
            [pad("\(row).name"), pad("\(row).email"), pad("COALESCE(\(row).owner_name, '')"), pad("COALESCE(\(row).nickname, '')"),
             pad("COALESCE(\(row).phone, '')")].joined(separator: ", ")
        }
        for trigger in ["accounts_search_insert", "accounts_search_update", "accounts_search_delete", "account_tags_search_insert", "account_tags_search_delete"] {
            try await sql.raw("DROP TRIGGER IF EXISTS \(ident: trigger)").run()
        }
        try await sql.raw("DROP TABLE IF EXISTS account_search_vocab").run()
        try await sql.raw("DROP TABLE IF EXISTS account_search").run()
        try await sql.raw("""
            CREATE VIRTUAL TABLE account_search USING fts5(name, email, owner_name, nickname, phone, tags, tokenize = 'trigram')
            """).run()
        if padded {
            // The index's terms, read by prefix.
            try await sql.raw("CREATE VIRTUAL TABLE account_search_vocab USING fts5vocab(account_search, 'row')").run()
        }
        try await sql.raw(SQLQueryString("""
            INSERT INTO account_search (rowid, name, email, owner_name, nickname, phone, tags)
            SELECT k.id, \(unsafeRaw: values("a")), \(unsafeRaw: tagsOf("a.id"))
            FROM accounts a JOIN account_search_keys k ON k.account_id = a.id
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER accounts_search_insert AFTER INSERT ON accounts BEGIN
              INSERT INTO account_search_keys (account_id) VALUES (new.id);
              INSERT INTO account_search (rowid, name, email, owner_name, nickname, phone, tags)
              VALUES (\(unsafeRaw: keyOf("new.id")), \(unsafeRaw: values("new")), \(unsafeRaw: tagsOf("new.id")));
            END
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER accounts_search_update AFTER UPDATE OF name, email, owner_name, nickname, phone ON accounts BEGIN
              UPDATE account_search SET name = \(unsafeRaw: pad("new.name")), email = \(unsafeRaw: pad("new.email")),
                owner_name = \(unsafeRaw: pad("COALESCE(new.owner_name, '')")), nickname = \(unsafeRaw: pad("COALESCE(new.nickname, '')")),
                phone = \(unsafeRaw: pad("COALESCE(new.phone, '')"))
              WHERE rowid = \(unsafeRaw: keyOf("new.id"));
            END
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER accounts_search_delete AFTER DELETE ON accounts BEGIN
              DELETE FROM account_search WHERE rowid = \(unsafeRaw: keyOf("old.id"));
              DELETE FROM account_search_keys WHERE account_id = old.id;
            END
            """)).run()
        for (event, row) in [("INSERT", "new"), ("DELETE", "old")] {
            try await sql.raw(SQLQueryString("""
                CREATE TRIGGER \(unsafeRaw: "account_tags_search_" + event.lowercased()) AFTER \(unsafeRaw: event) ON account_tags BEGIN
                  UPDATE account_search SET tags = \(unsafeRaw: tagsOf(row + ".account_id"))
                  WHERE rowid = \(unsafeRaw: keyOf(row + ".account_id"));
                END
                """)).run()
        }
    }
}
