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
        /// Set at creation (an import's columns), each only with its own permission.
        var nickname: String? = nil
        var tags: [String] = []
        var plan: String? = nil
        var staffSlots: Int? = nil
    }

    /// An account checked and decided, not yet written: what `insert` writes.
    struct Prepared: Sendable {
        let account: Account
        let ownerName: String
        let tags: [String]
        /// What the "account.created" entry says of where it came from.
        let origin: String
    }

    /// Creates an account, blank or from a template, and its owner, who is emailed an invite
    /// (a link under `baseURL`), with everything in one transaction. Field problems come back
    /// together as `OperatorInput.Errors`.
    static func create(_ input: NewAccount, by actor: Actor, context: AuditContext = .system, partner: Partner, baseURL: String,
                       now: Date = Date(), on db: any Database) async throws -> Account {
        let prepared = try await prepare(input, by: actor, partner: partner, now: now, on: db)
        try await db.writeTransaction { db in
            try await insert([prepared], context: context, partner: partner, baseURL: baseURL, now: now, on: db)
        }
        return prepared.account
    }

    /// Checks `input` and asks the policy about everything it sets, as `create` does, without
    /// writing anything. `groups` are the partner's groups when the caller has them at hand.
    static func prepare(_ input: NewAccount, by actor: Actor, partner: Partner, groups: [UUID: AccountGroup]? = nil, now: Date = Date(),
                        on db: any Database) async throws -> Prepared {
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
            let found: AccountGroup? = if let groups { groups[groupID] } else { try await GroupService.find(groupID, partnerID: actor.partnerID, on: db) }
            guard let found else { throw PortalError.unknownReference("The group does not exist.") }
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
        var nickname: String? = nil
        if let raw = input.nickname {
            switch AccountAdministration.validateNickname(raw) {
            case .success(let value): nickname = value
            case .failure(let error): errors.fields["nickname"] = error.message
            }
        }
        var tags: [String] = []
        for raw in input.tags {
            guard let tag = AccountLabels.normalizeTag(raw) else {
                errors.fields["tag"] = "Use 1 to \(AccountLabels.maxTagLength) letters, digits, spaces, hyphens or underscores."
                break
            }
            if !tags.contains(tag) { tags.append(tag) }
        }
        if tags.count > AccountLabels.maxTagsPerAccount { errors.fields["tag"] = "An account has at most \(AccountLabels.maxTagsPerAccount) tags." }
        if let staffSlots = input.staffSlots, !(0...PlanCatalogue.maxStaffSlots).contains(staffSlots) {
            errors.fields["staffSlots"] = "Use a whole number from 0 to \(PlanCatalogue.maxStaffSlots)."
        }
        var plan: String? = nil
        if let written = input.plan {
            let catalogue = try await PlanCatalogue.catalogue(partnerID: actor.partnerID, on: db).filter { !$0.retired }
            if let found = catalogue.first(where: { $0.name.lowercased() == written.lowercased() }) { plan = found.name }
            else { errors.fields["plan"] = "Choose one of the plans: \(catalogue.map(\.name).joined(separator: ", "))." }
        }
        guard errors.isEmpty else { throw errors }
        if let nickname, try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$nickname == nickname).count() > 0 {
            throw OperatorInput.Errors(fields: ["nickname": "Another account already uses \(nickname)."])
        }

        let account = Account(partnerID: actor.partnerID, name: name, email: email, groupID: group?.id, secure: input.secure)
        account.ownerName = ownerName
        account.phone = phone
        account.nickname = nickname
        account.createdAt = now
        account.updatedAt = now
        if let template {
            account.plan = template.plan
            account.staffSlots = template.staffSlots
            account.onboardingSteps = template.onboardingSteps
            account.brandColor = template.brandColor
            account.logoURL = template.logoURL
            account.templateSourceID = template.id
        }
        // What the new account is given beyond its name and contact, each decided as on its page.
        let facts = AccountFacts(id: try account.requireID(), partnerID: actor.partnerID, groupLineage: group?.lineage ?? [],
                                 secure: input.secure, locked: false, setupCompleted: false, assignedToActor: false)
        if input.secure {
            // Marking an account secure needs clearance, as does every act on a secure account.
            try OperatorAdministration.require(AccessPolicy.decide(actor, .accountSecureSet, .account(facts)))
        }
        if nickname != nil { try OperatorAdministration.require(AccessPolicy.decide(actor, .accountNicknameEdit, .account(facts))) }
        if !tags.isEmpty { try OperatorAdministration.require(AccessPolicy.decide(actor, .accountTagsEdit, .account(facts))) }
        if plan != nil || input.staffSlots != nil {
            try OperatorAdministration.require(AccessPolicy.decide(actor, .accountSubscriptionEdit, .account(facts)))
            if let plan { account.plan = plan }
            if let staffSlots = input.staffSlots { account.staffSlots = staffSlots }
        }
        var origin = template.map { "from the template \($0.name) (\($0.businessUID))" } ?? "blank"
        var given: [String] = []
        if let nickname { given.append("nickname: \(nickname)") }
        if !tags.isEmpty { given.append("tags: " + tags.joined(separator: ", ")) }
        if let plan { given.append("plan: \(plan)") }
        if let staffSlots = input.staffSlots { given.append("staff slots: \(staffSlots)") }
        if !given.isEmpty { origin += "; " + given.joined(separator: "; ") }
        let templateTags = try await template.asyncFlatMap { try await AccountLabels.tags(of: $0, on: db) } ?? []
        return Prepared(account: account, ownerName: account.ownerName ?? account.name, tags: templateTags + tags.filter { !templateTags.contains($0) },
                        origin: origin)
    }

    /// Writes prepared accounts with their tags, their owners and the owners' invitations
    /// (queued in the outbox) and an "account.created" entry each: one multi-row INSERT per
    /// table, inside the caller's transaction.
    static func insert(_ prepared: [Prepared], context: AuditContext, partner: Partner, baseURL: String, now: Date,
                       on db: any Database) async throws {
        guard !prepared.isEmpty else { return }
        let partnerID = try partner.requireID()
        var owners: [AccountUser] = [], tokens: [AccountUserToken] = [], messages: [OutboundMessage] = []
        var tags: [AccountTag] = [], entries: [AuditEvent] = []
        for item in prepared {
            let account = item.account
            let accountID = try account.requireID()
            let owner = AccountUser(partnerID: partnerID, accountID: accountID, role: .owner, name: item.ownerName, email: account.email)
            owner.id = UUID()
            owners.append(owner)
            let token = SecretToken.generate()
            tokens.append(AccountUserToken(partnerID: partnerID, accountUserID: try owner.requireID(), purpose: .invite, tokenDigest: token.digest,
                                           now: now, lifetime: AccountUsers.inviteLifetime))
            let email = Emails.accountUserInvite(partner: partner.name, business: account.name, inviter: context.actor.name,
                                                 link: AccountUsers.url(for: token, base: baseURL))
            messages.append(Outbox.message(partnerID: partnerID, channel: .email, to: owner.email, subject: email.subject, body: email.body,
                                           about: accountID, now: now))
            tags += item.tags.map { AccountTag(partnerID: partnerID, accountID: accountID, tag: $0) }
            entries.append(Audit.entry("account.created", in: context, partnerID: partnerID, target: Audit.target(account), details: item.origin, now: now))
        }
        try await prepared.map(\.account).create(on: db)
        try await owners.create(on: db)
        try await tokens.create(on: db)
        try await messages.create(on: db)
        if !tags.isEmpty { try await tags.create(on: db) }
        try await entries.create(on: db)
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
