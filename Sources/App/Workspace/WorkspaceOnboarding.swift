import Fluent
import SQLKit
import Vapor

/// The onboarding wizard of the workspace: the account's onboarding steps (the partner's, or
/// those its template chose), each done once and recorded with its time. The last one marks
/// setup complete, as an operator's "Mark setup as complete" does.
enum WorkspaceOnboarding {
    struct Step: Sendable, Equatable {
        let code: String
        let title: String
        let doneAt: Date?
    }

    static func steps(of account: Account, on db: any Database) async throws -> [Step] {
        let done = try await AccountOnboardingStep.query(on: db).filter(\.$partnerID == account.partnerID)
            .filter(\.$accountID == account.requireID()).all()
        let times = Dictionary(done.map { ($0.step, $0.completedAt) }, uniquingKeysWith: min)
        return try await PlanCatalogue.steps(for: account, on: db).map { Step(code: $0.code, title: $0.title, doneAt: times[$0.code]) }
    }

    /// Marks `code` done for the signed-in user's account. A step already done stays as it
    /// was; an unknown step is refused.
    static func complete(_ code: String, by user: WorkspaceUser, ip: String, now: Date, on db: any Database) async throws {
        guard let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        let steps = try await PlanCatalogue.steps(for: account, on: db)
        guard let step = steps.first(where: { $0.code == code }) else {
            throw PortalError.notFound("There is no onboarding step \(code) for this account.")
        }
        let who = user.auditActor
        try await db.writeTransaction { db in
            let inserted = try await db.sql.insert(into: AccountOnboardingStep.schema)
                .columns("id", "partner_id", "account_id", "step", "completed_at")
                .values(SQLBind(UUID()), SQLBind(user.partnerID), SQLBind(user.accountID), SQLBind(step.code), SQLBind(now))
                .ignoringConflicts(with: ["account_id", "step"]).returning("id").all()
            guard !inserted.isEmpty else { return }
            try await Audit.record("account.onboarding-step-done", by: who, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "\(step.title), by \(user.role.rawValue) \(user.email)", ip: ip, now: now, on: db)
            let done = try await AccountOnboardingStep.query(on: db).filter(\.$partnerID == user.partnerID).filter(\.$accountID == user.accountID)
                .filter(\.$step ~~ steps.map(\.code)).count()
            guard done == steps.count else { return }
            // Only the request that finishes the last step completes setup, once.
            let completed = try await db.sql.update(Account.schema).set("setup_completed", to: true)
                .where("id", .equal, user.accountID).where("setup_completed", .equal, false).returning("id").all()
            if !completed.isEmpty {
                try await Audit.record("account.setup-completed", by: who, partnerID: user.partnerID, target: Audit.target(account),
                                       details: "setup: in setup → completed (every onboarding step done)", ip: ip, now: now, on: db)
            }
        }
    }
}
