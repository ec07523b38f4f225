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
    }

    /// Changes name, email or phone. Changing your own email signs you out everywhere.
    static func edit(_ target: Operator, _ change: ProfileChange, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        let isSelf = try target.requireID() == actor.operatorID
        if !isSelf {
            try await require(AccessPolicy.decide(actor, .operatorsEdit, .operator(AccessLoader.facts(for: target, on: db))))
        }
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
        guard errors.isEmpty else { throw errors }
        if newEmail != target.email, try await Operator.query(on: db)
            .filter(\.$partner.$id == target.$partner.id).filter(\.$email == newEmail).count() > 0 {
            throw PortalError(status: .conflict, title: "Email in use", detail: "An operator with the email \(newEmail) already exists.")
        }
        if newName != target.name { lines.append("name: \(target.name) → \(newName)") }
        if newEmail != target.email { lines.append("email: \(target.email) → \(newEmail)") }
        if newPhone != target.phone { lines.append("phone: \(target.phone ?? "—") → \(newPhone ?? "—")") }
        guard !lines.isEmpty else { return }
        let emailChanged = newEmail != target.email
        let details = lines.joined(separator: "\n")
        target.name = newName
        target.email = newEmail
        if newPhone != target.phone {
            // A new number has not received a code yet: text messages stop until it does.
            target.phoneVerifiedAt = nil
            if target.secondFactor == .sms { target.secondFactor = nil }
        }
        target.phone = newPhone
        try await db.transaction { db in
            try await target.update(on: db)
            if isSelf && emailChanged { try await SessionStore.endAll(operatorID: target.requireID(), on: db) }
            try await Audit.record("operator.edited", in: context, partnerID: target.$partner.id, target: Audit.target(target),
                                   details: details, on: db)
        }
    }

    /// Digest frequency and categories: your own, or (with operators.edit) another operator's,
    /// such as a Notifications-only operator who cannot sign in to set them.
    static func setNotifications(of target: Operator, to preferences: NotificationPreferences, by actor: Actor, context: AuditContext,
                                 on db: any Database) async throws {
        if try target.requireID() != actor.operatorID {
            try await require(AccessPolicy.decide(actor, .operatorsEdit, .operator(AccessLoader.facts(for: target, on: db))))
        }
        guard preferences != target.notificationPreferences else { return }
        target.notificationPreferences = preferences
        try await db.transaction { db in
            try await target.update(on: db)
            try await Audit.record("operator.notifications-changed", in: context, partnerID: target.$partner.id, target: Audit.target(target),
                                   details: target.storedNotificationPreferences, on: db)
        }
    }

    static func block(_ target: Operator, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try await require(AccessPolicy.decide(actor, .operatorsBlock, .operator(AccessLoader.facts(for: target, on: db))))
        if target.status == .active, try await isLastAdmin(target, on: db) {
            throw PortalError.lastAdmin(name: target.name, action: "blocked")
        }
        target.status = .blocked
        try await db.transaction { db in
            try await target.update(on: db)
            try await SessionStore.endAll(operatorID: target.requireID(), on: db)
            try await Audit.record("operator.blocked", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
        }
    }

    /// Removes an operator and everything that signs them in. (Emailing them that their
    /// access was revoked, and keeping their name in history, arrive with those features.)
    static func remove(_ target: Operator, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try await require(AccessPolicy.decide(actor, .operatorsRemove, .operator(AccessLoader.facts(for: target, on: db))))
        if target.status == .active, try await isLastAdmin(target, on: db) {
            throw PortalError.lastAdmin(name: target.name, action: "removed")
        }
        let partnerName = try await Partner.find(target.$partner.id, on: db)?.name ?? Layout.productName
        try await db.transaction { db in
            try await Audit.record("operator.removed", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
            let notice = Emails.accessRevoked(partner: partnerName)
            try await Outbox.enqueue(partnerID: target.$partner.id, channel: .email, to: target.email, subject: notice.subject, body: notice.body, on: db)
            try await target.delete(on: db)
        }
    }

    /// Clears the operator's second factor and recovery codes (a lost phone): they choose a
    /// new one at their next sign-in, and are told by email.
    static func resetSecondFactor(of target: Operator, by actor: Actor, context: AuditContext, partner: Partner, on db: any Database) async throws {
        try await require(AccessPolicy.decide(actor, .operatorsEdit, .operator(AccessLoader.facts(for: target, on: db))))
        try await db.transaction { db in
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
        try await require(AccessPolicy.decide(actor, .operatorsBlock, .operator(AccessLoader.facts(for: target, on: db))))
        target.status = target.passwordHash == nil ? .invited : .active
        try await db.transaction { db in
            try await target.update(on: db)
            try await Audit.record("operator.unblocked", in: context, partnerID: target.$partner.id, target: Audit.target(target), on: db)
        }
    }

    /// Replaces all of an operator's grants. The actor must be allowed to edit the operator
    /// as they are, and to give each new grant.
    static func replaceGrants(of target: Operator, with requested: [RequestedGrant], by actor: Actor, context: AuditContext,
                              on db: any Database) async throws {
        let partnerID = target.$partner.id
        try await require(AccessPolicy.decide(actor, .operatorsEdit, .operator(AccessLoader.facts(for: target, on: db))))
        guard !requested.isEmpty else { throw PortalError.badRequest("Give the operator at least one role.") }
        let roles = try await authorizeGrants(requested, partnerID: partnerID, by: actor, on: db)
        let keepsAdmin = requested.contains { roles[$0.role]?.isAdmin == true && $0.scope == .all }
        if !keepsAdmin, target.status == .active, try await isLastAdmin(target, on: db) {
            throw PortalError.lastAdmin(name: target.name, action: "demoted")
        }
        let before = target.grants.map(describe).sorted().joined(separator: ", ")
        let after = requested.map { describe(role: $0.role, scope: $0.scope, id: $0.scopeID) }.sorted().joined(separator: ", ")
        try await db.transaction { db in
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

    static func describe(_ grant: Grant) -> String {
        describe(role: grant.role, scope: grant.scope, id: grant.scopeID)
    }

    static func describe(role: String, scope: Grant.ScopeKind, id: UUID?) -> String {
        "\(role)@\(scope.rawValue)\(id.map { ":" + $0.uuidString.lowercased() } ?? "")"
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

    /// Whether `target` is the partner's only active operator holding Admin over all accounts.
    static func isLastAdmin(_ target: Operator, on db: any Database) async throws -> Bool {
        let adminRoles = ["admin", "admin-secure"]
        let grants = try await Grant.query(on: db)
            .filter(\.$partnerID == target.$partner.id).filter(\.$role ~~ adminRoles).filter(\.$scope == .all)
            .join(parent: \.$operator).filter(Operator.self, \.$status == .active)
            .all()
        let holders = Set(grants.map { $0.$operator.id })
        return holders == [try target.requireID()]
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
        if reason == .otherPartner { return .notFound() }
        return PortalError(status: .forbidden, title: "Forbidden", detail: reason.message)
    }
}
