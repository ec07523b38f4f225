import Fluent
import FluentSQL
import Foundation
import SQLKit

/// The partner-wide audit log: the entries of the partner that the reader may see
/// (`AuditVisibility`: scope and secure clearance, in SQL), newest first, filtered by
/// operator, account, action and date range, in keyset pages (or all of it, for CSV).
enum AuditLog {
    struct Filter: Sendable, Equatable {
        /// Entries by this operator, or by someone logged in as them.
        var operatorID: UUID?
        /// Entries on this account.
        var accountID: UUID?
        /// An action ("account.lock") or a family of them ("account").
        var action: String?
        var from: Date?
        /// Up to and including this moment.
        var to: Date?
    }

    struct Page: Sendable {
        let entries: [AuditEvent]
        let next: UUID?
    }

    static let maxActionLength = 100

    static func page(_ filter: Filter, for actor: Actor, after: UUID? = nil, limit: Int = 50, on db: any Database) async throws -> Page {
        let partnerID = actor.partnerID
        var query = AuditEvent.query(on: db).filter(\.$partnerID == partnerID).filter(.sql(AuditVisibility.condition(for: actor)))
        if let id = filter.operatorID {
            query = query.group(.or) { $0.filter(\.$actorID == id).filter(\.$impersonatorID == id) }
        }
        if let id = filter.accountID {
            query = query.filter(\.$subjectAccountID == id)
        }
        if let action = filter.action?.trimmingCharacters(in: .whitespaces), !action.isEmpty {
            query = query.group(.or) { $0.filter(\.$action == action).filter(\.$action, .custom("LIKE"), Self.likePrefix(action) + ".%") }
        }
        if let from = filter.from { query = query.filter(\.$at >= from) }
        if let to = filter.to { query = query.filter(\.$at <= to) }
        if let after, try await AuditEvent.query(on: db).filter(\.$id == after).filter(\.$partnerID == partnerID).count() == 1 {
            // The position's time is read in SQL, never round-tripped through a Date, so equal times stay equal.
            let at = SQLQueryString("(SELECT p.at FROM audit_events p WHERE p.id = \(bind: after))")
            query = query.filter(.sql(SQLQueryString("(at < \(at) OR (at = \(at) AND id < \(bind: after)))")))
        }
        let rows = try await query.sort(\.$at, .descending).sort(\.$id, .descending).limit(limit + 1).all()
        return Page(entries: Array(rows.prefix(limit)), next: rows.count > limit ? rows[limit - 1].id : nil)
    }

    /// `text` with LIKE's wildcards taken literally (the action alphabet has neither, but a
    /// typed filter may).
    private static func likePrefix(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
    }

    /// The codes stay for filtering and tools; "What happened" says the same in words. The
    /// columns after it are what an entry's hash covers (`AuditChain`), so that anyone can check
    /// an export's entries and their links with `docs/audit-verify.py`, no portal needed.
    static let csvHeader = ["When", "Who", "On behalf of", "Action", "Target type", "Target", "Target id", "Details", "IP", "What happened",
                            "Entry id", "Partner id", "Actor id", "Impersonator id", "At (microseconds)", "Sequence", "Previous hash", "Hash"]

    /// Every entry of the filter as CSV, a batch at a time.
    static func exportCSV(_ filter: Filter, for actor: Actor, batchSize: Int = 1000, on db: any Database, write: (String) async throws -> Void) async throws {
        let iso = ISO8601DateFormatter()
        try await write(CSV.line(csvHeader))
        var after: UUID? = nil
        repeat {
            let page = try await page(filter, for: actor, after: after, limit: batchSize, on: db)
            try await write(page.entries.map { entry in
                CSV.line([iso.string(from: entry.at), entry.actorName, entry.impersonatorName ?? "", entry.action, entry.targetType,
                          entry.targetLabel, entry.targetID ?? "", entry.details, entry.ip,
                          AuditSentence(action: entry.action, actor: entry.actorName, targetType: entry.targetType, details: entry.details)
                              .text(target: entry.targetLabel, reading: .log),
                          AuditChain.id(entry.id), AuditChain.id(entry.partnerID), AuditChain.id(entry.actorID), AuditChain.id(entry.impersonatorID),
                          String(AuditChain.micros(entry.at)), entry.seq.map(String.init) ?? "", entry.prevHash ?? "", entry.hash ?? ""])
            }.joined())
            after = page.next
        } while after != nil
    }
}
