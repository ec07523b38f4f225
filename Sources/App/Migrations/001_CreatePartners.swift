import Fluent
import SQLKit

struct CreatePartners: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("partners")
            .id()
            .field("slug", .string, .required)
            .field("name", .string, .required)
            .field("brand_color", .string, .required)
            .field("logo_url", .string)
            .field("second_factor_required", .bool, .required)
            .field("second_factor_methods", .string, .required)
            .field("idle_timeout_minutes", .int, .required)
            .field("absolute_timeout_minutes", .int, .required)
            .field("impersonation_reason_required", .bool, .required)
            .field("impersonation_max_minutes", .int, .required)
            .field("history_retention_days", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "slug")
            .create()
        try await database.schema("partner_domains")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id", onDelete: .cascade))
            .field("host", .string, .required)
            .unique(on: "host")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("partner_domains").delete()
        try await database.schema("partners").delete()
    }
}
