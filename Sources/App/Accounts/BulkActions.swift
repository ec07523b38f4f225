import Fluent
import Foundation
import SQLKit
import Vapor

/// What the accounts list's bulk control can do to many accounts at once. Each account is
/// still decided on its own by the same domain functions the account page uses, which ask the
/// policy and write the account's history; the ones refused are counted and left alone.
enum BulkAction: String, CaseIterable, Sendable, Codable {
    case tag, untag, assign, unassign, move, lock, unlock

    var permission: Permission {
        switch self {
        case .tag, .untag: .accountTagsEdit
        case .assign, .unassign: .accountAssignmentsEdit
        case .move: .accountEdit
        case .lock, .unlock: .accountLock
        }
    }

    /// As the bulk control offers it.
    var label: String {
        switch self {
        case .tag: "Add a tag"
        case .untag: "Remove a tag"
        case .assign: "Assign to an operator"
        case .unassign: "Unassign an operator"
        case .move: "Move to a group"
        case .lock: "Lock"
        case .unlock: "Unlock"
        }
    }

    static var permissions: [Permission] { Array(Set(allCases.map(\.permission))).sorted { $0.rawValue < $1.rawValue } }

    /// The actions `actor` may take on some account (each account is decided again when it is changed).
    static func offered(to actor: Actor) -> [BulkAction] {
        allCases.filter { AccessPolicy.decideAnywhere(actor, [$0.permission]).isAllowed }
    }
}

/// One bulk change: the action and what it needs (the tag, the operator, the group: its id
/// and how it reads).
struct BulkChange: Sendable, Equatable {
    let action: BulkAction
    /// The tag (normalised), the operator's id, or the group's id ("" for no group).
    let parameter: String?
    /// How the parameter reads: the tag, the operator's name, the group's path.
    let label: String?

    static let noGroup = "none"

    var operatorID: UUID? { [.assign, .unassign].contains(action) ? parameter.flatMap(UUID.init(uuidString:)) : nil }
    var groupID: UUID? { action == .move ? parameter.flatMap(UUID.init(uuidString:)) : nil }
    private var quoted: String { "\u{201C}\(label ?? "")\u{201D}" }

    /// What the progress page is titled while it runs.
    var title: String {
        switch action {
        case .tag: "Tagging accounts \(quoted)"
        case .untag: "Removing the tag \(quoted)"
        case .assign: "Assigning accounts to \(label ?? "")"
        case .unassign: "Unassigning \(label ?? "")"
        case .move: "Moving accounts to \(label ?? "")"
        case .lock: "Locking accounts"
        case .unlock: "Unlocking accounts"
        }
    }

    /// What happened to `count` accounts, as one sentence.
    func done(_ count: Int) -> String {
        let accounts = BulkText.accounts(count)
        return switch action {
        case .tag: "Tagged \(accounts) \(quoted)."
        case .untag: "Removed the tag \(quoted) from \(accounts)."
        case .assign: "Assigned \(accounts) to \(label ?? "")."
        case .unassign: "Unassigned \(label ?? "") from \(accounts)."
        case .move: "Moved \(accounts) to \(label ?? "")."
        case .lock: "Locked \(accounts): their owners and staff are signed out."
        case .unlock: "Unlocked \(accounts)."
        }
    }

    /// What is about to happen, when it runs in the background.
    func started(_ count: Int) -> String {
        let accounts = BulkText.accounts(count)
        return switch action {
        case .tag: "Tagging \(accounts) \(quoted) in the background."
        case .untag: "Removing the tag \(quoted) from \(accounts) in the background."
        case .assign: "Assigning \(accounts) to \(label ?? "") in the background."
        case .unassign: "Unassigning \(label ?? "") from \(accounts) in the background."
        case .move: "Moving \(accounts) to \(label ?? "") in the background."
        case .lock: "Locking \(accounts) in the background."
        case .unlock: "Unlocking \(accounts) in the background."
        }
    }

    /// The whole outcome: what was done, then what was left alone and why.
    func summary(_ tally: BulkTally) -> String {
        var text = done(tally.changed)
        if tally.refused > 0 {
            text += " \(BulkText.number(tally.refused)) you may not change \(tally.refused == 1 ? "was" : "were") left alone."
        }
        if tally.skipped > 0 {
            text += " \(BulkText.number(tally.skipped)) already \(tally.skipped == 1 ? "has" : "have") \(AccountLabels.maxTagsPerAccount) tags and \(tally.skipped == 1 ? "was" : "were") left alone."
        }
        return text
    }
}

/// How many accounts a bulk change has been through, and what became of them.
struct BulkTally: Sendable, Equatable {
    var changed = 0
    var refused = 0
    var skipped = 0
    var done: Int { changed + refused + skipped }

