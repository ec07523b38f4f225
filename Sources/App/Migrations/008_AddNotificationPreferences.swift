import Fluent

struct AddNotificationPreferences: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("operators")
            .field("notification_preferences", .string, .required, .sql(.default(NotificationPreferences.default.stored)))
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("operators").deleteField("notification_preferences").update()
    }
}
