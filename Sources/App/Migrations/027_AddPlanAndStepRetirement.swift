import Fluent

/// A plan the partner no longer sells (it stays on the accounts that have it and is offered
/// to no other), and an onboarding step it no longer asks for (no wizard or checklist shows it).
struct AddPlanAndStepRetirement: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds only one at a time.
        try await database.schema("partner_plans").field("retired_at", .datetime).update()
        try await database.schema("partner_onboarding_steps").field("retired_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("partner_onboarding_steps").deleteField("retired_at").update()
        try await database.schema("partner_plans").deleteField("retired_at").update()
    }
}
