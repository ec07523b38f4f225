import Fluent

/// The services a client offers for booking (one a line), which its business page's booking
/// form offers and a template can push.
struct AddAccountServices: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("accounts").field("services", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("accounts").deleteField("services").update()
    }
}
