import Fluent
import SQLKit

/// The tags of given accounts, found by the accounts: with only (partner_id, tag) and
/// (account_id, tag) to choose from, SQLite read every tag of the partner to find those of the
/// 50 accounts on a list page (or a batch of an import), since the query also names the partner.
struct AddAccountTagsAccountIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.create(index: "account_tags_partner_account_idx").on("account_tags")
            .column("partner_id").column("account_id").column("tag").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "account_tags_partner_account_idx").run()
    }
}
