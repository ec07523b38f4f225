import Fluent
import SQLKit

/// The client account a message is about (an owner's invite or reset), so that the
/// development mailbox shows it only to operators who may see that account.
struct AddOutboundMessageAccount: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbound_messages").field("account_id", .uuid).update()
        try await database.sql.create(index: "outbound_messages_account_idx").on("outbound_messages").column("account_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "outbound_messages_account_idx").run()
        try await database.schema("outbound_messages").deleteField("account_id").update()
    }
}
