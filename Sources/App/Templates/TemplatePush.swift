import Fluent
import Foundation
import SQLKit
import Vapor

/// A push of a template's parts to the accounts created from it (`template_pushes`): the
/// template's values as they were when it started, so that every account gets the same;
/// carried out by the `template-pushes` job a batch at a time; seen only by who started it.
final class TemplatePush: Model, StartedInBackground, @unchecked Sendable {
    static let schema = "template_pushes"
    static let resultsSchema = "template_push_results"

    enum State: String, Codable, Sendable { case queued, running, done, failed }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "operator_id") var operatorID: UUID
    @Field(key: "operator_name") var operatorName: String
    @OptionalField(key: "impersonator_id") var impersonatorID: UUID?
    @OptionalField(key: "impersonator_name") var impersonatorName: String?
    @Field(key: "ip") var ip: String
    @Field(key: "template_id") var templateID: UUID
    @Field(key: "template_name") var templateName: String
    @Field(key: "template_uid") var templateUID: String
    /// The parts, comma-separated.
    @Field(key: "parts") var partsText: String
    /// `TemplateValues` as JSON.
    @Field(key: "template_values") var valuesJSON: String
    /// The chosen accounts' ids as a JSON array, sorted; nil for every account made from the template.
    @OptionalField(key: "account_ids") var accountIDsJSON: String?
    @Field(key: "total") var total: Int
    @Field(key: "done") var done: Int
    @Field(key: "changed") var changed: Int
    @Field(key: "unchanged") var unchanged: Int
    @Field(key: "refused") var refused: Int
    /// The last account done (its id, lower case).
    @OptionalField(key: "cursor") var cursor: String?
    @Field(key: "state") var state: State
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "updated_at") var updatedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}

    var parts: Set<TemplatePart> { Set(partsText.split(separator: ",").compactMap { TemplatePart(rawValue: String($0)) }) }
    var values: TemplateValues? { try? JSONDecoder().decode(TemplateValues.self, from: Data(valuesJSON.utf8)) }
    var accountIDs: [UUID]? { accountIDsJSON.flatMap { try? JSONDecoder().decode([UUID].self, from: Data($0.utf8)) } }
    var isFinished: Bool { state == .done || state == .failed }

}

/// What became of one account in a push.
enum TemplatePushOutcome: String, Codable, Sendable { case changed, unchanged, refused }

/// Pushing a template: the preview, the start, each account's change; and reading pushes back.
enum TemplatePushes {
    /// The most accounts one push may name (every account of the template has no limit).
    static let maxChosen = 1000
    static let maxRunning = 2

    /// The template with this Business UID, if the actor may push it.
    static func template(uid: String, by actor: Actor, on db: any Database) async throws -> Account {
        let account = try await AccountService.viewable(businessUID: uid, by: actor, on: db)
        guard account.isTemplate else { throw PortalError.conflict("This account is not a template.", title: "Not a template") }
        try OperatorAdministration.require(AccessPolicy.decidePush(actor, template: try await AccessLoader.facts(for: account, actor: actor, on: db)))
        return account
    }

    /// The template's values now.
    static func values(of template: Account, on db: any Database) async throws -> TemplateValues {
        TemplateValues(template, tags: try await AccountLabels.tags(of: template, on: db))
    }

