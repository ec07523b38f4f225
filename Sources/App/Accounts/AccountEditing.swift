import Fluent
import Foundation

/// Changes to an account's business information, subscription, group and locations. Each
/// asks the policy about this account and writes one History entry with before → after.
enum AccountEditing {
    struct Details: Sendable {
        var name: String?
        var email: String?
        /// `.some(nil)` removes the value.
        var phone: String??
        var ownerName: String??
        var address: String??
    }

    static let maxAddressLength = 500

    /// Contact details. The owner is the user reached at the account's email, so a new email
    /// moves with the owner.
    static func update(_ details: Details, of account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try await require(.accountEdit, account, actor, on: db)
        var errors = OperatorInput.Errors()
        var changes: [String] = []
        func note(_ label: String, _ before: String?, _ after: String?) {
            if before != after { changes.append("\(label): \(before ?? "—") → \(after ?? "—")") }
        }
        var name = account.name, email = account.email, phone = account.phone, ownerName = account.ownerName, address = account.address
        if let raw = details.name {
            switch OperatorInput.name(raw) {
            case .success(let value): name = value
            case .failure(let message): errors.fields["name"] = message
            }
        }
        if let raw = details.email {
            switch OperatorInput.email(raw) {
            case .success(let value): email = value
            case .failure(let message): errors.fields["email"] = message
            }
        }
        if let raw = details.phone { phone = OperatorInput.phone(raw, errors: &errors) }
        if let raw = details.ownerName {
            if let raw {
                switch OperatorInput.name(raw) {
                case .success(let value): ownerName = value
                case .failure(let message): errors.fields["ownerName"] = message
                }
            } else { ownerName = nil }
        }
        if let raw = details.address {
            if let raw {
                switch DisplayText.read(raw, maxLength: maxAddressLength) {
                case .success(let value): address = value
                case .failure(let message): errors.fields["address"] = message
                }
            } else { address = nil }
        }
        guard errors.isEmpty else { throw errors }
        note("name", account.name, name)
        note("email", account.email, email)
        note("phone", account.phone, phone)
        note("owner", account.ownerName, ownerName)
        note("address", account.address, address)
        guard !changes.isEmpty else { return }
        let owner = try await AccountUsers.owner(of: account, on: db)
        if email != account.email, let owner,
           try await AccountUser.query(on: db).filter(\.$accountID == account.requireID()).filter(\.$email == email).filter(\.$id != owner.requireID()).count() > 0 {
            // Well-formed, but taken in the account's present state: a conflict, not a field error.
            throw PortalError.conflict("A staff member of this account already uses \(email).", title: "Email in use")
        }
        account.name = name
        account.email = email
        account.phone = phone
        account.ownerName = ownerName
        account.address = address
        let line = changes.joined(separator: "; "), newEmail = email, newOwnerName = ownerName
        try await db.writeTransaction { db in
            try await account.update(on: db)
            if let owner, owner.email != newEmail || (newOwnerName != nil && owner.name != newOwnerName) {
                let emailMoved = owner.email != newEmail
                owner.email = newEmail
                if let newOwnerName { owner.name = newOwnerName }
                try await owner.update(on: db)
                if emailMoved {
                    // Links mailed to the old address, and sessions opened with it, must not
                    // open the account for whoever still reads that mailbox.
                    try await AccountUserToken.query(on: db).filter(\.$accountUserID == owner.requireID()).delete()
                    try await AccountUserSession.query(on: db).filter(\.$accountUserID == owner.requireID()).filter(\.$supportAccessID == nil).delete()
                }
            }
            try await Audit.record("account.details-changed", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: line, on: db)
        }
    }

    /// The plan (one of the partner's catalogue) and the staff slots. Slots never go below the
    /// staff already added.
    static func updateSubscription(plan: String?, staffSlots: Int?, of account: Account, by actor: Actor, context: AuditContext,
                                   on db: any Database) async throws {
        try await require(.accountSubscriptionEdit, account, actor, on: db)
        var errors = OperatorInput.Errors()
        let catalogue = try await PlanCatalogue.plans(for: account, on: db)
        if let plan, !catalogue.contains(where: { $0.name == plan }) {
            errors.fields["plan"] = "Choose one of the plans: \(catalogue.map(\.name).joined(separator: ", "))."
        }
        if let staffSlots, !(0...PlanCatalogue.maxStaffSlots).contains(staffSlots) {
            errors.fields["staffSlots"] = "Use a whole number from 0 to \(PlanCatalogue.maxStaffSlots)."
        }
        guard errors.isEmpty else { throw errors }
        let staff = try await AccountUser.query(on: db).filter(\.$accountID == account.requireID()).filter(\.$role == .staff).count()
        if let staffSlots, staffSlots < staff {
            throw OperatorInput.Errors(fields: ["staffSlots": "The account has \(staff) staff members; remove some before going below \(staff) slots."])
        }
        var changes: [String] = []
        if let plan, plan != account.plan { changes.append("plan: \(account.plan ?? "—") → \(plan)"); account.plan = plan }
        if let staffSlots, staffSlots != account.staffSlots { changes.append("staff slots: \(account.staffSlots) → \(staffSlots)"); account.staffSlots = staffSlots }
        guard !changes.isEmpty else { return }
        let line = changes.joined(separator: "; ")
        try await db.writeTransaction { db in
            try await account.update(on: db)
            try await Audit.record("account.subscription-changed", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: line, on: db)
        }
    }

