import Foundation

/// What a template passes on to the accounts created from it, and can push to them later.
enum TemplatePart: String, Codable, Sendable, CaseIterable {
    case subscription, tags, onboarding, branding, businessPage = "business_page", services

    var label: String {
        switch self {
        case .subscription: "Plan and staff slots"
        case .tags: "Tags"
        case .onboarding: "Onboarding steps"
        case .branding: "Branding"
        case .businessPage: "Business page"
        case .services: "Services offered for booking"
        }
    }

    /// What an operator needs on an account to change this part of it.
    var permission: Permission {
        switch self {
        case .subscription: .accountSubscriptionEdit
        case .tags: .accountTagsEdit
        case .onboarding: .accountEdit
        case .branding, .businessPage, .services: .accountBrandingEdit
        }
    }

    static func parse(_ raw: [String]) -> Set<TemplatePart>? {
        var parts: Set<TemplatePart> = []
        for value in raw {
            guard let part = TemplatePart(rawValue: value) else { return nil }
            parts.insert(part)
        }
        return parts
    }
}

/// The values of an account that template parts cover: the template's as pushed, or an
/// account's now.
struct TemplateValues: Codable, Sendable, Equatable {
    var plan: String?
    var staffSlots: Int
    var tags: [String]
    var onboardingSteps: String?
    var brandColor: String?
    var logoURL: String?
    var businessDescription: String?
    var openingHours: String?
    /// One a line; nil for none listed (and in pushes stored before services could be pushed).
    var services: String?

    init(_ account: Account, tags: [String]) {
        (plan, staffSlots, self.tags, onboardingSteps) = (account.plan, account.staffSlots, tags.sorted(), account.onboardingSteps)
        (brandColor, logoURL, businessDescription, openingHours) = (account.brandColor, account.logoURL, account.businessDescription, account.openingHours)
        services = account.services
    }

    /// One part's difference: what it says now, and what it would say.
    struct Change: Sendable, Equatable, Codable {
        var part: TemplatePart
        var field: String
        var before: String
        var after: String
    }

    /// What pushing `parts` of `template` would change here, field by field. Tags are
    /// added, never removed: an account keeps the tags it has of its own.
    func changes(to template: TemplateValues, parts: Set<TemplatePart>) -> [Change] {
        var changes: [Change] = []
        func note(_ part: TemplatePart, _ field: String, _ before: String?, _ after: String?) {
            if (before ?? "") != (after ?? "") { changes.append(Change(part: part, field: field, before: before ?? "—", after: after ?? "—")) }
        }
        for part in TemplatePart.allCases where parts.contains(part) {
            switch part {
            case .subscription:
                note(part, "plan", plan, template.plan)
                note(part, "staff slots", String(staffSlots), String(template.staffSlots))
            case .tags:
                let missing = template.tags.filter { !tags.contains($0) }
                if !missing.isEmpty {
                    changes.append(Change(part: part, field: "tags", before: tags.isEmpty ? "—" : tags.joined(separator: ", "),
                                          after: (tags + missing).joined(separator: ", ")))
                }
            case .onboarding:
                note(part, "onboarding steps", onboardingSteps ?? "all", template.onboardingSteps ?? "all")
            case .branding:
                note(part, "brand colour", brandColor, template.brandColor)
                note(part, "logo", logoURL, template.logoURL)
            case .businessPage:
                note(part, "description", businessDescription, template.businessDescription)
                note(part, "opening hours", openingHours, template.openingHours)
            case .services:
                note(part, "services", BookableServices.described(services), BookableServices.described(template.services))
            }
        }
        return changes
    }
}
