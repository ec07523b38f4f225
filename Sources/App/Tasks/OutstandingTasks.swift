import Fluent
import Foundation
import SQLKit

/// The signed-in operator's outstanding work, by category, read by the database inside the
/// operator's scope (`TaskVisibility`) and the partner. Every rule reads the time from `now`.
///
/// The rules (thresholds from `TaskThresholds`; "N days" is N × 24 hours before `now`):
/// - stuck in setup: created more than 14 days ago and setup not completed;
/// - inactive: created more than 30 days ago and no activity in the last 30 days, an account
///   that never had any included: the accounts list's "Inactive" status;
/// - newly assigned: the operator was assigned to it in the last 7 days (assignments older
///   than their recorded time never are);
/// - pending invites: operators invited more than 3 days ago who have not accepted (the time
///   of the first invite: a resent link does not make the invite newer);
/// - locked: every locked account;
/// - link screening ends this week: created 23 to 30 days ago, so its 30-day screening ends
///   within 7 days, and sending links not enabled.
/// Template accounts are models for new accounts, never a business: they are no task.
enum OutstandingTasks {
    struct Row: Sendable, Equatable {
        enum Subject: Sendable, Equatable {
            case account(businessUID: String)
            case `operator`
        }

        let id: UUID
        let subject: Subject
        let label: String
        let email: String
        /// The time the rule is about (`TaskCategory.timeLabel`); nil for an account that
        /// never had activity.
        let at: Date?
    }

    struct Section: Sendable, Equatable {
        let category: TaskCategory
        /// Every matching row, however many are listed.
        let total: Int
        let rows: [Row]
    }

    /// Rows listed per category at most; the total counts the rest.
    static let maxRows = 50

    /// Each category the operator may see (`AccessPolicy.mayViewTasks`), in `TaskCategory`
    /// order, with at most `limit` rows (0: the counts alone, for Home).
    static func sections(for actor: Actor, now: Date, limit: Int = maxRows, thresholds: TaskThresholds = .standard,
                         on db: any Database) async throws -> [Section] {
        let sql = try db.sql
        var sections: [Section] = []
        for category in TaskCategory.allCases where AccessPolicy.mayViewTasks(actor, in: category).isAllowed {
            sections.append(try await section(category, for: actor, now: now, limit: min(max(limit, 0), maxRows), thresholds: thresholds, sql: sql))
        }
        return sections
    }

    static func section(_ category: TaskCategory, for actor: Actor, now: Date, limit: Int, thresholds: TaskThresholds,
                        sql: any SQLDatabase) async throws -> Section {
        let query = Self.query(category, for: actor, now: now, thresholds: thresholds, dialect: sql.dialect.name)
        var rows: [Row] = []
        if limit > 0 {
            var select = sql.select().columns(query.columns.map { SQLIdentifier($0) }).column(query.time, as: "task_at").from(query.table)
            for condition in query.conditions { select = select.where(condition) }
            for order in query.order { select = select.orderBy(order) }
            rows = try await select.limit(limit).all().map { row in
                let id = try row.decode(column: "id", as: UUID.self)
                let at = try row.decode(column: "task_at", as: Date?.self)
                return Row(id: id,
                           subject: category.subject == .accounts ? .account(businessUID: try row.decode(column: "business_uid", as: String.self)) : .operator,
                           label: try row.decode(column: "name", as: String.self), email: try row.decode(column: "email", as: String.self),
                           at: category == .screeningEnding ? at.map { $0.addingTimeInterval(TaskThresholds.days(thresholds.screeningDays)) } : at)
            }
        }
        // A short list is the whole list: no second query to count it.
        guard limit == 0 || rows.count == limit else { return Section(category: category, total: rows.count, rows: rows) }
        var count = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(query.table)
        for condition in query.conditions { count = count.where(condition) }
        let total = try await count.first()?.decode(column: "n", as: Int.self) ?? 0
        return Section(category: category, total: total, rows: rows)
    }

