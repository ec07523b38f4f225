import Fluent
import Foundation

/// The partner's own settings: security policy, history retention, brand and domains, plans,
/// onboarding steps and when work becomes a task. Each
/// section is changed on its own, by an operator holding `settings.manage` over the whole
/// partner, and every change is audited as `settings.<section>-changed` with before → after.
/// The page and the API both come here; the values take effect where they are read (the sign-in
/// flow, the session checks, the retention job, the layout, the partner middleware, Tasks).
enum PartnerSettings {
    enum Section: String, CaseIterable, Sendable {
        case security, retention, branding, domains, plans, onboarding, tasks
    }

    struct Security: Sendable, Equatable {
        var secondFactorRequired: Bool
        var secondFactorMethods: [SecondFactorMethod]
        var idleTimeoutMinutes: Int
        var absoluteTimeoutMinutes: Int
        var impersonationReasonRequired: Bool
        var impersonationMaxMinutes: Int
        var loginAsConsentRequired: Bool
        var loginAsOwnerNotice: LoginAsOwnerNotice
        var clientSecondFactorRequired: Bool

        init(_ partner: Partner) {
            let policy = SecondFactorPolicy(partner: partner)
            secondFactorRequired = policy.required
            secondFactorMethods = policy.methods
            idleTimeoutMinutes = partner.idleTimeoutMinutes
            absoluteTimeoutMinutes = partner.absoluteTimeoutMinutes
            impersonationReasonRequired = partner.impersonationReasonRequired
            impersonationMaxMinutes = partner.impersonationMaxMinutes
            loginAsConsentRequired = partner.loginAsConsentRequired
            loginAsOwnerNotice = partner.loginAsOwnerNotice
            clientSecondFactorRequired = partner.clientSecondFactorRequired
        }

        /// "field: before → after" for each value that differs.
        func changes(to after: Security) -> [String] {
            func choice(_ value: Bool) -> String { value ? "required" : "optional" }
            return [
                Audit.change("second factor", choice(secondFactorRequired), choice(after.secondFactorRequired)),
                Audit.change("second factor methods", secondFactorMethods.map(\.rawValue).joined(separator: ","),
                             after.secondFactorMethods.map(\.rawValue).joined(separator: ",")),
                Audit.change("idle timeout minutes", String(idleTimeoutMinutes), String(after.idleTimeoutMinutes)),
                Audit.change("absolute timeout minutes", String(absoluteTimeoutMinutes), String(after.absoluteTimeoutMinutes)),
                Audit.change("login-as reason", choice(impersonationReasonRequired), choice(after.impersonationReasonRequired)),
                Audit.change("login-as maximum minutes", String(impersonationMaxMinutes), String(after.impersonationMaxMinutes)),
                Audit.change("client consent", choice(loginAsConsentRequired), choice(after.loginAsConsentRequired)),
                Audit.change("owner notice", loginAsOwnerNotice.rawValue, after.loginAsOwnerNotice.rawValue),
                Audit.change("client authenticator", choice(clientSecondFactorRequired), choice(after.clientSecondFactorRequired)),
            ].compactMap { $0 }
        }
    }

    /// Every section as it is now.
    struct Snapshot: Sendable, Equatable {
        var security: Security
        var retentionDays: Int
        var branding: SettingsInput.Branding
        /// The uploaded logo; `branding.logoURL` is shown only without one.
        var logo: PartnerLogo.Summary?
        var domains: [String]
        var tasks: TaskThresholds
    }

    static func snapshot(partnerID: UUID, on db: any Database) async throws -> Snapshot {
        let partner = try await partnerRow(partnerID, on: db)
        return try await snapshot(partner, on: db)
    }

    static func snapshot(_ partner: Partner, on db: any Database) async throws -> Snapshot {
        let partnerID = try partner.requireID()
        return Snapshot(security: Security(partner), retentionDays: partner.historyRetentionDays, branding: branding(partner),
                        logo: try await PartnerLogo.find(partnerID: partnerID, on: db)?.summary,
                        domains: try await hosts(partnerID: partnerID, on: db), tasks: TaskThresholds(partner: partner))
    }

    // MARK: - Changes

    static func updateSecurity(_ change: SettingsInput.SecurityChange, by actor: Actor, context: AuditContext,
                               on db: any Database) async throws -> Snapshot {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        return try await db.writeTransaction { db in
            let partner = try await partnerRow(actor.partnerID, on: db)
            let before = Security(partner)
            try SettingsInput.apply(change, to: partner)
            try await save(partner, section: .security, changes: before.changes(to: Security(partner)), context: context, on: db)
            return try await snapshot(partner, on: db)
        }
    }

