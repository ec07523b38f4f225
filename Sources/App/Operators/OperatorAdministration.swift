import Fluent
import Foundation

/// Blocking, unblocking and changing grants of operators, with every rule of the access
/// model applied: the policy decides, and the partner always keeps an active admin.
enum OperatorAdministration {
    struct RequestedGrant: Sendable, Equatable {
        var role: String
        var scope: Grant.ScopeKind
        var scopeID: UUID?
    }

    /// A change to an operator's profile; nil leaves a field as it is (`phone: .some(nil)` clears it).
    struct ProfileChange: Sendable {
        var name: String?
        var email: String?
        var phone: String??
        /// An IANA zone from `TimeZoneField.zones`.
        var timeZone: String? = nil
    }

    /// Changes name, email or phone. Your own email or phone needs your current password
    /// (`passwordConfirmed`, checked by the caller) and never arrives through the operators
    /// API; another operator's needs `operators.edit` over them. A changed email signs its
    /// owner out everywhere, and when someone else changed it the old address is told.
    static func edit(_ target: Operator, _ change: ProfileChange, by actor: Actor, through channel: ContactChangeChannel = .page,
                     passwordConfirmed: Bool = false, context: AuditContext, on db: any Database) async throws {
        let isSelf = try target.requireID() == actor.operatorID
        let subject = try await subject(for: target, on: db)
        try require(AccessPolicy.decide(actor, .edit, on: subject))
        var errors = OperatorInput.Errors()
        var lines: [String] = []
        var newName = target.name, newEmail = target.email, newPhone = target.phone
        if let raw = change.name {
            switch OperatorInput.name(raw) {
            case .success(let value): newName = value
            case .failure(let message): errors.fields["name"] = message
            }
        }
        if let raw = change.email {
            switch OperatorInput.email(raw) {
            case .success(let value): newEmail = value
            case .failure(let message): errors.fields["email"] = message
            }
        }
        if let phone = change.phone { newPhone = OperatorInput.phone(phone, errors: &errors) }
        var newZone = target.timeZone
        if let raw = change.timeZone {
            switch TimeZoneField.check(raw) {
            case .success(let value): newZone = value
            case .failure(let message): errors.fields["time_zone"] = message
            }
        }
        guard errors.isEmpty else { throw errors }
        let emailChanged = newEmail != target.email, phoneChanged = newPhone != target.phone
        if emailChanged || phoneChanged {
            try require(AccessPolicy.decideContactChange(actor, on: subject, through: channel, passwordConfirmed: passwordConfirmed))
        }
        if phoneChanged, target.secondFactor == .sms {
            // Their codes go to this number: moving it silently would lock them out, or send
            // their codes to someone else.
            throw PortalError(status: .conflict, title: "Phone used for sign-in",
                              detail: "\(isSelf ? "You sign" : "\(target.name) signs") in with codes sent to this phone. "
                                  + (isSelf ? "Choose another two-step sign-in method on your profile first."
                                            : "Reset their two-step sign-in first; they choose a method again at their next sign-in."))
        }
        if emailChanged, try await Operator.query(on: db)
            .filter(\.$partner.$id == target.$partner.id).filter(\.$email == newEmail).count() > 0 {
            throw PortalError(status: .conflict, title: "Email in use", detail: "An operator with the email \(newEmail) already exists.")
        }
        if newName != target.name { lines.append("name: \(target.name) → \(newName)") }
        if emailChanged { lines.append("email: \(target.email) → \(newEmail)") }
        if phoneChanged { lines.append("phone: \(target.phone ?? "—") → \(newPhone ?? "—")") }
        if newZone != target.timeZone { lines.append("time zone: \(target.timeZone) → \(newZone)") }
        guard !lines.isEmpty else { return }
        let details = lines.joined(separator: "\n")
        let oldEmail = target.email, changedEmail = newEmail
        let partnerName = emailChanged && !isSelf ? (try await Partner.find(target.$partner.id, on: db)?.name ?? Layout.productName) : ""
        target.name = newName
        target.email = newEmail
        if phoneChanged {
            // A new number has not received a code yet: text messages wait until it does.
            target.phoneVerifiedAt = nil
        }
        target.phone = newPhone
        target.timeZone = newZone
        try await db.writeTransaction { db in
            try await target.update(on: db)
            if emailChanged {
                // Whatever signed them in under the old address stops: sessions and API tokens.
                try await SessionStore.endAll(operatorID: target.requireID(), on: db)
                try await APITokens.revokeAll(operatorID: target.requireID(), partnerID: target.$partner.id, on: db)
                if !isSelf {
                    let notice = Emails.emailChanged(partner: partnerName, by: context.actor.name, to: changedEmail)
                    try await Outbox.enqueue(partnerID: target.$partner.id, channel: .email, to: oldEmail, subject: notice.subject,
                                             body: notice.body, on: db)
                }
            }
            try await Audit.record("operator.edited", in: context, partnerID: target.$partner.id, target: Audit.target(target),
                                   details: details, on: db)
        }
    }

