import Fluent
import Foundation

/// The business profile the owner keeps in the workspace: name, phone, address,
/// description, opening hours, the services offered for booking, and the business page's
/// colour and logo. Each change is recorded in the account's History with before → after.
enum WorkspaceProfile {
    struct Input: Sendable {
        var name: String
        var phone: String
        var address: String
        var description: String
        var openingHours: String
        var services: String = ""
        var brandColor: String
        var logoURL: String
    }

    static let maxDescriptionLength = 2_000
    static let maxHoursLength = 500
    static let maxLogoURLLength = 500

    static func input(of account: Account) -> Input {
        Input(name: account.name, phone: account.phone ?? "", address: account.address ?? "", description: account.businessDescription ?? "",
              openingHours: account.openingHours ?? "", services: account.services ?? "", brandColor: account.brandColor ?? "", logoURL: account.logoURL ?? "")
    }

    static func update(_ input: Input, by user: WorkspaceUser, ip: String, now: Date = Date(), on db: any Database) async throws {
        if case .deny(let reason) = AccessPolicy.mayEditBusinessProfile(user.role) { throw PortalError.denied(reason) }
        guard let account = try await Account.query(on: db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        var errors = OperatorInput.Errors()
        var name = account.name
        switch OperatorInput.name(input.name) {
        case .success(let value): name = value
        case .failure(let message): errors.fields["name"] = message
        }
        // The name signs every reply and announcement: while links are screened it may not
        // carry one either.
        if name != account.name, case .deny = AccessPolicy.maySend(name, createdAt: account.createdAt, sendLinksEnabled: account.sendLinksEnabled, now: now) {
            errors.fields["name"] = "While messages are screened for links (the account's first 30 days), the business name cannot hold a web address."
        }
        let phone = input.phone.nilIfBlank.flatMap { OperatorInput.phone($0, errors: &errors) }
        let address = text(input.address, field: "address", maxLength: AccountEditing.maxAddressLength, multiline: false, errors: &errors)
        let description = text(input.description, field: "description", maxLength: maxDescriptionLength, multiline: true, errors: &errors)
        let hours = text(input.openingHours, field: "opening_hours", maxLength: maxHoursLength, multiline: true, errors: &errors)
        let services = BookableServices.read(input.services, errors: &errors)
        let color = input.brandColor.trimmingCharacters(in: .whitespaces).uppercased().nilIfEmpty
        if let color, !BrandColor.isValid(color) { errors.fields["brand_color"] = "Use a colour such as #4F46E5." }
        let logo = input.logoURL.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let logo, logo.unicodeScalars.count > maxLogoURLLength || ExternalURL(logo)?.value.hasPrefix("https://") != true {
            errors.fields["logo_url"] = "Give the https:// address of an image, or leave it empty."
        }
        guard errors.isEmpty else { throw errors }
        var changes: [String] = []
        func note(_ label: String, _ before: String?, _ after: String?) {
            if before != after { changes.append("\(label): \(before ?? "—") → \(after ?? "—")") }
        }
        note("name", account.name, name)
        note("phone", account.phone, phone)
        note("address", account.address, address)
        note("description", account.businessDescription, description)
        note("opening hours", account.openingHours, hours)
        note("services", BookableServices.described(account.services), BookableServices.described(services))
        note("brand colour", account.brandColor, color)
        note("logo", account.logoURL, logo)
        guard !changes.isEmpty else { return }
        account.name = name
        account.phone = phone
        account.address = address
        account.businessDescription = description
        account.openingHours = hours
        account.services = services
        account.brandColor = color
        account.logoURL = logo
        let details = "by \(user.role.rawValue) \(user.email): " + changes.joined(separator: "; ")
        try await db.writeTransaction { db in
            try await account.update(on: db)
            try await Audit.record("account.profile-changed", by: user.auditActor, partnerID: user.partnerID,
                                   target: Audit.target(account), details: details,
                                   ip: ip, now: now, on: db)
        }
    }

    /// Optional text: empty means none; several lines only where `multiline`.
    /// A profile's text: trimmed, without control characters (line breaks where `multiline`), at most `maxLength`.
    static func text(_ raw: String, field: String, maxLength: Int, multiline: Bool, errors: inout OperatorInput.Errors) -> String? {
        let unified = raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        guard let trimmed = DisplayText.trimmed(unified) else { return nil }
        let allowed: (Unicode.Scalar) -> Bool = { multiline && $0 == "\n" || !DisplayText.isControl($0) }
        guard trimmed.unicodeScalars.allSatisfy(allowed) else {
            errors.fields[field] = multiline ? "Remove the control characters." : "Keep it on one line, without control characters."
            return nil
        }
        guard trimmed.unicodeScalars.count <= maxLength else {
            errors.fields[field] = "Use at most \(maxLength) characters."
            return nil
        }
        return trimmed
    }
}
