import Fluent

/// The notice a page shows once after a form succeeded ("Saved."), kept with the session
/// instead of in the query string, where anyone could write one into a link.
struct CreateFlashNotices: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("flash_notices")
            .field("session_id", .uuid, .identifier(auto: false), .references("sessions", "id", onDelete: .cascade))
            .field("text", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("flash_notices").delete()
    }
}
