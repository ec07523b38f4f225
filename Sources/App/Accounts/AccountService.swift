import Fluent
import SQLKit
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
        /// steps, branding, business page and services; never its staff, activity, notes or history.
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
            account.businessDescription = template.businessDescription
            account.openingHours = template.openingHours
            account.services = template.services
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
    /// table, inside the caller's transaction. The rows are written with SQL, column by
    /// column, not as models: Fluent reads a model's properties by reflection for every row it
    /// writes, which was most of the time an import of thousands of rows took.
    static func insert(_ prepared: [Prepared], context: AuditContext, partner: Partner, baseURL: String, now: Date,
                       on db: any Database) async throws {
        guard !prepared.isEmpty else { return }
        let sql = try db.sql
        let partnerID = try partner.requireID()
        var owners: [[any SQLExpression]] = [], tokens: [[any SQLExpression]] = [], messages: [[any SQLExpression]] = []
        var tags: [[any SQLExpression]] = [], entries: [[any SQLExpression]] = [], accounts: [[any SQLExpression]] = []
        let actor = context.actor
        for item in prepared {
            let account = item.account
            let accountID = try account.requireID()
            accounts.append([SQLBind(accountID), SQLBind(partnerID), SQLBind(account.businessUID), SQLBind(account.name), SQLBind(account.email),
                             SQLBind(account.groupID), SQLBind(account.secure), SQLBind(false), SQLBind(false), SQLBind(account.phone),
                             SQLBind(account.ownerName), SQLBind(account.nickname), SQLBind(account.plan), SQLBind(account.staffSlots), SQLBind(false),
                             SQLBind(false), SQLBind(account.brandColor), SQLBind(account.logoURL), SQLBind(account.businessDescription),
                             SQLBind(account.openingHours), SQLBind(account.services), SQLBind(account.onboardingSteps),
                             SQLBind(account.templateSourceID), SQLBind(now), SQLBind(now)])
            account.createdAt = now
            account.updatedAt = now
            let ownerID = UUID()
            owners.append([SQLBind(ownerID), SQLBind(partnerID), SQLBind(accountID), SQLBind(AccountUser.Role.owner.rawValue), SQLBind(item.ownerName),
                           SQLBind(account.email), SQLBind(AccountUser.Status.invited.rawValue), SQLBind(false), SQLBind(now), SQLBind(now)])
            let token = SecretToken.generate()
            tokens.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(ownerID), SQLBind(AccountUserToken.Purpose.invite.rawValue), SQLBind(token.digest),
                           SQLBind(now), SQLBind(now.addingTimeInterval(AccountUsers.inviteLifetime))])
            let email = Emails.accountUserInvite(partner: partner.name, business: account.name, inviter: actor.name,
                                                 link: AccountUsers.url(for: token, base: baseURL))
            let message = Outbox.message(partnerID: partnerID, channel: .email, to: account.email, subject: email.subject, body: email.body,
                                         about: accountID, now: now)
            messages.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(message.channel.rawValue), SQLBind(message.recipient), SQLBind(message.subject),
                             SQLBind(message.body), SQLBind(OutboundMessage.Status.pending.rawValue), SQLBind(0), SQLBind(message.nextAttemptAt),
                             SQLBind(now), SQLBind(accountID)])
            tags += item.tags.map { [SQLBind(UUID()), SQLBind(partnerID), SQLBind(accountID), SQLBind($0)] }
            entries.append([SQLBind(UUID()), SQLBind(partnerID), SQLBind(actor.id), SQLBind(actor.name), SQLBind("account.created"), SQLBind("account"),
                            SQLBind(accountID.uuidString.lowercased()), SQLBind(Audit.target(account).label), SQLBind(String(item.origin.prefix(4000))),
                            SQLBind(context.ip), SQLBind(now), SQLBind(actor.impersonator?.id), SQLBind(actor.impersonator?.name), SQLBind(accountID)])
        }
        func write(_ table: String, _ columns: [String], _ rows: [[any SQLExpression]]) async throws {
            guard !rows.isEmpty else { return }
            try await BulkInsert(sql: sql, table: table, columns: columns).run(count: rows.count) { rows[$0] }
        }
        try await write(Account.schema, ["id", "partner_id", "business_uid", "name", "email", "group_id", "secure", "locked", "setup_completed", "phone",
                                         "owner_name", "nickname", "plan", "staff_slots", "template", "send_links_enabled", "brand_color", "logo_url",
                                         "description", "opening_hours", "services", "onboarding_steps", "template_source_id", "created_at", "updated_at"], accounts)
        try await write(AccountUser.schema, ["id", "partner_id", "account_id", "role", "name", "email", "status", "must_change_password",
                                             "created_at", "updated_at"], owners)
        try await write(AccountUserToken.schema, ["id", "partner_id", "account_user_id", "purpose", "token_digest", "created_at", "expires_at"], tokens)
        try await write(OutboundMessage.schema, ["id", "partner_id", "channel", "recipient", "subject", "body", "status", "attempts", "next_attempt_at",
                                                 "created_at", "account_id"], messages)
        try await write(AccountTag.schema, ["id", "partner_id", "account_id", "tag"], tags)
        try await write(AuditEvent.schema, ["id", "partner_id", "actor_id", "actor_name", "action", "target_type", "target_id", "target_label", "details",
                                            "ip", "at", "impersonator_id", "impersonator_name", "subject_account_id"], entries)
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