    /// Moves the account into `groupID` (nil: out of every group). The operator must be
    /// allowed to edit the account both where it is and where it goes, so nobody moves an
    /// account out of someone else's reach into their own, or gives away one they could not.
    static func move(_ account: Account, to groupID: UUID?, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: db)
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountEdit, .account(facts)))
        guard groupID != account.groupID else { return }
        let groups = try await AccountGroup.query(on: db).filter(\.$partnerID == account.partnerID).all()
        var target: AccountGroup?
        if let groupID {
            guard let group = groups.first(where: { $0.id == groupID }) else { throw PortalError.unknownReference("No group has this id.") }
            target = group
        }
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountEdit, .account(facts.moved(toLineage: target?.lineage ?? []))))
        let paths = GroupPaths(groups)
        func label(_ id: UUID?) -> String { paths.label(of: id) ?? "no group" }
        let line = "group: \(label(account.groupID)) → \(label(groupID))"
        account.groupID = groupID
        try await db.writeTransaction { db in
            try await account.update(on: db)
            try await Audit.record("account.moved", in: context, partnerID: account.partnerID, target: Audit.target(account), details: line, on: db)
        }
    }

    /// `move` for many accounts of `actor`'s partner: each decided by the same policy (where it
    /// is and where it would be), the accounts moved in one statement and their audit entries
    /// written in the same transaction.
    static func move(_ accounts: [Account], to groupID: UUID?, by actor: Actor, context: AuditContext, now: Date = Date(),
                     on db: any Database) async throws -> [UUID: AccountLabels.BatchOutcome] {
        let partnerID = actor.partnerID
        let facts = try await AccessLoader.facts(for: accounts, actor: actor, on: db)
        let groups = try await AccountGroup.query(on: db).filter(\.$partnerID == partnerID).all()
        var target: AccountGroup?
        if let groupID {
            guard let group = groups.first(where: { $0.id == groupID }) else { throw PortalError.unknownReference("No group has this id.") }
            target = group
        }
        let paths = GroupPaths(groups)
        func label(_ id: UUID?) -> String { paths.label(of: id) ?? "no group" }
        var outcomes: [UUID: AccountLabels.BatchOutcome] = [:]
        var moving: [Account] = []
        for account in accounts {
            let id = try account.requireID()
            guard let facts = facts[id], AccessPolicy.decide(actor, .accountEdit, .account(facts)).isAllowed else {
                outcomes[id] = .refused
                continue
            }
            outcomes[id] = .changed
            guard account.groupID != groupID else { continue }
            guard AccessPolicy.decide(actor, .accountEdit, .account(facts.moved(toLineage: target?.lineage ?? []))).isAllowed else {
                outcomes[id] = .refused
                continue
            }
            moving.append(account)
        }
        guard !moving.isEmpty else { return outcomes }
        let entries = moving.map { account in
            Audit.entry("account.moved", in: context, partnerID: partnerID, target: Audit.target(account),
                        details: "group: \(label(account.groupID)) → \(label(groupID))", now: now)
        }
        let ids = try moving.map { try $0.requireID() }
        try await db.writeTransaction { db in
            try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$id ~~ ids).set(\.$groupID, to: groupID).update()
            try await entries.create(on: db)
        }
        for account in moving { account.groupID = groupID }
        return outcomes
    }

    static func locations(of account: Account, on db: any Database) async throws -> [AccountLocation] {
        try await AccountLocation.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .sort(\.$name).all()
    }

    static let maxLocations = 500

    static func addLocation(name rawName: String, address rawAddress: String, to account: Account, by actor: Actor, context: AuditContext,
                            on db: any Database) async throws -> AccountLocation {
        try await require(.accountEdit, account, actor, on: db)
        var errors = OperatorInput.Errors()
        var name = "", address = ""
        switch DisplayText.read(rawName, maxLength: 200) {
        case .success(let value): name = value
        case .failure(let message): errors.fields["locationName"] = message
        }
        switch DisplayText.read(rawAddress, maxLength: maxAddressLength) {
        case .success(let value): address = value
        case .failure(let message): errors.fields["locationAddress"] = message
        }
        guard errors.isEmpty else { throw errors }
        if try await AccountLocation.query(on: db).filter(\.$accountID == account.requireID()).count() >= maxLocations {
            throw PortalError.conflict("An account has at most \(maxLocations) locations.")
        }
        let location = AccountLocation(partnerID: account.partnerID, accountID: try account.requireID(), name: name, address: address)
        let line = "location: — → \(name), \(address)"
        try await db.writeTransaction { db in
            try await location.create(on: db)
            try await Audit.record("account.location-added", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: line, on: db)
        }
        return location
    }

    static func removeLocation(_ id: UUID, from account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try await require(.accountEdit, account, actor, on: db)
        guard let location = try await AccountLocation.query(on: db).filter(\.$id == id).filter(\.$accountID == account.requireID())
            .filter(\.$partnerID == account.partnerID).first()
        else { throw PortalError.notFound("This account has no location with this id.") }
        try await db.writeTransaction { db in
            try await location.delete(on: db)
            try await Audit.record("account.location-removed", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: "location: \(location.name), \(location.address) → —", on: db)
        }
    }

    private static func require(_ permission: Permission, _ account: Account, _ actor: Actor, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, permission, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))))
    }
}
