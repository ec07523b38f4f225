import Fluent
import SQLKit

/// Every "Forgot password?" request of an operator, as typed: counted to limit how often an
/// address or a client may ask, and handed to the `password-resets` job, which decides whether
/// a link goes out. Rows older than a day are deleted by that job.
struct CreatePasswordResetRequests: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("password_reset_requests")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("email", .string, .required)
            .field("ip", .string, .required)
            .field("link_base", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("handled_at", .datetime)
            .create()
        let sql = try database.sql
        try await sql.create(index: "password_reset_requests_email_time_idx").on("password_reset_requests")
            .column("partner_id").column("email").column("requested_at").run()
        try await sql.create(index: "password_reset_requests_ip_time_idx").on("password_reset_requests").column("ip").column("requested_at").run()
        try await sql.create(index: "password_reset_requests_pending_idx").on("password_reset_requests").column("handled_at").column("requested_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("password_reset_requests").delete()
    }
}