    /// The accounts made from `template` that the actor may see, after `after` in id order.
    static func derived(from template: Account, ids: [UUID]? = nil, after: UUID? = nil, limit: Int, by actor: Actor,
                        on db: any Database) async throws -> [Account] {
        let templateID = try template.requireID()
        var query = Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$templateSourceID == templateID)
        if let ids { query = query.filter(\.$id ~~ ids) }
        if let after { query = query.filter(\.$id > after) }
        let accounts = try await query.sort(\.$id).limit(limit).all()
        let facts = try await AccessLoader.facts(for: accounts, actor: actor, on: db)
        return accounts.filter { account in
            account.id.flatMap { facts[$0] }.map { AccessPolicy.decide(actor, .accountView, .account($0)).isAllowed } ?? false
        }
    }

    /// One account in the preview: what would change, or why it would be left alone.
    struct Line: Sendable, Equatable {
        var id: UUID
        var businessUID: String
        var name: String
        var changes: [TemplateValues.Change]
        var refusal: String?
    }

    /// What pushing `parts` would do to each account (the first `limit`, in id order) and how
    /// many accounts each part would change, among all of them.
    struct Preview: Sendable {
        var lines: [Line]
        var accounts: Int
        var changing: Int
        var refused: Int
        var byPart: [TemplatePart: Int]
    }

    static func preview(_ template: Account, parts: Set<TemplatePart>, ids: [UUID]? = nil, limit: Int = 100, by actor: Actor,
                        on db: any Database) async throws -> Preview {
        let values = try await values(of: template, on: db)
        var preview = Preview(lines: [], accounts: 0, changing: 0, refused: 0, byPart: [:])
        var after: UUID? = nil
        while true {
            let batch = try await derived(from: template, ids: ids, after: after, limit: 500, by: actor, on: db)
            guard let last = batch.last else { break }
            after = last.id
            let tags = try await AccountLabels.tags(of: batch.compactMap(\.id), partnerID: actor.partnerID, on: db)
            let facts = try await AccessLoader.facts(for: batch, actor: actor, on: db)
            for account in batch {
                guard let id = account.id else { continue }
                let changes = TemplateValues(account, tags: tags[id] ?? []).changes(to: values, parts: parts)
                let changed: Set<TemplatePart> = Set(changes.map(\.part))
                var refusal: String? = nil
                if let fact = facts[id] { refusal = Self.refusal(actor, parts: changed, facts: fact) }
                preview.accounts += 1
                if refusal != nil { preview.refused += 1 } else if !changes.isEmpty { preview.changing += 1 }
                if refusal == nil { for part in changed { preview.byPart[part, default: 0] += 1 } }
                if preview.lines.count < limit, !changes.isEmpty || refusal != nil {
                    preview.lines.append(Line(id: id, businessUID: account.businessUID, name: account.name, changes: changes, refusal: refusal))
                }
            }
        }
        return preview
    }

    /// Why the actor may not change these parts of the account, or nil.
    static func refusal(_ actor: Actor, parts: Set<TemplatePart>, facts: AccountFacts) -> String? {
        for part in TemplatePart.allCases where parts.contains(part) {
            if case .deny(let reason) = AccessPolicy.decideTemplatePart(actor, part, account: facts) {
                return "\(part.label): \(reason.message)"
            }
        }
        return nil
    }

    struct Refusal: Error, Sendable { var message: String }

    /// Queues the push of `parts` (the template's values as they are now) to the accounts
    /// `ids` names (nil: every account made from the template).
    static func start(_ template: Account, parts: Set<TemplatePart>, ids: [UUID]?, by actor: Actor, context: AuditContext,
                      now: Date = Date(), on db: any Database) async throws -> TemplatePush {
        guard !parts.isEmpty else { throw Refusal(message: "Choose at least one part to push.") }
        if let refusal = AccessPolicy.refusesBackgroundChange(loggedInAsBy: context.actor.impersonator) { throw Refusal(message: refusal) }
        if let ids, ids.isEmpty { throw Refusal(message: "Choose at least one account, or all of them.") }
        if let ids, ids.count > maxChosen { throw Refusal(message: "Choose at most \(BulkText.number(maxChosen)) accounts, or all of them.") }
        guard try await TemplatePush.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$operatorID == actor.operatorID)
            .filter(\.$state ~~ [.queued, .running]).count() < maxRunning
        else { throw Refusal(message: "You have \(maxRunning) pushes under way: start this one when one of them has ended.") }
        let templateID = try template.requireID()
        var query = Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$templateSourceID == templateID)
        if let ids { query = query.filter(\.$id ~~ ids) }
        let total = try await query.count()
        guard total > 0 else { throw Refusal(message: "No account made from this template is chosen.") }
        let push = TemplatePush()
        push.id = UUID()
        push.partnerID = actor.partnerID
        push.operatorID = actor.operatorID
        push.operatorName = context.actor.name
        push.impersonatorID = context.actor.impersonator?.id
        push.impersonatorName = context.actor.impersonator?.name
        push.ip = context.ip
        push.templateID = try template.requireID()
        push.templateName = template.name
        push.templateUID = template.businessUID
        push.partsText = TemplatePart.allCases.filter(parts.contains).map(\.rawValue).joined(separator: ",")
        push.valuesJSON = String(decoding: try JSONEncoder().encode(try await values(of: template, on: db)), as: UTF8.self)
        push.accountIDsJSON = try ids.map { String(decoding: try JSONEncoder().encode($0.sorted { $0.uuidString < $1.uuidString }), as: UTF8.self) }
        push.total = total
        (push.done, push.changed, push.unchanged, push.refused) = (0, 0, 0, 0)
        push.state = .queued
        push.createdAt = now
        try await db.writeTransaction { db in
            try await push.create(on: db)
            try await Audit.record("account.template-push-started", in: context, partnerID: actor.partnerID, target: Audit.target(template),
                                   details: "parts: " + TemplatePart.allCases.filter(parts.contains).map(\.label).joined(separator: ", ")
                                       + "; accounts: " + BulkText.number(total), now: now, on: db)
        }
        return push
    }

    /// Pushes `values` to one account: the parts that differ, each decided by the policy on
    /// this account (one refused: the account is left alone), and one History entry with
    /// before → after. Call it inside the batch's transaction.
    static func apply(_ push: TemplatePush, values: TemplateValues, to account: Account, tags: [String], facts: AccountFacts, by actor: Actor,
                      now: Date, on db: any Database) async throws -> (TemplatePushOutcome, String?) {
        let changes = TemplateValues(account, tags: tags).changes(to: values, parts: push.parts)
        guard !changes.isEmpty else { return (.unchanged, nil) }
        if let refusal = refusal(actor, parts: Set(changes.map(\.part)), facts: facts) { return (.refused, refusal) }
        let parts = Set(changes.map(\.part))
        if parts.contains(.subscription) {
            let staff = try await AccountUser.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
                .filter(\.$role == .staff).count()
            if values.staffSlots < staff {
                return (.refused, "Plan and staff slots: the account has \(staff) staff members, more than the template's \(values.staffSlots) slots.")
            }
            (account.plan, account.staffSlots) = (values.plan, values.staffSlots)
        }
        if parts.contains(.onboarding) { account.onboardingSteps = values.onboardingSteps }
        if parts.contains(.branding) { (account.brandColor, account.logoURL) = (values.brandColor, values.logoURL) }
        if parts.contains(.businessPage) { (account.businessDescription, account.openingHours) = (values.businessDescription, values.openingHours) }
        if parts.contains(.services) { account.services = values.services }
        if !parts.subtracting([.tags]).isEmpty {
            try await account.update(on: db)
        }
        if parts.contains(.tags) {
            let accountID = try account.requireID()
            let missing = values.tags.filter { !tags.contains($0) }.prefix(max(0, AccountLabels.maxTagsPerAccount - tags.count))
            if !missing.isEmpty { try await missing.map { AccountTag(partnerID: account.partnerID, accountID: accountID, tag: $0) }.create(on: db) }
        }
        try await Audit.record("account.template-pushed", in: push.auditContext, partnerID: account.partnerID, target: Audit.target(account),
                               details: "from the template \(push.templateName) (\(push.templateUID))\n"
                                   + changes.map { "\($0.field): \($0.before) → \($0.after)" }.joined(separator: "\n"), now: now, on: db)
        return (.changed, nil)
    }

    /// The push, only for the operator who started it.
    static func find(_ id: UUID, for actor: Actor, on db: any Database) async throws -> TemplatePush? {
        try await TemplatePush.query(on: db).filter(\.$id == id).filter(\.$partnerID == actor.partnerID)
            .filter(\.$operatorID == actor.operatorID).first()
    }

    struct Result: Sendable, Equatable {
        var accountID: UUID
        var accountName: String
        var outcome: TemplatePushOutcome
        var message: String?
    }

    static func results(_ push: TemplatePush, refusedOnly: Bool = false, limit: Int, on db: any Database) async throws -> [Result] {
        var query = try db.sql.select().column("account_id").column("account_name").column("outcome").column("message")
            .from(TemplatePush.resultsSchema)
            .where("push_id", .equal, try push.requireID()).where("partner_id", .equal, push.partnerID)
        if refusedOnly { query = query.where("outcome", .equal, TemplatePushOutcome.refused.rawValue) }
        return try await query.orderBy("account_name").limit(limit).all().map { row in
            Result(accountID: try row.decode(column: "account_id", as: UUID.self), accountName: try row.decode(column: "account_name", as: String.self),
                   outcome: TemplatePushOutcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .refused,
                   message: try row.decode(column: "message", as: String?.self))
        }
    }

    /// Unlinks an account from its template: later pushes leave it alone.
    static func detach(_ account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        guard let sourceID = account.templateSourceID else { throw PortalError.conflict("This account was not made from a template.", title: "Not possible now") }
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountTemplateSet, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
        let source = try await Account.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$id == sourceID).first()
        account.templateSourceID = nil
        try await db.writeTransaction { db in
            try await account.update(on: db)
            try await Audit.record("account.template-detached", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: "template: \(source.map { "\($0.name) (\($0.businessUID))" } ?? "deleted") → —", on: db)
        }
    }
}
