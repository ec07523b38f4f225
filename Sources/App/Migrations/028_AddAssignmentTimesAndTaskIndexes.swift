import Fluent
import SQLKit

/// What the Tasks page reads: when an operator was assigned to an account ("newly assigned",
/// by operator and time), and the locked accounts of a partner without reading the others.
/// Assignments made before this migration have no time and never count as new.
struct AddAssignmentTimesAndTaskIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AccountAssignment.schema).field("created_at", .datetime).update()
        let sql = try database.sql
        try await sql.create(index: "account_assignments_operator_time_idx").on(AccountAssignment.schema)
            .column("operator_id").column("created_at").run()
        try await sql.create(index: "accounts_partner_locked_idx").on(Account.schema)
            .column("partner_id").column("locked").column("name").column("id").run()
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql
        try await sql.drop(index: "accounts_partner_locked_idx").run()
        try await sql.drop(index: "account_assignments_operator_time_idx").run()
        try await database.schema(AccountAssignment.schema).deleteField("created_at").update()
    }
}
