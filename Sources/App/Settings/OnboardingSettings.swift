import Fluent
import Foundation

/// The Onboarding steps section: the ordered list the workspace's wizard and the Activity tab's
/// checklist show. Add a step, rename it, move it, retire it (no wizard or checklist shows it;
/// steps already done stay recorded) or ask for it again. The first change writes the built-in
/// steps as the partner's own.
extension PartnerSettings {
    static let maxSteps = 50
    static let maxStepTitleLength = 100

    struct StepChange: Sendable, Equatable {
        enum Move: String, Sendable { case up, down }

        /// The step changed, by its code; nil adds a step.
        var step: String?
        var title: String?
        var move: Move?
        var retired: Bool?
    }

    /// A step that does not exist, too many steps, or an order that is not every step once: 409 in the API.
    struct StepConflict: Error, Equatable, Sendable {
        let message: String
    }

    /// Applies the changes in order, then `order` (every step's code once) when given; all or none.
    static func updateSteps(_ changes: [StepChange], order: [String]? = nil, by actor: Actor, context: AuditContext,
                            on db: any Database) async throws -> [PlanCatalogue.Step] {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        return try await db.writeTransaction { db in
            guard let partner = try await Partner.find(actor.partnerID, on: db) else { throw PortalError.notFound() }
            let partnerID = try partner.requireID()
            var rows = try await PartnerOnboardingStep.query(on: db).filter(\.$partnerID == partnerID).sort(\.$position).all()
            if rows.isEmpty {
                for (position, step) in PlanCatalogue.defaultSteps.enumerated() {
                    let row = PartnerOnboardingStep(partnerID: partnerID, code: step.code, title: step.title, position: position)
                    try await row.create(on: db)
                    rows.append(row)
                }
            }
            let before = rows.map(\.code)
            var lines: [String] = []
            for change in changes {
                let title = try change.title.map { try stepTitle($0) }
                guard let code = change.step else {
                    guard let title else { throw SettingsInput.Invalid(fields: ["step_title": "Enter the step's title."]) }
                    guard rows.count < maxSteps else { throw StepConflict(message: "A portal has at most \(maxSteps) steps; retire one instead.") }
                    let row = PartnerOnboardingStep(partnerID: partnerID, code: newCode(for: title, taken: Set(rows.map(\.code))), title: title,
                                                    position: rows.count)
                    try await row.create(on: db)
                    rows.append(row)
                    lines.append("step added: \(title)")
                    continue
                }
                guard let index = rows.firstIndex(where: { $0.code == code }) else {
                    throw StepConflict(message: "There is no step with the code \(code).")
                }
                let row = rows[index]
                var changed: [String] = []
                if let title, title != row.title {
                    changed.append("title: \(row.title) → \(title)")
                    row.title = title
                }
                if let retired = change.retired, retired != (row.retiredAt != nil) {
                    changed.append(retired ? "retired" : "asked for again")
                    row.retiredAt = retired ? Date() : nil
                }
                if let move = change.move {
                    let target = move == .up ? index - 1 : index + 1
                    if rows.indices.contains(target) { rows.swapAt(index, target) }
                }
                if !changed.isEmpty { lines.append("step \(row.title): " + changed.joined(separator: "; ")) }
            }
            if let order {
                guard order.count == rows.count, Set(order) == Set(rows.map(\.code)) else {
                    throw StepConflict(message: "order: list every step's code once (\(rows.map(\.code).joined(separator: ", "))).")
                }
                rows.sort { (order.firstIndex(of: $0.code) ?? 0) < (order.firstIndex(of: $1.code) ?? 0) }
            }
            if let reordered = Audit.change("order", before.joined(separator: ", "), rows.map(\.code).joined(separator: ", ")),
               before.count == rows.count {
                lines.append(reordered)
            }
            for (position, row) in rows.enumerated() {
                row.position = position
                if row.hasChanges { try await row.update(on: db) }
            }
            if !lines.isEmpty {
                try await Audit.record("settings.onboarding-changed", in: context, partnerID: partnerID,
                                       target: ("partner", partnerID.uuidString.lowercased(), partner.name),
                                       details: lines.joined(separator: "\n"), on: db)
            }
            return rows.map { PlanCatalogue.Step(code: $0.code, title: $0.title, retired: $0.retiredAt != nil) }
        }
    }

    static func stepTitle(_ raw: String) throws(SettingsInput.Invalid) -> String {
        switch DisplayText.read(raw, maxLength: maxStepTitleLength, empty: "Enter the step's title.") {
        case .success(let title): return title
        case .failure(let message): throw SettingsInput.Invalid(fields: ["step_title": message])
        }
    }

    /// A lower-case code from the title ("Gift cards" → "gift-cards"), made unique with a number.
    static func newCode(for title: String, taken: Set<String>) -> String {
        var code = ""
        for scalar in title.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                code.unicodeScalars.append(scalar)
            } else if !code.isEmpty, code.last != "-" {
                code += "-"
            }
            if code.count >= 40 { break }
        }
        while code.hasSuffix("-") { code.removeLast() }
        if code.isEmpty { code = "step" }
        var candidate = code
        var number = 2
        while taken.contains(candidate) { candidate = "\(code)-\(number)"; number += 1 }
        return candidate
    }
}