    /// The SQL of one category: its table, conditions, order and the time it shows.
    struct Query {
        let table: String
        let columns: [String]
        let conditions: [any SQLExpression]
        let order: [any SQLExpression]
        let time: any SQLExpression
    }

    static func query(_ category: TaskCategory, for actor: Actor, now: Date, thresholds: TaskThresholds, dialect: String) -> Query {
        func before(_ days: Int) -> Date { now.addingTimeInterval(-TaskThresholds.days(days)) }
        let visible = TaskVisibility.condition(for: actor, subject: category.subject, pathRanges: dialect == "sqlite")
        let accountColumns = ["id", "business_uid", "name", "email"]
        let account: [any SQLExpression] = [visible, SQLQueryString("partner_id = \(bind: actor.partnerID)"), SQLQueryString("template = \(bind: false)")]
        switch category {
        case .stuckInSetup:
            let cutoff = before(thresholds.stuckInSetupDays)
            return Query(table: Account.schema, columns: accountColumns,
                         conditions: account + [SQLQueryString("setup_completed = \(bind: false)"), SQLQueryString("created_at < \(bind: cutoff)")],
                         order: [SQLQueryString("created_at ASC"), SQLQueryString("id ASC")], time: SQLIdentifier("created_at"))
        case .inactiveAccounts:
            let cutoff = before(thresholds.inactiveDays)
            return Query(table: Account.schema, columns: accountColumns,
                         conditions: account + [SQLQueryString("created_at < \(bind: cutoff)"),
                                                SQLQueryString("(last_activity_at IS NULL OR last_activity_at < \(bind: cutoff))")],
                         order: [SQLQueryString("last_activity_at ASC NULLS FIRST"), SQLQueryString("created_at ASC"), SQLQueryString("id ASC")],
                         time: SQLIdentifier("last_activity_at"))
        case .newAssignments:
            let cutoff = before(thresholds.newAssignmentDays)
            let assignedAt = SQLQueryString("""
                (SELECT aa.created_at FROM account_assignments aa WHERE aa.account_id = accounts.id \
                AND aa.operator_id = \(bind: actor.operatorID) AND aa.partner_id = \(bind: actor.partnerID))
                """)
            return Query(table: Account.schema, columns: accountColumns,
                         conditions: account + [SQLQueryString("""
                             id IN (SELECT na.account_id FROM account_assignments na WHERE na.operator_id = \(bind: actor.operatorID) \
                             AND na.partner_id = \(bind: actor.partnerID) AND na.created_at >= \(bind: cutoff))
                             """)],
                         order: [SQLQueryString("task_at DESC"), SQLQueryString("id ASC")], time: assignedAt)
        case .lockedAccounts:
            return Query(table: Account.schema, columns: accountColumns, conditions: account + [SQLQueryString("locked = \(bind: true)")],
                         order: [SQLQueryString("name ASC"), SQLQueryString("id ASC")], time: SQLIdentifier("last_activity_at"))
        case .screeningEnding:
            let screeningStart = before(thresholds.screeningDays)
            let noticeStart = before(thresholds.screeningDays - thresholds.screeningNoticeDays)
            return Query(table: Account.schema, columns: accountColumns,
                         conditions: account + [SQLQueryString("send_links_enabled = \(bind: false)"),
                                                SQLQueryString("created_at > \(bind: screeningStart)"), SQLQueryString("created_at <= \(bind: noticeStart)")],
                         order: [SQLQueryString("created_at ASC"), SQLQueryString("id ASC")], time: SQLIdentifier("created_at"))
        case .pendingInvites:
            let cutoff = before(thresholds.pendingInviteDays)
            return Query(table: Operator.schema, columns: ["id", "name", "email"],
                         conditions: [visible, SQLQueryString("partner_id = \(bind: actor.partnerID)"),
                                      SQLQueryString("status = \(bind: Operator.Status.invited.rawValue)"), SQLQueryString("created_at < \(bind: cutoff)")],
                         order: [SQLQueryString("created_at ASC"), SQLQueryString("id ASC")], time: SQLIdentifier("created_at"))
        }
    }
}
