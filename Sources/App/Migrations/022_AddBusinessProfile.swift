import Fluent

/// What the business page says about a client: a description and its opening hours, which
/// the owner writes in the workspace.
struct AddBusinessProfile: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds only one at a time.
        try await database.schema("accounts").field("description", .string).update()
        try await database.schema("accounts").field("opening_hours", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("accounts").deleteField("opening_hours").update()
        try await database.schema("accounts").deleteField("description").update()
    }
}
