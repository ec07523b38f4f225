import Fluent
import Foundation

/// The Plans section: add a plan, rename it, change its default staff slots, retire it (a
/// retired plan stays on the accounts that have it and is offered to no other) or offer it
/// again. The first change writes the built-in catalogue as the partner's own.
extension PartnerSettings {
    static let maxPlans = 50
    static let maxPlanNameLength = 100

    struct PlanChange: Sendable, Equatable {
        /// The plan changed, by its current name; nil adds a plan.
        var plan: String?
        var name: String?
        var staffSlots: String?
        var retired: Bool?
    }

    /// Applies the changes in order, all or none. Field errors are `SettingsInput.Invalid`
    /// (`plan_name`, `plan_staff_slots`); an unknown plan, a name in use or one plan too many is
    /// a `PlanConflict`.
    static func updatePlans(_ changes: [PlanChange], by actor: Actor, context: AuditContext, on db: any Database) async throws -> [PlanCatalogue.Plan] {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        return try await db.writeTransaction { db in
            let partner = try await Partner.find(actor.partnerID, on: db)
            guard let partner else { throw PortalError.notFound() }
            let partnerID = try partner.requireID()
            var rows = try await PartnerPlan.query(on: db).filter(\.$partnerID == partnerID).sort(\.$position).all()
            if rows.isEmpty {
                for (position, plan) in PlanCatalogue.defaultPlans.enumerated() {
                    let row = PartnerPlan(partnerID: partnerID, name: plan.name, staffSlots: plan.staffSlots, position: position)
                    try await row.create(on: db)
                    rows.append(row)
                }
            }
            var lines: [String] = []
            for change in changes {
                let name = try change.name.map { try planName($0) }
                let slots = try change.staffSlots.map { try staffSlots($0) }
                if let name, rows.contains(where: { $0.name.lowercased() == name.lowercased() && $0.name != change.plan }) {
                    throw PlanConflict(message: "There is already a plan called \(name).")
                }
                guard let current = change.plan else {
                    guard let name else { throw SettingsInput.Invalid(fields: ["plan_name": "Enter the plan's name."]) }
                    guard rows.count < maxPlans else { throw PlanConflict(message: "A portal has at most \(maxPlans) plans; retire one instead.") }
                    let row = PartnerPlan(partnerID: partnerID, name: name, staffSlots: slots ?? 1, position: (rows.map(\.position).max() ?? -1) + 1)
                    try await row.create(on: db)
                    rows.append(row)
                    lines.append("plan added: \(name), \(row.staffSlots) staff slots")
                    continue
                }
                guard let row = rows.first(where: { $0.name == current }) else {
                    throw PlanConflict(message: "There is no plan called \(current).")
                }
                var changed: [String] = []
                if let name, name != row.name {
                    changed.append("name: \(row.name) → \(name)")
                    // Accounts name their plan: they follow the rename.
                    try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$plan == row.name).set(\.$plan, to: name).update()
                    row.name = name
                }
                if let slots, slots != row.staffSlots {
                    changed.append("default staff slots: \(row.staffSlots) → \(slots)")
                    row.staffSlots = slots
                }
                if let retired = change.retired, retired != (row.retiredAt != nil) {
                    changed.append(retired ? "retired" : "offered again")
                    row.retiredAt = retired ? Date() : nil
                }
                guard !changed.isEmpty else { continue }
                try await row.update(on: db)
                lines.append("plan \(current): " + changed.joined(separator: "; "))
            }
            if !lines.isEmpty {
                try await Audit.record("settings.plans-changed", in: context, partnerID: partnerID,
                                       target: ("partner", partnerID.uuidString.lowercased(), partner.name),
                                       details: lines.joined(separator: "\n"), on: db)
            }
            return rows.sorted { $0.position < $1.position }
                .map { PlanCatalogue.Plan(name: $0.name, staffSlots: $0.staffSlots, retired: $0.retiredAt != nil) }
        }
    }

    /// A plan that does not exist, or a name another plan has: 409 in the API.
    struct PlanConflict: Error, Equatable, Sendable {
        let message: String
    }

    static func planName(_ raw: String) throws(SettingsInput.Invalid) -> String {
        switch DisplayText.read(raw, maxLength: maxPlanNameLength, empty: "Enter the plan's name.") {
        case .success(let name): return name
        case .failure(let message): throw SettingsInput.Invalid(fields: ["plan_name": message])
        }
    }

    static func staffSlots(_ raw: String) throws(SettingsInput.Invalid) -> Int {
        guard let slots = Int(raw.trimmingCharacters(in: .whitespaces)), (0...PlanCatalogue.maxStaffSlots).contains(slots) else {
            throw SettingsInput.Invalid(fields: ["plan_staff_slots": "Enter a whole number of staff slots from 0 to \(PlanCatalogue.maxStaffSlots)."])
        }
        return slots
    }
}