    static func + (lhs: BulkTally, rhs: BulkTally) -> BulkTally {
        BulkTally(changed: lhs.changed + rhs.changed, refused: lhs.refused + rhs.refused, skipped: lhs.skipped + rhs.skipped)
    }
}

enum BulkText {
    static func number(_ value: Int) -> String {
        value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
    }

    static func accounts(_ count: Int) -> String { "\(number(count)) \(count == 1 ? "account" : "accounts")" }
}

/// Which accounts: those ticked (by Business UID), or every account the list's filter matches
/// when the change runs, among those the operator may then see.
enum BulkSelection: Sendable, Equatable {
    case accounts([String])
    case matching(AccountDirectory.Filter)
}

/// The list's filter as a bulk operation keeps it until it runs.
struct StoredFilter: Codable, Sendable, Equatable {
    var search: String
    var status: String?
    var locked: Bool?
    var setupCompleted: Bool?
    var secure: Bool?
    var template: Bool?
    var groupID: UUID?
    var mine: Bool
    var tag: String?
    var plan: String?
    var operatorID: UUID?
    var sort: String
    var namesOnly: Bool

    init(_ filter: AccountDirectory.Filter) {
        (search, status, locked, setupCompleted, secure) = (filter.search, filter.status?.rawValue, filter.locked, filter.setupCompleted, filter.secure)
        (template, groupID, mine, tag, plan) = (filter.template, filter.groupID, filter.mine, filter.tag, filter.plan)
        (operatorID, sort, namesOnly) = (filter.operatorID, filter.sort.rawValue, filter.namesOnly)
    }

    var filter: AccountDirectory.Filter {
        var filter = AccountDirectory.Filter()
        (filter.search, filter.status, filter.locked) = (search, status.flatMap(AccountDirectory.Status.init(rawValue:)), locked)
        (filter.setupCompleted, filter.secure, filter.template, filter.groupID) = (setupCompleted, secure, template, groupID)
        (filter.mine, filter.tag, filter.plan, filter.operatorID) = (mine, tag, plan, operatorID)
        (filter.sort, filter.namesOnly) = (AccountDirectory.Sort(rawValue: sort) ?? .name, namesOnly)
        return filter
    }

    /// The names of `AccountDirectory.Filter`'s fields this keeps: a field added there and
    /// not here would widen a stored selection, which `BulkActionsTests` catches.
    static let coveredFields: Set<String> = ["search", "status", "locked", "setupCompleted", "secure", "template", "groupID", "mine",
                                             "tag", "plan", "operatorID", "sort", "namesOnly"]
    /// Fields that follow from the kept ones and are worked out again when the selection is read:
    /// the search's matches come from its text.
    static let derivedFields: Set<String> = ["matchIDs"]
}

/// Changing accounts one at a time, and finding which accounts a selection holds.
enum BulkActions {
    /// Selections up to this size are changed in the request; larger ones, and every "all
    /// matching", run in the background.
    static let inRequestLimit = 200
    /// The most Business UIDs one request may name.
    static let maxListed = 1000
    /// Bulk changes one operator may have waiting or running at once.
    static let maxRunning = 3

    enum Outcome: Sendable { case changed, refused, skipped }

    /// Applies `change` to one account, through the account page's own domain functions.
    /// Refused (the policy said no, or the account is out of reach): logged and left alone.
    static func apply(_ change: BulkChange, to account: Account, by actor: Actor, context: AuditContext, logger: Logger,
                      on db: any Database) async throws -> Outcome {
        do {
            switch change.action {
            case .tag: try await AccountLabels.addTag(change.parameter ?? "", to: account, by: actor, context: context, on: db)
            case .untag: try await AccountLabels.removeTag(change.parameter ?? "", from: account, by: actor, context: context, on: db)
            case .assign, .unassign:
                guard let operatorID = change.operatorID else { throw PortalError.unknownReference("No operator has this id.") }
                let current = Set(try await AccountAssignment.query(on: db).filter(\.$partnerID == account.partnerID)
                    .filter(\.$accountID == account.requireID()).all().map(\.operatorID))
                let wanted = change.action == .assign ? current.union([operatorID]) : current.subtracting([operatorID])
                try await AccountAdministration.assign(wanted, to: account, by: actor, context: context, on: db)
            case .move: try await AccountEditing.move(account, to: change.groupID, by: actor, context: context, on: db)
            case .lock: try await AccountAdministration.apply(.lock, to: account, by: actor, context: context, on: db)
            case .unlock: try await AccountAdministration.apply(.unlock, to: account, by: actor, context: context, on: db)
            }
            return .changed
        } catch let error as PortalError where [.forbidden, .notFound].contains(error.status) {
            logDenied(change, account: account.businessUID, actor: actor, logger: logger)
            return .refused
        } catch is OperatorInput.Errors {
            // The one per-account limit: an account already holding the most tags it may.
            return .skipped
        }
    }

