import Fluent
import Foundation

/// Inviting operators, re-sending invites, password resets and removal notices: each
/// change, its emailed link and its audit entry written in one transaction.
enum OperatorInvitations {
    struct NewInvite: Sendable {
        var name: String
        var email: String
        var phone: String?
        var grants: [OperatorAdministration.RequestedGrant]
        /// An IANA zone; empty for the default (`TimeZoneField.fallback`).
        var timeZone: String = ""
    }

    /// Creates an invited operator with `grants` and emails them a single-use link.
    static func invite(_ input: NewInvite, by actor: Actor, context: AuditContext, partner: Partner, baseURL: String,
                       now: Date = Date(), on db: any Database) async throws -> Operator {
        let partnerID = try partner.requireID()
        // Asked before the input is read: someone who may not invite learns nothing from it.
        try OperatorAdministration.require(AccessPolicy.decideAnywhere(actor, [.operatorsInvite]))
        var errors = OperatorInput.Errors()
        var name = "", email = ""
        switch OperatorInput.name(input.name) {
        case .success(let value): name = value
        case .failure(let message): errors.fields["name"] = message
        }
        switch OperatorInput.email(input.email) {
        case .success(let value): email = value
        case .failure(let message): errors.fields["email"] = message
        }
        let phone = OperatorInput.phone(input.phone, errors: &errors)
        var timeZone = TimeZoneField.fallback
        switch TimeZoneField.check(input.timeZone) {
        case .success(let value): timeZone = value
        case .failure(let message): errors.fields["time_zone"] = message
        }
        if input.grants.isEmpty { errors.fields["grants"] = "Give the operator at least one role." }
        guard errors.isEmpty else { throw errors }

        // Every grant must be one the inviter may give.
        let roles = try await OperatorAdministration.authorizeGrants(input.grants, partnerID: partnerID, by: actor, on: db)
        let names = try await ScopeNames.load(partnerID: partnerID, naming: input.grants.map { ($0.scope, $0.scopeID) }, on: db)
        if try await Operator.query(on: db).filter(\.$partner.$id == partnerID).filter(\.$email == email).count() > 0 {
            throw PortalError(status: .conflict, title: "Email in use", detail: "An operator with the email \(email) already exists.")
        }

        let (cleanName, cleanEmail, zone) = (name, email, timeZone)
        return try await db.writeTransaction { db in
            let op = Operator(partnerID: partnerID, email: cleanEmail, name: cleanName, status: .invited)
            op.phone = phone
            op.timeZone = zone
            try await op.create(on: db)
            for grant in input.grants {
                try await Grant(partnerID: partnerID, operatorID: op.requireID(), role: grant.role, scope: grant.scope, scopeID: grant.scopeID).create(on: db)
            }
            try await sendInvite(to: op, partner: partner, inviter: context.actor.name, baseURL: baseURL, now: now, on: db)
            try await Audit.record("operator.invited", in: context, partnerID: partnerID, target: Audit.target(op),
                                   details: "grants: " + input.grants.map { names.describe(role: $0.role, scope: $0.scope, id: $0.scopeID, roles: roles) }.joined(separator: ", "),
                                   now: now, on: db)
            try await op.$grants.load(on: db)
            return op
        }
    }

    /// A new invite link for an operator who has not accepted yet; the old link stops working.
    static func resend(to target: Operator, by actor: Actor, context: AuditContext, partner: Partner, baseURL: String,
                       now: Date = Date(), on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .resendInvite, on: try await OperatorAdministration.subject(for: target, on: db)))
        try await db.writeTransaction { db in
            try await sendInvite(to: target, partner: partner, inviter: context.actor.name, baseURL: baseURL, now: now, on: db)
            try await Audit.record("operator.invite-resent", in: context, partnerID: partner.requireID(), target: Audit.target(target), now: now, on: db)
        }
    }

    /// Emails the operator a link to choose a new password. Nobody chooses it for them.
    static func resetPassword(of target: Operator, by actor: Actor, context: AuditContext, partner: Partner, baseURL: String,
                              now: Date = Date(), on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .resetPassword, on: try await OperatorAdministration.subject(for: target, on: db)))
        try await db.writeTransaction { db in
            let token = try await SetupLinks.issue(.passwordReset, operatorID: target.requireID(), partnerID: partner.requireID(),
                                                   lifetime: SetupLinks.passwordResetLifetime, now: now, on: db)
            let email = Emails.passwordReset(partner: partner.name, link: SetupLinks.url(for: token, base: baseURL))
            try await Outbox.enqueue(partnerID: partner.requireID(), channel: .email, to: target.email, subject: email.subject, body: email.body, now: now, on: db)
            try await Audit.record("operator.password-reset-sent", in: context, partnerID: partner.requireID(), target: Audit.target(target), now: now, on: db)
        }
    }

    private static func sendInvite(to op: Operator, partner: Partner, inviter: String, baseURL: String, now: Date, on db: any Database) async throws {
        let token = try await SetupLinks.issue(.invite, operatorID: op.requireID(), partnerID: partner.requireID(),
                                               lifetime: SetupLinks.inviteLifetime, now: now, on: db)
        let email = Emails.invite(partner: partner.name, inviter: inviter, link: SetupLinks.url(for: token, base: baseURL))
        try await Outbox.enqueue(partnerID: partner.requireID(), channel: .email, to: op.email, subject: email.subject, body: email.body, now: now, on: db)
    }
}
