import Fluent
import Foundation

/// The partner's plans and onboarding steps. A partner that has not set its own gets the
/// built-in ones, so a new installation has a working Subscription and Activity tab.
enum PlanCatalogue {
    struct Plan: Sendable, Equatable {
        let name: String
        let staffSlots: Int
        /// No longer offered: it stays on the accounts that have it.
        var retired = false
    }

    struct Step: Sendable, Equatable {
        let code: String
        let title: String
        /// No longer asked for: no wizard or checklist shows it.
        var retired = false
    }

    static let defaultPlans = [Plan(name: "Starter", staffSlots: 1), Plan(name: "Standard", staffSlots: 5),
                               Plan(name: "Premium", staffSlots: 15)]
    static let defaultSteps = [Step(code: "business-details", title: "Business details"), Step(code: "services", title: "Services"),
                               Step(code: "opening-hours", title: "Opening hours"), Step(code: "staff", title: "Staff"),
                               Step(code: "widget", title: "Booking widget on a site"), Step(code: "payments", title: "Payments")]
    static let maxStaffSlots = 10_000

    /// The plans offered to accounts, in order (retired ones left out).
    static func plans(partnerID: UUID, on db: any Database) async throws -> [Plan] {
        try await catalogue(partnerID: partnerID, on: db).filter { !$0.retired }
    }

    /// Every plan of the partner, retired ones included, in order.
    static func catalogue(partnerID: UUID, on db: any Database) async throws -> [Plan] {
        let rows = try await PartnerPlan.query(on: db).filter(\.$partnerID == partnerID).sort(\.$position).all()
        return rows.isEmpty ? defaultPlans : rows.map { Plan(name: $0.name, staffSlots: $0.staffSlots, retired: $0.retiredAt != nil) }
    }

    /// The plans an account may be given: those offered, and the one it has even if retired.
    static func plans(for account: Account, on db: any Database) async throws -> [Plan] {
        try await catalogue(partnerID: account.partnerID, on: db).filter { !$0.retired || $0.name == account.plan }
    }

    /// The steps accounts go through, in order (retired ones left out).
    static func steps(partnerID: UUID, on db: any Database) async throws -> [Step] {
        try await allSteps(partnerID: partnerID, on: db).filter { !$0.retired }
    }

    /// Every step of the partner, retired ones included, in order.
    static func allSteps(partnerID: UUID, on db: any Database) async throws -> [Step] {
        let rows = try await PartnerOnboardingStep.query(on: db).filter(\.$partnerID == partnerID).sort(\.$position).all()
        return rows.isEmpty ? defaultSteps : rows.map { Step(code: $0.code, title: $0.title, retired: $0.retiredAt != nil) }
    }

    /// The steps that apply to one account: its own selection (copied from a template), or all.
    static func steps(for account: Account, on db: any Database) async throws -> [Step] {
        let all = try await steps(partnerID: account.partnerID, on: db)
        guard let selection = account.onboardingSteps else { return all }
        let codes = Set(selection.split(separator: ",").map(String.init))
        return all.filter { codes.contains($0.code) }
    }

    /// Replaces the partner's catalogue (the `portal partner plans` command).
    static func replacePlans(_ plans: [Plan], partnerID: UUID, on db: any Database) async throws {
        try await db.writeTransaction { db in
            try await PartnerPlan.query(on: db).filter(\.$partnerID == partnerID).delete()
            for (position, plan) in plans.enumerated() {
                try await PartnerPlan(partnerID: partnerID, name: plan.name, staffSlots: plan.staffSlots, position: position).create(on: db)
            }
        }
    }
}
