import Fluent
import SQLKit

/// Indexes the list's search ("contains", over name, email, owner, nickname, phone and tags)
/// and its header counts, so neither reads every account of the partner.
///
/// - SQLite: an FTS5 table with the trigram tokenizer (`account_search`), one document per
///   account, kept current by triggers on `accounts` and `account_tags`. Its rowids come from
///   `account_search_keys`, whose INTEGER PRIMARY KEY survives VACUUM (an account's own rowid
///   may not).
/// - PostgreSQL: a trigram GIN index (pg_trgm) on the same text, and one on tags. Where the
///   extension cannot be created (no privilege), search works as before, without the index.
/// - Both: a covering index for the header counts.
struct AddAccountSearchIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = try database.sql
        try await sql.create(index: "accounts_partner_counts_idx").on(Account.schema)
            .column("partner_id").column("created_at").column("last_activity_at").column("group_id").column("secure").column("setup_completed")
            .run()
        switch sql.dialect.name {
        case "sqlite": try await Self.prepareSQLite(sql)
        case "postgresql": try await Self.preparePostgres(sql, logger: database.logger)
        default: break
        }
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql
        switch sql.dialect.name {
        case "sqlite":
            for trigger in ["accounts_search_insert", "accounts_search_update", "accounts_search_delete", "account_tags_search_insert", "account_tags_search_delete"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(ident: trigger)").run()
            }
            try await sql.raw("DROP TABLE IF EXISTS account_search").run()
            try await sql.raw("DROP TABLE IF EXISTS account_search_keys").run()
        case "postgresql":
            try await sql.raw("DROP INDEX IF EXISTS accounts_search_trgm_idx").run()
            try await sql.raw("DROP INDEX IF EXISTS account_tags_tag_trgm_idx").run()
        default: break
        }
        try await sql.drop(index: "accounts_partner_counts_idx").run()
    }

    /// The document of an account: its searchable fields, one per FTS column.
    static let sqliteColumns = ["name", "email", "owner_name", "nickname", "phone", "tags"]

    private static func prepareSQLite(_ sql: any SQLDatabase) async throws {
        try await sql.raw("CREATE TABLE account_search_keys (id INTEGER PRIMARY KEY, account_id NOT NULL UNIQUE)").run()
        try await sql.raw("""
            CREATE VIRTUAL TABLE account_search USING fts5(name, email, owner_name, nickname, phone, tags, tokenize = 'trigram')
            """).run()
        let tagsOf = { (account: String) in
            "COALESCE((SELECT group_concat(tag, char(10)) FROM account_tags WHERE account_id = \(account)), '')"
        }
        let keyOf = { (account: String) in "(SELECT id FROM account_search_keys WHERE account_id = \(account))" }
        // Existing accounts first, then the triggers that keep the index current.
        try await sql.raw("INSERT INTO account_search_keys (account_id) SELECT id FROM accounts").run()
        try await sql.raw(SQLQueryString("""
            INSERT INTO account_search (rowid, name, email, owner_name, nickname, phone, tags)
            SELECT k.id, a.name, a.email, COALESCE(a.owner_name, ''), COALESCE(a.nickname, ''), COALESCE(a.phone, ''), \(unsafeRaw: tagsOf("a.id"))
            FROM accounts a JOIN account_search_keys k ON k.account_id = a.id
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER accounts_search_insert AFTER INSERT ON accounts BEGIN
              INSERT INTO account_search_keys (account_id) VALUES (new.id);
              INSERT INTO account_search (rowid, name, email, owner_name, nickname, phone, tags)
              VALUES (\(unsafeRaw: keyOf("new.id")), new.name, new.email, COALESCE(new.owner_name, ''), COALESCE(new.nickname, ''),
                      COALESCE(new.phone, ''), \(unsafeRaw: tagsOf("new.id")));
            END
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER accounts_search_update AFTER UPDATE OF name, email, owner_name, nickname, phone ON accounts BEGIN
              UPDATE account_search SET name = new.name, email = new.email, owner_name = COALESCE(new.owner_name, ''),
                nickname = COALESCE(new.nickname, ''), phone = COALESCE(new.phone, '')
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

    /// The text the PostgreSQL index covers; `AccountDirectory` searches this very expression.
    static let postgresSearchText = """
        LOWER(name || chr(10) || email || chr(10) || COALESCE(owner_name, '') || chr(10) || COALESCE(nickname, '') || chr(10) || COALESCE(phone, ''))
        """

    private static func preparePostgres(_ sql: any SQLDatabase, logger: Logger) async throws {
        // The extension belongs to the database, not to the portal's schema: it goes in
        // `public` (or stays wherever it already is), and its operator class is named with
        // that schema. Two instances migrating at once may race to create it; the loser finds it.
        func installedSchema() async throws -> String? {
            try await sql.raw("SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")
                .first()?.decode(column: "schema", as: String.self)
        }
        var schema = try await installedSchema()
        if schema == nil {
            do {
                try await sql.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public").run()
            } catch {
                logger.debug("creating pg_trgm failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            schema = try await installedSchema()
        }
        guard let schema else {
            logger.warning("""
                The pg_trgm extension could not be created, so the accounts search runs without its index (slower on large partners). \
                A superuser can add both: CREATE EXTENSION pg_trgm; CREATE INDEX accounts_search_trgm_idx ON accounts \
                USING gin ((\(postgresSearchText)) gin_trgm_ops); CREATE INDEX account_tags_tag_trgm_idx ON account_tags USING gin (tag gin_trgm_ops);
                """)
            return
        }
        let opclass = SQLQueryString("\(ident: schema).gin_trgm_ops")
        try await sql.raw("CREATE INDEX accounts_search_trgm_idx ON accounts USING gin ((\(unsafeRaw: postgresSearchText)) \(opclass))").run()
        try await sql.raw("CREATE INDEX account_tags_tag_trgm_idx ON account_tags USING gin (tag \(opclass))").run()
    }
}
