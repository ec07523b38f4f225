import Fluent
import Foundation
import SQLKit

/// A digest sent to an operator for one period. The row and its outbound message are
/// written in one transaction; the unique (operator, period key) makes "sent" happen once.
final class DigestDelivery: Model, @unchecked Sendable {
    static let schema = "digest_deliveries"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    @Field(key: "period_key") var periodKey: String
    @OptionalField(key: "message_id") var messageID: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// Records the delivery unless one exists for the operator and period, in a statement
    /// that reports whether it inserted (`ON CONFLICT DO NOTHING … RETURNING`, the same on
    /// SQLite and PostgreSQL): false means another instance sent this digest already. Under
    /// PostgreSQL a concurrent insert of the same key waits for the other transaction and
    /// then inserts nothing.
    static func claim(partnerID: UUID, operatorID: UUID, periodKey: String, now: Date, on db: any Database) async throws -> UUID? {
        let id = UUID()
        let rows = try await db.sql.insert(into: schema)
            .columns("id", "partner_id", "operator_id", "period_key", "created_at")
            .values(SQLBind(id), SQLBind(partnerID), SQLBind(operatorID), SQLBind(periodKey), SQLBind(now))
            .ignoringConflicts(with: ["operator_id", "period_key"])
            .returning("id")
            .all()
        return rows.isEmpty ? nil : id
    }

    static func exists(partnerID: UUID, operatorID: UUID, periodKey: String, on db: any Database) async throws -> Bool {
        try await query(on: db).filter(\.$partnerID == partnerID).filter(\.$operatorID == operatorID)
            .filter(\.$periodKey == periodKey).count() > 0
    }
}
