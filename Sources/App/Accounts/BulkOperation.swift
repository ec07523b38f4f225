import Fluent
import Foundation
import SQLKit
import Vapor

/// A bulk change running in the background (`bulk_operations`): started by one operator, seen
/// only by them, carried out by the `bulk-operations` job a batch at a time.
final class BulkOperation: Model, StartedInBackground, @unchecked Sendable {
    static let schema = "bulk_operations"

    enum State: String, Codable, Sendable { case queued, running, done, failed }
    enum Selection: String, Codable, Sendable { case accounts, matching }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    @Field(key: "operator_name") var operatorName: String
    @OptionalField(key: "impersonator_id") var impersonatorID: UUID?
    @OptionalField(key: "impersonator_name") var impersonatorName: String?
    @Field(key: "ip") var ip: String
    @Field(key: "selection") var selection: Selection
    /// `StoredFilter` as JSON, for "all matching".
    @OptionalField(key: "filter") var filter: String?
    /// The ticked Business UIDs as a JSON array, sorted.
    @OptionalField(key: "account_uids") var accountUIDs: String?
    @Field(key: "action") var action: BulkAction
    @OptionalField(key: "parameter") var parameter: String?
    @OptionalField(key: "parameter_label") var parameterLabel: String?
    @Field(key: "total") var total: Int
    @Field(key: "done") var done: Int
    @Field(key: "changed") var changed: Int
    @Field(key: "refused") var refused: Int
    @Field(key: "skipped") var skipped: Int
    /// The last account done: a Business UID for a list, an account id for "all matching".
    @OptionalField(key: "cursor") var cursor: String?
    @Field(key: "state") var state: State
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "updated_at") var updatedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}

    var change: BulkChange { BulkChange(action: action, parameter: parameter, label: parameterLabel) }
    var tally: BulkTally { BulkTally(changed: changed, refused: refused, skipped: skipped) }
    var isFinished: Bool { state == .done || state == .failed }


    func decodedSelection() throws -> BulkSelection {
        switch selection {
        case .accounts: .accounts(try JSONDecoder().decode([String].self, from: Data((accountUIDs ?? "[]").utf8)))
        case .matching: .matching(try JSONDecoder().decode(StoredFilter.self, from: Data((filter ?? "").utf8)).filter)
        }
    }
}

/// Starting bulk changes, and reading them back for the operator who started them.
enum BulkOperations {
    /// Checks what the form asks for against the partner's data: a valid tag, an operator and a
    /// group of the partner's (a group the operator may see). Errors are keyed by field.
    static func change(action raw: String?, tag: String?, operatorID: String?, group: String?, actor: Actor,
                       on db: any Database) async throws -> Result<BulkChange, OperatorInput.Errors> {
        guard let action = raw.flatMap(BulkAction.init(rawValue:)) else {
            return .failure(.init(fields: ["action": "Choose what to do with the selected accounts."]))
        }
        switch action {
        case .tag, .untag:
            guard let normalized = AccountLabels.normalizeTag(tag ?? "") else {
                return .failure(.init(fields: ["tag": "Use 1 to \(AccountLabels.maxTagLength) letters, digits, spaces, hyphens or underscores for the tag."]))
            }
            return .success(BulkChange(action: action, parameter: normalized, label: normalized))
        case .assign, .unassign:
            var query = Operator.query(on: db).filter(\.$partner.$id == actor.partnerID)
            if action == .assign { query = query.filter(\.$status != .blocked) }
            guard let id = operatorID.flatMap(UUID.init(uuidString:)), let op = try await query.filter(\.$id == id).first() else {
                return .failure(.init(fields: ["operator": "Choose an operator from the list."]))
            }
            return .success(BulkChange(action: action, parameter: id.uuidString.lowercased(), label: op.name))
        case .move:
            if group == BulkChange.noGroup { return .success(BulkChange(action: .move, parameter: nil, label: "no group (top level)")) }
            let all = try await AccountGroup.query(on: db).filter(\.$partnerID == actor.partnerID).all()
            let paths = GroupPaths(all)
            let visible = try await GroupService.visible(to: actor, among: all, paths: paths, on: db)
            guard let id = group.flatMap(UUID.init(uuidString:)), let target = visible.first(where: { $0.id == id }) else {
                return .failure(.init(fields: ["group": "Choose a group from the list."]))
            }
            return .success(BulkChange(action: .move, parameter: id.uuidString.lowercased(), label: paths.label(of: id) ?? target.name))
        case .lock, .unlock:
            return .success(BulkChange(action: action, parameter: nil, label: nil))
        }
    }