    static func logDenied(_ change: BulkChange, account: String, actor: Actor, logger: Logger) {
        logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "permission": "\(change.action.permission.rawValue)",
                                                  "account": "\(account)", "bulk": "\(change.action.rawValue)"])
    }

    /// Changes the accounts named by `uids` (the partner's; a UID of nobody's counts as refused).
    static func apply(_ change: BulkChange, toAccountsNamed uids: [String], by actor: Actor, context: AuditContext, logger: Logger,
                      on db: any Database) async throws -> BulkTally {
        guard !uids.isEmpty else { return BulkTally() }
        let accounts = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$businessUID ~~ uids)
            .sort(\.$businessUID).all()
        var tally = try await apply(change, toEach: accounts, by: actor, context: context, logger: logger, on: db)
        let found = Set(accounts.map(\.businessUID))
        for uid in uids where !found.contains(uid) {
            logDenied(change, account: uid, actor: actor, logger: logger)
            tally.refused += 1
        }
        return tally
    }

    /// Changes the accounts with these ids, in id order.
    static func apply(_ change: BulkChange, toAccountsWithIDs ids: [UUID], by actor: Actor, context: AuditContext, logger: Logger,
                      on db: any Database) async throws -> BulkTally {
        guard !ids.isEmpty else { return BulkTally() }
        let accounts = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$id ~~ ids).sort(\.$id).all()
        return try await apply(change, toEach: accounts, by: actor, context: context, logger: logger, on: db)
    }

    /// Changes `accounts` (the partner's), each decided on its own. Tags, assignments and moves
    /// go a batch at a time, in one transaction; locking and unlocking, which end sessions,
    /// go through the account page's function one account at a time.
    private static func apply(_ change: BulkChange, toEach accounts: [Account], by actor: Actor, context: AuditContext, logger: Logger,
                              on db: any Database) async throws -> BulkTally {
        var tally = BulkTally()
        let outcomes: [UUID: AccountLabels.BatchOutcome]
        switch change.action {
        case .tag, .untag:
            do {
                outcomes = change.action == .tag
                    ? try await AccountLabels.addTag(change.parameter ?? "", toEach: accounts, by: actor, context: context, on: db)
                    : try await AccountLabels.removeTag(change.parameter ?? "", fromEach: accounts, by: actor, context: context, on: db)
            } catch is OperatorInput.Errors {
                tally.skipped = accounts.count
                return tally
            }
        case .assign, .unassign:
            guard let operatorID = change.operatorID else { throw PortalError.unknownReference("No operator has this id.") }
            outcomes = try await AccountAdministration.assign(operatorID, adding: change.action == .assign, toEach: accounts, by: actor,
                                                              context: context, on: db)
        case .move:
            outcomes = try await AccountEditing.move(accounts, to: change.groupID, by: actor, context: context, on: db)
        case .lock, .unlock:
            for account in accounts {
                switch try await apply(change, to: account, by: actor, context: context, logger: logger, on: db) {
                case .changed: tally.changed += 1
                case .refused: tally.refused += 1
                case .skipped: tally.skipped += 1
                }
            }
            return tally
        }
        for account in accounts {
            switch outcomes[try account.requireID()] ?? .refused {
            case .changed: tally.changed += 1
            case .full: tally.skipped += 1
            case .refused:
                logDenied(change, account: account.businessUID, actor: actor, logger: logger)
                tally.refused += 1
            }
        }
        return tally
    }

    /// The next `limit` accounts `filter` matches among those `actor` may see, after `after` in
    /// id order (keyset: a change that makes an account stop matching moves nothing).
    static func matchingIDs(_ filter: AccountDirectory.Filter, for actor: Actor, after: UUID?, limit: Int, now: Date,
                            on db: any Database) async throws -> [UUID] {
        let sql = try db.sql
        var query = sql.select().column("id").from(Account.schema).where("partner_id", .equal, actor.partnerID)
        for condition in AccountDirectory.conditions(filter, for: actor, now: now, dialect: sql.dialect.name) {
            query = query.where(condition)
        }
        if let after { query = query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    static func countMatching(_ filter: AccountDirectory.Filter, for actor: Actor, now: Date, on db: any Database) async throws -> Int {
        let sql = try db.sql
        var query = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from(Account.schema)
            .where("partner_id", .equal, actor.partnerID)
        for condition in AccountDirectory.conditions(filter, for: actor, now: now, dialect: sql.dialect.name) {
            query = query.where(condition)
        }
        return try await query.first()?.decode(column: "total", as: Int.self) ?? 0
    }
}
