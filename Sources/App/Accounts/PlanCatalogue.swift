import Fluent
import Foundation

/// The partner's plans and onboarding steps. A partner that has not set its own gets the
/// built-in ones, so a new installation has a working Subscription and Activity tab.
enum PlanCatalogue {
    struct Plan: Sendable, Equatable {
        let name: String
        let staffSlots: Int
    }

    struct Step: Sendable, Equatable {
        let code: String
        let title: String
    }

    static let defaultPlans = [Plan(name: "Starter", staffSlots: 1), Plan(name: "Standard", staffSlots: 5),
                               Plan(name: "Premium", staffSlots: 15)]
    static let defaultSteps = [Step(code: "business-details", title: "Business details"), Step(code: "services", title: "Services"),
                               Step(code: "opening-hours", title: "Opening hours"), Step(code: "staff", title: "Staff"),
                               Step(code: "widget", title: "Booking widget on a site"), Step(code: "payments", title: "Payments")]
    static let maxStaffSlots = 10_000

    static func plans(partnerID: UUID, on db: any Database) async throws -> [Plan] {
        let rows = try await PartnerPlan.query(on: db).filter(\.$partnerID == partnerID).sort(\.$position).all()
        return rows.isEmpty ? defaultPlans : rows.map { Plan(name: $0.name, staffSlots: $0.staffSlots) }
    }

    static func steps(partnerID: UUID, on db: any Database) async throws -> [Step] {
        let rows = try await PartnerOnboardingStep.query(on: db).filter(\.$partnerID == partnerID).sort(\.$position).all()
        return rows.isEmpty ? defaultSteps : rows.map { Step(code: $0.code, title: $0.title) }
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
        try await db.transaction { db in
            try await PartnerPlan.query(on: db).filter(\.$partnerID == partnerID).delete()
            for (position, plan) in plans.enumerated() {
                try await PartnerPlan(partnerID: partnerID, name: plan.name, staffSlots: plan.staffSlots, position: position).create(on: db)
            }
        }
    }
}
