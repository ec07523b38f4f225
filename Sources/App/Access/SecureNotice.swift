import Fluent
import Foundation
import SQLKit

/// "N secure accounts need a Secure role": what an operator without secure clearance is told
/// on the accounts list instead of a silent gap. Only the number, and only of accounts inside
/// their own scope; never which accounts, and never narrowed by the list's search or filters
/// (a count that followed a search would tell what the hidden accounts contain).
enum SecureNotice {
    /// Secure accounts in the operator's scope that only a grant with secure clearance shows.
    static func hiddenCount(for actor: Actor, on db: any Database) async throws -> Int {
        let sql = try db.sql
        guard let condition = AccountVisibility.hiddenSecureCondition(for: actor, pathRanges: AccountVisibility.usesByteOrder(sql))
        else { return 0 }
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Account.schema).where(condition).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
