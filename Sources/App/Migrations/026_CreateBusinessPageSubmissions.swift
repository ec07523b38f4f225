import Fluent
import SQLKit

/// Every form sent from a business page (booking request or contact message), by account and
/// client address, so that the page can limit how often each sends. Rows older than a day are
/// deleted as new ones arrive.
struct CreateBusinessPageSubmissions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("business_page_submissions")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("ip", .string, .required)
            .field("at", .datetime, .required)
            .create()
        let sql = try database.sql
        try await sql.create(index: "business_page_submissions_account_time_idx").on("business_page_submissions").column("account_id").column("at").run()
        try await sql.create(index: "business_page_submissions_ip_time_idx").on("business_page_submissions").column("ip").column("at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("business_page_submissions").delete()
    }
}