    static func updateRetention(days raw: String, by actor: Actor, context: AuditContext, on db: any Database) async throws -> Snapshot {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        let days = try SettingsInput.retentionDays(raw)
        return try await db.writeTransaction { db in
            let partner = try await partnerRow(actor.partnerID, on: db)
            let change = Audit.change("history retention days", String(partner.historyRetentionDays), String(days))
            partner.historyRetentionDays = days
            try await save(partner, section: .retention, changes: [change].compactMap { $0 }, context: context, on: db)
            return try await snapshot(partner, on: db)
        }
    }

    /// A change to the logo: a file to check and show from now on, or none at all (which also
    /// ends showing an address typed before logos could be uploaded).
    enum LogoChange: Sendable, Equatable {
        case upload(Data)
        case remove
    }

    /// The declared type of an uploaded logo is not what its bytes are (409 in the API).
    struct LogoConflict: Error, Equatable, Sendable {
        let message: String
    }

    /// nil leaves a value as it is. A refused logo is reported as the `logo` field, with any
    /// refused name or colour; `declaredLogoType` (the API's `contentType`) must be what the
    /// bytes are found to be.
    static func updateBranding(name: String?, color: String?, logo: LogoChange? = nil, declaredLogoType: LogoImage.Kind? = nil,
                               by actor: Actor, context: AuditContext, now: Date = Date(), on db: any Database) async throws -> Snapshot {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        var read: Result<LogoImage, LogoImage.Refusal>?
        if case .upload(let data) = logo {
            do { read = .success(try LogoImage.read(data)) } catch { read = .failure(error) }
        }
        let image = try? read?.get()
        let logoRefusal: [String: String] = if case .failure(let refusal) = read { ["logo": refusal.message] } else { [:] }
        return try await db.writeTransaction { db in
            var invalid = SettingsInput.Invalid(fields: logoRefusal)
            let partner = try await partnerRow(actor.partnerID, on: db)
            let partnerID = try partner.requireID()
            let before = branding(partner)
            var after = before
            do {
                after = try SettingsInput.branding(name: name, color: color, current: before)
            } catch let refused as SettingsInput.Invalid {
                invalid.fields.merge(refused.fields) { first, _ in first }
            }
            guard invalid.isEmpty else { throw invalid }
            if let image, let declaredLogoType, image.kind != declaredLogoType {
                throw LogoConflict(message: "The file is \(image.kind.rawValue), not \(declaredLogoType.rawValue) as contentType says.")
            }
            let storedLogo = try await PartnerLogo.find(partnerID: partnerID, withContents: false, on: db)
            let logoBefore = storedLogo?.summary.description ?? before.logoURL ?? "none"
            var logoAfter = logoBefore
            switch logo {
            case .upload where image?.digest == storedLogo?.digest:
                break
            case .upload:
                guard let image else { break }
                try await PartnerLogo.query(on: db).filter(\.$partnerID == partnerID).delete()
                let stored = PartnerLogo(partnerID: partnerID, image: image, now: now)
                try await stored.create(on: db)
                after.logoURL = nil
                logoAfter = stored.summary.description
                if logoAfter == logoBefore { logoAfter += " (a new image)" }
            case .remove:
                try await PartnerLogo.query(on: db).filter(\.$partnerID == partnerID).delete()
                after.logoURL = nil
                logoAfter = "none"
            case nil:
                break
            }
            (partner.name, partner.brandColor, partner.logoURL) = (after.name, after.color, after.logoURL)
            let changes = [
                Audit.change("name", before.name, after.name),
                Audit.change("colour", before.color, after.color),
                Audit.change("logo", logoBefore, logoAfter),
            ].compactMap { $0 }
            try await save(partner, section: .branding, changes: changes, context: context, on: db)
            return try await snapshot(partner, on: db)
        }
    }

    /// When work becomes a task: the Tasks page, Home, the API and digests read the new days
    /// at their next request.
    static func updateTasks(_ change: SettingsInput.TasksChange, by actor: Actor, context: AuditContext,
                            on db: any Database) async throws -> Snapshot {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        return try await db.writeTransaction { db in
            let partner = try await partnerRow(actor.partnerID, on: db)
            let before = TaskThresholds(partner: partner)
            try SettingsInput.apply(change, to: partner)
            let after = TaskThresholds(partner: partner)
            let changes = [
                Audit.change("stuck in setup days", String(before.stuckInSetupDays), String(after.stuckInSetupDays)),
                Audit.change("inactive days", String(before.inactiveDays), String(after.inactiveDays)),
                Audit.change("new assignment days", String(before.newAssignmentDays), String(after.newAssignmentDays)),
                Audit.change("pending invite days", String(before.pendingInviteDays), String(after.pendingInviteDays)),
                Audit.change("screening notice days", String(before.screeningNoticeDays), String(after.screeningNoticeDays)),
            ].compactMap { $0 }
            try await save(partner, section: .tasks, changes: changes, context: context, on: db)
            return try await snapshot(partner, on: db)
        }
    }