    /// Queues `change` on `selection` for the job, counting the accounts it will go through.
    static func start(_ change: BulkChange, on selection: BulkSelection, by actor: Actor, context: AuditContext, now: Date = Date(),
                      on db: any Database) async throws -> BulkOperation {
        let operation = BulkOperation()
        operation.id = UUID()
        operation.partnerID = actor.partnerID
        operation.operatorID = actor.operatorID
        operation.operatorName = context.actor.name
        operation.impersonatorID = context.actor.impersonator?.id
        operation.impersonatorName = context.actor.impersonator?.name
        operation.ip = context.ip
        operation.action = change.action
        operation.parameter = change.parameter
        operation.parameterLabel = change.label
        switch selection {
        case .accounts(let uids):
            operation.selection = .accounts
            operation.accountUIDs = String(decoding: try JSONEncoder().encode(uids.sorted()), as: UTF8.self)
            operation.total = uids.count
        case .matching(let filter):
            operation.selection = .matching
            operation.filter = String(decoding: try JSONEncoder().encode(StoredFilter(filter)), as: UTF8.self)
            operation.total = try await BulkActions.countMatching(filter, for: actor, now: now, on: db)
        }
        (operation.done, operation.changed, operation.refused, operation.skipped) = (0, 0, 0, 0)
        operation.state = .queued
        operation.createdAt = now
        try await operation.create(on: db)
        return operation
    }

    /// How many of the operator's bulk changes are waiting or running.
    static func unfinished(for actor: Actor, on db: any Database) async throws -> Int {
        try await BulkOperation.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$operatorID == actor.operatorID)
            .filter(\.$state ~~ [.queued, .running]).count()
    }

    /// The operation, only for the operator who started it: anyone else finds nothing.
    static func find(_ id: UUID, for actor: Actor, on db: any Database) async throws -> BulkOperation? {
        try await BulkOperation.query(on: db).filter(\.$id == id).filter(\.$partnerID == actor.partnerID)
            .filter(\.$operatorID == actor.operatorID).first()
    }

    /// The operator's changes still running, and those that ended in the last `window`, newest first.
    static func recent(for actor: Actor, now: Date = Date(), window: TimeInterval = 3600, limit: Int = 3,
                       on db: any Database) async throws -> [BulkOperation] {
        // Asked on every list page, and nearly always empty: a plain query says whether there
        // is any before the models are read (building a model query reflects on every field).
        let since = now.addingTimeInterval(-window)
        let any = try await db.sql.select().column("id").from(BulkOperation.schema)
            .where("partner_id", .equal, actor.partnerID).where("operator_id", .equal, actor.operatorID)
            .where(SQLQueryString("(state IN (\(bind: BulkOperation.State.queued.rawValue), \(bind: BulkOperation.State.running.rawValue)) OR finished_at >= \(bind: since))"))
            .limit(1).first()
        guard any != nil else { return [] }
        return try await BulkOperation.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$operatorID == actor.operatorID)
            .group(.or) { $0.filter(\.$state ~~ [.queued, .running]).filter(\.$finishedAt >= since) }
            .sort(\.$createdAt, .descending).limit(limit).all()
    }
}