    /// The operator as the operator-page rules see them.
    static func subject(for target: Operator, on db: any Database) async throws -> OperatorSubject {
        OperatorSubject(facts: try await AccessLoader.facts(for: target, on: db),
                        status: OperatorSubject.Status(rawValue: target.status.rawValue) ?? .blocked,
                        hasSecondFactor: target.secondFactor != nil,
                        isLastActiveAdmin: target.status == .active ? try await AdminGuard.isLastAdmin(target, on: db) : false)
    }

    /// Digest frequency and categories: your own, or (with operators.edit) another operator's,
    /// such as a Notifications-only operator who cannot sign in to set them.
    static func setNotifications(of target: Operator, to preferences: NotificationPreferences, by actor: Actor, context: AuditContext,
                                 on db: any Database) async throws {
        try require(AccessPolicy.decide(actor, .notifications, on: try await subject(for: target, on: db)))
        guard preferences != target.notificationPreferences else { return }
        target.notificationPreferences = preferences
        try await db.writeTransaction { db in
            try await target.update(on: db)
            try await Audit.record("operator.notifications-changed", in: context, partnerID: target.$partner.id, target: Audit.target(target),
                                   details: target.storedNotificationPreferences, on: db)
        }
    }

    static func block(_ target: Operator, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try await require(actor, .block, on: target, db: db)
        target.status = .blocked
        try await db.writeTransaction { db in
            try await AdminGuard.requireAnotherAdmin(besides: target, action: "blocked", on: db)
            try await target.update(on: db)
            try await Impersonation.endAll(startedBy: target.requireID(), why: "\(target.name) was blocked", ip: context.ip, on: db)
            try await SessionStore.endAll(operatorID: target.requireID(), on: db)
            try await APITokens.revokeAll(operatorID: target.requireID(), partnerID: target.$partner.id, on: db)
            try await Audit.record("operator.blocked", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
        }
    }

    /// Removes an operator and everything that signs them in. (Emailing them that their
    /// access was revoked, and keeping their name in history, arrive with those features.)
    static func remove(_ target: Operator, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try await require(actor, .remove, on: target, db: db)
        let partnerName = try await Partner.find(target.$partner.id, on: db)?.name ?? Layout.productName
        try await db.writeTransaction { db in
            try await AdminGuard.requireAnotherAdmin(besides: target, action: "removed", on: db)
            try await Audit.record("operator.removed", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
            let notice = Emails.accessRevoked(partner: partnerName)
            try await Outbox.enqueue(partnerID: target.$partner.id, channel: .email, to: target.email, subject: notice.subject, body: notice.body, on: db)
            try await target.delete(on: db)
        }
    }

    /// Clears the operator's second factor and recovery codes (a lost phone): they choose a
    /// new one at their next sign-in, and are told by email.
    static func resetSecondFactor(of target: Operator, by actor: Actor, context: AuditContext, partner: Partner, on db: any Database) async throws {
        try require(AccessPolicy.decide(actor, .resetSecondFactor, on: try await subject(for: target, on: db)))
        try await db.writeTransaction { db in
            target.secondFactor = nil
            target.totpSecret = nil
            target.totpLastStep = nil
            try await target.update(on: db)
            try await RecoveryCode.query(on: db).filter(\.$operator.$id == target.requireID()).delete()
            try await SignInChallenge.query(on: db).filter(\.$operator.$id == target.requireID()).delete()
            let notice = Emails.secondFactorReset(partner: partner.name, by: context.actor.name)
            try await Outbox.enqueue(partnerID: target.$partner.id, channel: .email, to: target.email, subject: notice.subject, body: notice.body, on: db)
            try await Audit.record("operator.second-factor-reset", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
        }
    }

    static func unblock(_ target: Operator, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try require(AccessPolicy.decide(actor, .unblock, on: try await subject(for: target, on: db)))
        target.status = target.passwordHash == nil ? .invited : .active
        try await db.writeTransaction { db in
            try await target.update(on: db)
            try await Audit.record("operator.unblocked", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
        }
    }

    /// Replaces all of an operator's grants. The actor must be allowed to edit the operator
    /// as they are, and to give each new grant.
    static func replaceGrants(of target: Operator, with requested: [RequestedGrant], by actor: Actor, context: AuditContext,
                              on db: any Database) async throws {
        let partnerID = target.$partner.id
        try require(AccessPolicy.decide(actor, .grants, on: try await subject(for: target, on: db)))
        guard !requested.isEmpty else { throw PortalError.badRequest("Give the operator at least one role.") }
        let roles = try await authorizeGrants(requested, partnerID: partnerID, by: actor, on: db)
        let keepsAdmin = requested.contains { roles[$0.role]?.isAdmin == true && $0.scope == .all }
        let names = try await ScopeNames.load(partnerID: partnerID, naming: target.grants.map { ($0.scope, $0.scopeID) } + requested.map { ($0.scope, $0.scopeID) },
                                              on: db)
        let before = target.grants.map { names.describe(role: $0.role, scope: $0.scope, id: $0.scopeID, roles: roles) }.sorted().joined(separator: ", ")
        let after = requested.map { names.describe(role: $0.role, scope: $0.scope, id: $0.scopeID, roles: roles) }.sorted().joined(separator: ", ")
        try await db.writeTransaction { db in
            if !keepsAdmin { try await AdminGuard.requireAnotherAdmin(besides: target, action: "demoted", on: db) }
            try await Audit.record("operator.grants-changed", in: context, partnerID: partnerID, target: Audit.target(target),
                                   details: "grants: \(before) → \(after)", on: db)
            try await Grant.query(on: db).filter(\.$operator.$id == target.requireID()).delete()
            for grant in requested {
                try await Grant(partnerID: partnerID, operatorID: target.requireID(), role: grant.role,
                                scope: grant.scope, scopeID: grant.scopeID).create(on: db)
            }
        }
        try await target.$grants.load(on: db)
    }

    /// Checks that every requested grant names an existing role and scope of the partner and
    /// is one the actor may give. Returns the partner's roles.
    @discardableResult
    static func authorizeGrants(_ requested: [RequestedGrant], partnerID: UUID, by actor: Actor, on db: any Database) async throws -> [String: RoleDefinition] {
        let roles = try await AccessLoader.roles(partnerID: partnerID, on: db)
        for grant in requested {
            guard let role = roles[grant.role] else { throw PortalError.unknownReference("There is no role '\(grant.role)'.") }
            if (grant.scope == .group || grant.scope == .account) != (grant.scopeID != nil) {
                throw PortalError.badRequest("A \(grant.scope.rawValue) scope needs exactly one \(grant.scope.rawValue) id.")
            }
            guard let scope = try await AccessLoader.scopeFacts(kind: grant.scope, id: grant.scopeID, partnerID: partnerID, on: db) else {
                throw PortalError.unknownReference("The \(grant.scope.rawValue) of this grant does not exist.")
            }
            try require(AccessPolicy.decideGrant(actor, role: role, scope: scope, partnerID: partnerID))
        }
        return roles
    }

    /// Asks the policy about `action` on `target`; the last admin is refused by name.
    private static func require(_ actor: Actor, _ action: OperatorAction, on target: Operator, db: any Database) async throws {
        let decision = AccessPolicy.decide(actor, action, on: try await subject(for: target, on: db))
        if case .deny(.lastAdmin) = decision {
            throw PortalError.lastAdmin(name: target.name, action: action == .remove ? "removed" : "blocked")
        }
        try require(decision)
    }

    static func require(_ decision: Decision) throws {
        if case .deny(let reason) = decision { throw PortalError.denied(reason) }
    }
}

extension PortalError {
    static func lastAdmin(name: String, action: String) -> PortalError {
        PortalError(status: .conflict, title: "Last admin",
                    detail: "\(name) is the last active admin over all accounts and cannot be \(action). Make another operator an admin first.")
    }

    /// A policy denial: 404 where even existence must not leak, 403 otherwise.
    static func denied(_ reason: DenyReason) -> PortalError {
        switch reason {
        case .otherPartner: return .notFound()
        // The subject's state, not the asker's rights, stands in the way: a conflict.
        case .notInvited, .notActive, .notBlocked, .noSecondFactor, .lastAdmin, .alreadyImpersonating, .consentNeeded, .templateAccount:
            return PortalError(status: .conflict, title: "Not possible now", detail: reason.message)
        default:
            return PortalError(status: .forbidden, title: "Forbidden", detail: reason.message)
        }
    }
}
