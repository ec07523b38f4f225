import Fluent
import SQLKit

/// What a signed-in owner or staff member's session needs beside its token: the CSRF token
/// its forms carry, and when it was last used (sessions end after a day without use).
struct AddWorkspaceSessionFields: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds only one at a time.
        try await database.schema("account_user_sessions").field("csrf_token", .string, .required, .sql(.default(""))).update()
        try await database.schema("account_user_sessions").field("last_seen_at", .datetime).update()
        try await database.sql.create(index: "account_user_sessions_token_idx").on("account_user_sessions").column("token_digest").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "account_user_sessions_token_idx").run()
        try await database.schema("account_user_sessions").deleteField("last_seen_at").update()
        try await database.schema("account_user_sessions").deleteField("csrf_token").update()
    }
}
