import Fluent
import Foundation

/// Creating client accounts, and finding one the operator may view.
enum AccountService {
    struct NewAccount: Sendable {
        var name: String
        var email: String
        var groupID: UUID?
        var secure: Bool
        var ownerName: String? = nil
        var phone: String? = nil
        /// Create from this template account: its plan, staff slots, tags, group, onboarding
        /// steps and branding; never its staff, activity, notes or history.
        var templateUID: String? = nil
    }

    /// Creates an account, blank or from a template, and its owner, who is emailed an invite
    /// (a link under `baseURL`), with everything in one transaction. Field problems come back
    /// together as `OperatorInput.Errors`.
    static func create(_ input: NewAccount, by actor: Actor, context: AuditContext = .system, partner: Partner, baseURL: String,
                       now: Date = Date(), on db: any Database) async throws -> Account {
        var template: Account? = nil
        if let uid = input.templateUID, !uid.isEmpty {
            try OperatorAdministration.require(AccessPolicy.decideAnywhere(actor, [.accountsCreateFromTemplate]))
            guard let found = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$businessUID == uid)
                .filter(\.$isTemplate == true).first(),
                  AccessPolicy.decide(actor, .accountView, .account(try await AccessLoader.facts(for: found, actor: actor, on: db))).isAllowed
            else { throw PortalError.unknownReference("There is no template with this Business UID.") }
            template = found
        }
        var group: AccountGroup? = nil
        if let groupID = input.groupID ?? template?.groupID {
            guard let found = try await GroupService.find(groupID, partnerID: actor.partnerID, on: db) else {
                throw PortalError.unknownReference("The group does not exist.")
            }
            group = found
        }
        let target: Target = try group.map { .group(try AccessLoader.facts(for: $0)) } ?? .partner(actor.partnerID)
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountsCreate, target))

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
        var ownerName: String? = nil
        if let raw = input.ownerName {
            switch OperatorInput.name(raw) {
            case .success(let value): ownerName = value
            case .failure(let message): errors.fields["ownerName"] = message
            }
        }
        let phone = OperatorInput.phone(input.phone, errors: &errors)
        guard errors.isEmpty else { throw errors }

        let account = Account(partnerID: actor.partnerID, name: name, email: email, groupID: group?.id, secure: input.secure)
        account.ownerName = ownerName
        account.phone = phone
        if let template {
            account.plan = template.plan
            account.staffSlots = template.staffSlots
            account.onboardingSteps = template.onboardingSteps
            account.brandColor = template.brandColor
            account.logoURL = template.logoURL
            account.templateSourceID = template.id
        }
        if input.secure {
            // Marking an account secure needs clearance, as does every act on a secure account.
            let facts = AccountFacts(id: try account.requireID(), partnerID: actor.partnerID, groupLineage: group?.lineage ?? [],
                                     secure: true, locked: false, setupCompleted: false, assignedToActor: false)
            try OperatorAdministration.require(AccessPolicy.decide(actor, .accountSecureSet, .account(facts)))
        }
        let origin = template.map { "from the template \($0.name) (\($0.businessUID))" } ?? "blank"
        let templateTags = try await template.asyncFlatMap { try await AccountLabels.tags(of: $0, on: db) } ?? []
        try await db.writeTransaction { db in
            try await account.create(on: db)
            for tag in templateTags {
                try await AccountTag(partnerID: actor.partnerID, accountID: account.requireID(), tag: tag).create(on: db)
            }
            try await AccountUsers.createOwner(of: account, name: account.ownerName ?? account.name, inviter: context.actor.name,
                                               partner: partner, baseURL: baseURL, now: now, on: db)
            try await Audit.record("account.created", in: context, partnerID: actor.partnerID, target: Audit.target(account),
                                   details: origin, on: db)
        }
        return account
    }

    /// The account with this Business UID, if the actor may view it. Another partner's
    /// account, or an unknown UID, is "not found".
    static func viewable(businessUID: String, by actor: Actor, on db: any Database) async throws -> Account {
        guard let account = try await Account.query(on: db)
            .filter(\.$partnerID == actor.partnerID).filter(\.$businessUID == businessUID).first()
        else { throw PortalError.notFound("No account has this Business UID.") }
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: db)
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountView, .account(facts)))
        return account
    }
}
