import Fluent
import SQLKit

/// CSV imports (`DataImport`): who started one (and who was acting for them), the file's
/// rows as read, the mapping of columns to fields, and how far its check and its import have
/// gone; and each row's result in each pass. `cursor` is the last row a pass recorded, so a
/// pass that stopped resumes after it.
struct CreateImports: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DataImport.schema)
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("operator_id", .uuid, .required, .references("operators", "id", onDelete: .cascade))
            .field("operator_name", .string, .required)
            .field("impersonator_id", .uuid)
            .field("impersonator_name", .string)
            .field("ip", .string, .required)
            .field("base_url", .string, .required)
            .field("kind", .string, .required)
            .field("file_name", .string, .required)
            .field("headings", .string, .required)
            .field("has_header", .bool, .required)
            .field("mapping", .string, .required)
            .field("phase", .string, .required)
            .field("total", .int, .required)
            .field("done", .int, .required, .sql(.default(0)))
            .field("created", .int, .required, .sql(.default(0)))
            .field("updated", .int, .required, .sql(.default(0)))
            .field("unchanged", .int, .required, .sql(.default(0)))
            .field("failed", .int, .required, .sql(.default(0)))
            .field("cursor", .int, .required, .sql(.default(0)))
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime)
            .field("checked_at", .datetime)
            .field("started_at", .datetime)
            .field("finished_at", .datetime)
            .create()
        try await database.schema(DataImport.rowsSchema)
            .field("import_id", .uuid, .required, .references(DataImport.schema, "id", onDelete: .cascade))
            .field("partner_id", .uuid, .required)
            .field("number", .int, .required)
            .field("cells", .string, .required)
            .field("bad_encoding", .int)
            .field("duplicate_of", .int)
            .compositeIdentifier(over: "import_id", "number")
            .create()
        try await database.schema(DataImport.resultsSchema)
            .field("import_id", .uuid, .required, .references(DataImport.schema, "id", onDelete: .cascade))
            .field("partner_id", .uuid, .required)
            .field("pass", .string, .required)
            .field("number", .int, .required)
            .field("outcome", .string, .required)
            .field("field", .string)
            .field("message", .string)
            .field("reference", .string)
            .compositeIdentifier(over: "import_id", "pass", "number")
            .create()
        let sql = try database.sql
        try await sql.create(index: "imports_phase").on(DataImport.schema).column("phase").column("created_at").run()
        try await sql.create(index: "imports_partner_operator").on(DataImport.schema).column("partner_id").column("operator_id").run()
        // An import matches its rows to accounts by email.
        try await sql.create(index: "accounts_partner_email_idx").on(Account.schema).column("partner_id").column("email").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "accounts_partner_email_idx").run()
        try await database.schema(DataImport.resultsSchema).delete()
        try await database.schema(DataImport.rowsSchema).delete()
        try await database.schema(DataImport.schema).delete()
    }
}
