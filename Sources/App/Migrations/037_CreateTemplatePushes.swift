import Fluent
import SQLKit

/// Pushes of a template's parts to the accounts created from it (`TemplatePush`): who
/// started one, the template's values as they were then, which parts and which accounts,
/// how far it has gone; and what became of each account. `cursor` is the last account done.
struct CreateTemplatePushes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TemplatePush.schema)
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("operator_name", .string, .required)
            .field("impersonator_id", .uuid)
            .field("impersonator_name", .string)
            .field("ip", .string, .required)
            .field("template_id", .uuid, .required)
            .field("template_name", .string, .required)
            .field("template_uid", .string, .required)
            .field("parts", .string, .required)
            .field("template_values", .string, .required)
            .field("account_ids", .string)
            .field("total", .int, .required)
            .field("done", .int, .required, .sql(.default(0)))
            .field("changed", .int, .required, .sql(.default(0)))
            .field("unchanged", .int, .required, .sql(.default(0)))
            .field("refused", .int, .required, .sql(.default(0)))
            .field("cursor", .string)
            .field("state", .string, .required)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime)
            .field("finished_at", .datetime)
            .create()
        try await database.schema(TemplatePush.resultsSchema)
            .field("push_id", .uuid, .required, .references(TemplatePush.schema, "id", onDelete: .cascade))
            .field("partner_id", .uuid, .required)
            .field("account_id", .uuid, .required)
            .field("account_name", .string, .required)
            .field("outcome", .string, .required)
            .field("message", .string)
            .compositeIdentifier(over: "push_id", "account_id")
            .create()
        let sql = try database.sql
        try await sql.create(index: "template_pushes_state").on(TemplatePush.schema).column("state").column("created_at").run()
        try await sql.create(index: "accounts_template_source").on("accounts").column("partner_id").column("template_source_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX IF EXISTS accounts_template_source").run()
        try await database.schema(TemplatePush.resultsSchema).delete()
        try await database.schema(TemplatePush.schema).delete()
    }
}
