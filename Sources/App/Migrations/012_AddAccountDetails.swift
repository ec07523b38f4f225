import Fluent
import SQLKit

/// What the accounts list and the account page show beyond the access model: contact and
/// owner, nickname, plan and staff slots, template and send-links flags, last activity.
struct AddAccountDetails: AsyncMigration {
    /// Name, type, and the default that makes a column required (nil: optional).
    private static let addedFields: [(String, DatabaseSchema.DataType, (any SQLExpression)?)] = [
        ("phone", .string, nil),
        ("owner_name", .string, nil),
        ("nickname", .string, nil),
        ("plan", .string, nil),
        ("staff_slots", .int, SQLLiteral.numeric("1")),
        ("template", .bool, SQLLiteral.boolean(false)),
        ("send_links_enabled", .bool, SQLLiteral.boolean(false)),
        ("last_activity_at", .datetime, nil),
    ]

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite alters a table one change at a time.
        for (field, type, defaultValue) in Self.addedFields {
            let builder = database.schema(Account.schema)
            if let defaultValue {
                try await builder.field(FieldKey(stringLiteral: field), type, .required, .sql(.default(defaultValue))).update()
            } else {
                try await builder.field(FieldKey(stringLiteral: field), type).update()
            }
        }
        let sql = try database.sql
        try await sql.create(index: "accounts_partner_nickname_idx").on(Account.schema).column("partner_id").column("nickname").unique().run()
        try await sql.create(index: "accounts_partner_created_idx").on(Account.schema).column("partner_id").column("created_at").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "accounts_partner_created_idx").run()
        try await database.sql.drop(index: "accounts_partner_nickname_idx").run()
        for (field, _, _) in Self.addedFields.reversed() {
            try await database.schema(Account.schema).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
