import Fluent
import SQLKit

/// Bulk changes to accounts too large to make in one request: who started it (and who was
/// acting for them), which accounts (a list of Business UIDs, or the list's filter, resolved
/// when it runs), what to do, and how far it has gone. `cursor` is the last account done, so a
/// run that stopped resumes after it.
struct CreateBulkOperations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("bulk_operations")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("operator_name", .string, .required)
            .field("impersonator_id", .uuid)
            .field("impersonator_name", .string)
            .field("ip", .string, .required)
            .field("selection", .string, .required)
            .field("filter", .string)
            .field("account_uids", .string)
            .field("action", .string, .required)
            .field("parameter", .string)
            .field("parameter_label", .string)
            .field("total", .int, .required)
            .field("done", .int, .required, .sql(.default(0)))
            .field("changed", .int, .required, .sql(.default(0)))
            .field("refused", .int, .required, .sql(.default(0)))
            .field("skipped", .int, .required, .sql(.default(0)))
            .field("cursor", .string)
            .field("state", .string, .required)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("started_at", .datetime)
            .field("updated_at", .datetime)
            .field("finished_at", .datetime)
            .create()
        let sql = try database.sql
        try await sql.create(index: "bulk_operations_state_created").on("bulk_operations").column("state").column("created_at").run()
        try await sql.create(index: "bulk_operations_partner_operator").on("bulk_operations").column("partner_id").column("operator_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("bulk_operations").delete()
    }
}
