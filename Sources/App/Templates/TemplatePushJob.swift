import Fluent
import Foundation
import SQLKit
import Vapor

/// Carries out the pushes of `template_pushes`: `template-pushes`. A batch of accounts, in id
/// order after the push's cursor, is changed in one transaction together with each account's
/// result and the push's cursor and counts, so a run that stops (an instance killed, a lease
/// lost) leaves the whole batch or none of it, and the next run starts after the last batch
/// recorded: no account is changed twice. (Pushing again changes nothing anyway: an account
/// that already has the template's values is left alone.)
enum TemplatePushJob {
    static let name = "template-pushes"
    static let batchSize = 200

    static func job(batchSize: Int = batchSize, budget: Duration = .seconds(3)) -> ScheduledJob {
        ScheduledJob(name: name, title: "Push templates' changes to the accounts made from them", interval: 1, lease: 120,
                     work: { try await runDue(now: $0.now, on: $0.db, logger: $0.logger, batchSize: batchSize, budget: budget) })
    }

    @discardableResult
    static func runDue(now: Date, on db: any Database, logger: Logger, batchSize: Int = batchSize, budget: Duration = .seconds(3)) async throws -> Int {
        let started = ContinuousClock.now
        var processed = 0
        repeat {
            let due = try await TemplatePush.query(on: db).filter(\.$state ~~ [.queued, .running]).sort(\.$createdAt).sort(\.$id).limit(20).all()
            guard !due.isEmpty else { break }
            for push in due { processed += try await step(push, now: Date(), batchSize: batchSize, on: db, logger: logger) }
        } while ContinuousClock.now - started < budget
        return processed
    }

    private struct Overtaken: Error {}

    /// One batch of one push; returns the accounts it went through.
    static func step(_ push: TemplatePush, now: Date, batchSize: Int, on db: any Database, logger: Logger) async throws -> Int {
        let id = try push.requireID()
        guard let actor = try await AccessLoader.actor(operatorID: push.operatorID, partnerID: push.partnerID, on: db), actor.isActive else {
            try await finish(push, error: "Stopped: \(push.operatorName) can no longer change accounts.", now: now, on: db)
            return 0
        }
        if push.impersonatorID != nil {
            try await finish(push, error: "Stopped: it was started while logged in as \(push.operatorName).", now: now, on: db)
            return 0
        }
        guard let values = push.values else {
            try await finish(push, error: "Stopped: the template's values could not be read.", now: now, on: db)
            return 0
        }
        var query = Account.query(on: db).filter(\.$partnerID == push.partnerID).filter(\.$templateSourceID == push.templateID)
        if let ids = push.accountIDs { query = query.filter(\.$id ~~ ids) }
        if let cursor = push.cursor.flatMap(UUID.init(uuidString:)) { query = query.filter(\.$id > cursor) }
        let accounts = try await query.sort(\.$id).limit(batchSize).all()
        guard !accounts.isEmpty else {
            try await complete(push, now: now, on: db)
            return 0
        }
        let tags = try await AccountLabels.tags(of: accounts.compactMap(\.id), partnerID: push.partnerID, on: db)
        let facts = try await AccessLoader.facts(for: accounts, actor: actor, on: db)
        do {
            try await db.writeTransaction { db in
                var results: [(Account, TemplatePushOutcome, String?)] = []
                for account in accounts {
                    let accountID = try account.requireID()
                    // An account the operator may no longer see is left alone, and said so without its details.
                    guard let fact = facts[accountID], AccessPolicy.decide(actor, .accountView, .account(fact)).isAllowed else {
                        logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "permission": "account.view", "push": "\(id)"])
                        results.append((account, .refused, "You may no longer see this account."))
                        continue
                    }
                    let (outcome, message) = try await TemplatePushes.apply(push, values: values, to: account, tags: tags[accountID] ?? [], facts: fact,
                                                                             by: actor, now: now, on: db)
                    if outcome == .refused {
                        logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "account": "\(account.businessUID)", "push": "\(id)"])
                    }
                    results.append((account, outcome, message))
                }
                try await save(results, of: push, now: now, on: db)
            }
        } catch is Overtaken {
            logger.notice("a template push moved on elsewhere; this batch is not counted", metadata: ["push": "\(id)"])
            return 0
        }
        return accounts.count
    }

    private static func save(_ results: [(Account, TemplatePushOutcome, String?)], of push: TemplatePush, now: Date, on db: any Database) async throws {
        let sql = try db.sql
        let count = { (outcome: TemplatePushOutcome) in results.filter { $0.1 == outcome }.count }
        var update = sql.update(TemplatePush.schema)
            .set("done", to: SQLBind(push.done + results.count))
            .set("changed", to: SQLBind(push.changed + count(.changed)))
            .set("unchanged", to: SQLBind(push.unchanged + count(.unchanged)))
            .set("refused", to: SQLBind(push.refused + count(.refused)))
            .set("state", to: SQLBind(TemplatePush.State.running.rawValue))
            .set("updated_at", to: SQLBind(now))
            .set("cursor", to: SQLBind(try results.last.map { try $0.0.requireID().uuidString.lowercased() } ?? push.cursor))
            .where("id", .equal, try push.requireID()).where("partner_id", .equal, push.partnerID)
        if let cursor = push.cursor { update = update.where("cursor", .equal, cursor) }
        else { update = update.where(SQLIdentifier("cursor"), .is, SQLLiteral.null) }
        guard !(try await update.returning("id").all()).isEmpty else { throw Overtaken() }
        let id = try push.requireID()
        try await BulkInsert(sql: sql, table: TemplatePush.resultsSchema, columns: ["push_id", "partner_id", "account_id", "account_name", "outcome", "message"])
            .run(count: results.count) { index in
                let (account, outcome, message) = results[index]
                return [SQLBind(id), SQLBind(push.partnerID), SQLBind(account.id), SQLBind(account.name), SQLBind(outcome.rawValue), SQLBind(message)]
            }
    }

    private static func complete(_ push: TemplatePush, now: Date, on db: any Database) async throws {
        try await db.writeTransaction { db in
            let moved = try await db.sql.update(TemplatePush.schema)
                .set("state", to: SQLBind(TemplatePush.State.done.rawValue)).set("finished_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
                .set("total", to: SQLBind(push.done))
                .where("id", .equal, try push.requireID()).where("partner_id", .equal, push.partnerID).where("state", .in, SQLBind.group(["queued", "running"]))
                .returning("id").all()
            guard !moved.isEmpty else { return }
            try await Audit.record("account.template-push-finished", in: push.auditContext, partnerID: push.partnerID,
                                   target: ("account", push.templateID.uuidString.lowercased(), push.templateName),
                                   details: TemplatePushText.summary(push), now: now, on: db)
        }
    }

    private static func finish(_ push: TemplatePush, error: String, now: Date, on db: any Database) async throws {
        try await db.sql.update(TemplatePush.schema)
            .set("state", to: SQLBind(TemplatePush.State.failed.rawValue)).set("error", to: SQLBind(error))
            .set("finished_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, try push.requireID()).where("partner_id", .equal, push.partnerID).run()
    }
}

enum TemplatePushText {
    static func summary(_ push: TemplatePush) -> String {
        var text = "Changed \(BulkText.accounts(push.changed))"
        if push.unchanged > 0 { text += "; \(BulkText.number(push.unchanged)) already as the template" }
        if push.refused > 0 { text += "; \(BulkText.number(push.refused)) left alone (you may not change them)" }
        return text + "."
    }
}