    /// A domain refused for what it is, not for how it is written: it belongs to another
    /// partner, it is not one of ours, or it is the one in use (409 in the API).
    struct DomainConflict: Error, Equatable, Sendable {
        let field: String
        let message: String
    }

    /// Adds and removes host names (already normalised, see `SettingsInput.host`). `requestHost`
    /// is the address the change came on: it is never removed, and a portal that answers on it
    /// only because it has no domain yet keeps it when it gets its first one.
    static func updateDomains(add: [String], remove: [String], requestHost: String, by actor: Actor, context: AuditContext,
                              on db: any Database) async throws -> Snapshot {
        try OperatorAdministration.require(AccessPolicy.mayManageSettings(actor))
        return try await db.writeTransaction { db in
            let partner = try await partnerRow(actor.partnerID, on: db)
            let partnerID = try partner.requireID()
            let before = try await hosts(partnerID: partnerID, on: db)
            if let both = add.first(where: remove.contains) {
                throw DomainConflict(field: "add", message: "\(both) is both added and removed: say one or the other.")
            }
            var after = before
            for host in remove {
                guard before.contains(host) else { throw DomainConflict(field: "remove", message: "\(host) is not one of this portal's domains.") }
                guard host != requestHost else {
                    throw DomainConflict(field: "remove", message: "\(host) is the address you are using: remove it from another of the portal's domains.")
                }
                after.removeAll { $0 == host }
            }
            // Each host once, in the order given.
            var added: [String] = []
            for host in add where !after.contains(host) && !added.contains(host) { added.append(host) }
            if before.isEmpty, !added.isEmpty, !added.contains(requestHost) {
                // The first domain ends the answer on any other address: keep this one, or the
                // change would lock its author out.
                guard PartnerService.isValidHost(requestHost) else {
                    throw DomainConflict(field: "host", message: "The portal would stop answering on the address you are using, which is not a host "
                                         + "name it can keep. Open Settings on a host name (such as localhost) to add the first domain.")
                }
                added.append(requestHost)
            }
            if !added.isEmpty {
                let taken = try await PartnerDomain.query(on: db).filter(\.$host ~~ added).filter(\.$partner.$id != partnerID).all()
                if let host = taken.first?.host {
                    throw DomainConflict(field: "host", message: "\(host) already belongs to another portal.")
                }
            }
            after.append(contentsOf: added)
            after.sort()
            let removed = Set(before).subtracting(after)
            if !removed.isEmpty {
                try await PartnerDomain.query(on: db).filter(\.$partner.$id == partnerID).filter(\.$host ~~ Array(removed)).delete()
            }
            for host in added { try await PartnerDomain(partnerID: partnerID, host: host).create(on: db) }
            let change = Audit.change("domains", before.isEmpty ? "none" : before.joined(separator: ", "),
                                      after.isEmpty ? "none" : after.joined(separator: ", "))
            try await save(partner, section: .domains, changes: [change].compactMap { $0 }, context: context, on: db)
            return try await snapshot(partner, on: db)
        }
    }

    // MARK: - Helpers

    private static func partnerRow(_ partnerID: UUID, on db: any Database) async throws -> Partner {
        guard let partner = try await Partner.find(partnerID, on: db) else { throw PortalError.notFound() }
        return partner
    }

    static func hosts(partnerID: UUID, on db: any Database) async throws -> [String] {
        try await PartnerDomain.query(on: db).filter(\.$partner.$id == partnerID).sort(\.$host).all().map(\.host)
    }

    private static func branding(_ partner: Partner) -> SettingsInput.Branding {
        .init(name: partner.name, color: partner.brandColor, logoURL: partner.logoURL)
    }

    /// Writes the partner and, when something changed, the audit entry.
    private static func save(_ partner: Partner, section: Section, changes: [String], context: AuditContext,
                             on db: any Database) async throws {
        guard !changes.isEmpty else { return }
        if partner.hasChanges { try await partner.update(on: db) }
        try await Audit.record("settings.\(section.rawValue)-changed", in: context, partnerID: try partner.requireID(),
                               target: ("partner", partner.id?.uuidString.lowercased(), partner.name),
                               details: changes.joined(separator: "\n"), on: db)
    }
}
