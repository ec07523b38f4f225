import Fluent
import Foundation

/// The Account tab's controls (seed 001 §3.6): lock, send links, secure, nickname, template,
/// operator assignments, and marking setup complete. Each asks the policy about this account
/// and writes one audit entry on it, which its History tab shows.
enum AccountAdministration {
    enum Toggle: String, CaseIterable, Sendable {
        case lock, unlock
        case enableSendLinks = "enable-send-links", disableSendLinks = "disable-send-links"
        case markSecure = "mark-secure", unmarkSecure = "unmark-secure"
        case setTemplate = "set-template", unsetTemplate = "unset-template"
        case completeSetup = "complete-setup"

        var permission: Permission {
            switch self {
            case .lock, .unlock: .accountLock
            case .enableSendLinks, .disableSendLinks: .accountSendLinksEnable
            case .markSecure, .unmarkSecure: .accountSecureSet
            case .setTemplate, .unsetTemplate: .accountTemplateSet
            case .completeSetup: .accountSetupComplete
            }
        }

        /// The audit action, and the "before → after" line.
        var action: String { "account.\(rawValue)" }

        /// What the page says once it is done.
        var notice: String {
            switch self {
            case .lock: "Locked: the owner and staff are signed out and cannot sign in until it is unlocked."
            case .unlock: "Unlocked: the owner and staff can sign in again."
            case .enableSendLinks: "Send links enabled: messages with links are no longer screened."
            case .disableSendLinks: "Send links disabled: links are screened again while the account is new."
            case .markSecure: "Marked secure: only operators with a Secure role act on it now."
            case .unmarkSecure: "No longer secure."
            case .setTemplate: "This account is now a template for new accounts."
            case .unsetTemplate: "This account is no longer a template."
            case .completeSetup: "Setup is complete."
            }
        }
    }

    static func facts(_ account: Account, actor: Actor, on db: any Database) async throws -> AccountFacts {
        try await AccessLoader.facts(for: account, actor: actor, on: db)
    }

    /// Whether `actor` may use `toggle` on the account. Making an account secure takes the
    /// clearance the secure account will need.
    static func decide(_ toggle: Toggle, by actor: Actor, on facts: AccountFacts) -> Decision {
        AccessPolicy.decide(actor, toggle.permission, .account(toggle == .markSecure ? facts.markedSecure : facts))
    }

    static func apply(_ toggle: Toggle, to account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(decide(toggle, by: actor, on: try await facts(account, actor: actor, on: db)))
        let line: String
        switch toggle {
        case .lock, .unlock:
            guard account.locked != (toggle == .lock) else { return }
            account.locked = toggle == .lock
            line = "locked: \(!account.locked ? "yes" : "no") → \(account.locked ? "yes" : "no")"
        case .enableSendLinks, .disableSendLinks:
            guard account.sendLinksEnabled != (toggle == .enableSendLinks) else { return }
            account.sendLinksEnabled = toggle == .enableSendLinks
            line = "send links: \(account.sendLinksEnabled ? "screened → enabled" : "enabled → screened")"
        case .markSecure, .unmarkSecure:
            guard account.secure != (toggle == .markSecure) else { return }
            account.secure = toggle == .markSecure
            line = "secure: \(!account.secure ? "yes" : "no") → \(account.secure ? "yes" : "no")"
        case .setTemplate, .unsetTemplate:
            guard account.isTemplate != (toggle == .setTemplate) else { return }
            account.isTemplate = toggle == .setTemplate
            line = "template: \(!account.isTemplate ? "yes" : "no") → \(account.isTemplate ? "yes" : "no")"
        case .completeSetup:
            guard !account.setupCompleted else { return }
            account.setupCompleted = true
            line = "setup: in setup → completed"
        }
        try await db.writeTransaction { db in
            try await account.update(on: db)
            // Locked out at once: the owner's and staff's sessions end with the lock.
            if toggle == .lock { try await AccountUsers.endSessions(of: account, why: "the account was locked", on: db) }
            try await Audit.record(toggle.action, in: context, partnerID: account.partnerID, target: Audit.target(account), details: line, on: db)
        }
    }

    /// Lowercase letters, digits and hyphens, 2 to 63 long, not starting or ending with a hyphen.
    /// `exactly`: as the API document states it, with no spaces to trim and no capitals.
    static func validateNickname(_ raw: String, exactly: Bool = false) -> Result<String, NicknameError> {
        let value = exactly ? raw : raw.trimmingCharacters(in: .whitespaces).lowercased()
        let scalars = Array(value.unicodeScalars)
        func allowed(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" }
        guard (2...63).contains(scalars.count), scalars.allSatisfy(allowed), scalars.first != "-", scalars.last != "-" else {
            return .failure(NicknameError())
        }
        return .success(value)
    }

    /// Sets or clears (empty text) the nickname, unique among the partner's accounts.
    static func setNickname(_ raw: String, on account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountNicknameEdit, .account(try await facts(account, actor: actor, on: db))))
        var nickname: String? = nil
        if !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            switch validateNickname(raw) {
            case .success(let value): nickname = value
            case .failure(let error): throw OperatorInput.Errors(fields: ["nickname": error.message])
            }
        }
        guard nickname != account.nickname else { return }
        if let nickname, try await Account.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$nickname == nickname)
            .filter(\.$id != account.requireID()).count() > 0 {
            throw OperatorInput.Errors(fields: ["nickname": "Another account already uses \(nickname)."])
        }
        let line = "nickname: \(account.nickname ?? "—") → \(nickname ?? "—")"
        account.nickname = nickname
        try await db.writeTransaction { db in
            try await account.update(on: db)
            try await Audit.record("account.nickname-changed", in: context, partnerID: account.partnerID, target: Audit.target(account), details: line, on: db)
        }
    }

    /// Replaces the operators assigned to the account with `operatorIDs` (the partner's own).
    static func assign(_ operatorIDs: Set<UUID>, to account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountAssignmentsEdit, .account(try await facts(account, actor: actor, on: db))))
        let operators = try await Operator.query(on: db).filter(\.$partner.$id == account.partnerID).all()
        let names = Dictionary(uniqueKeysWithValues: operators.compactMap { op in op.id.map { ($0, op.name) } })
        guard operatorIDs.allSatisfy({ names[$0] != nil }) else { throw PortalError.unknownReference("One of the operators does not exist.") }
        let current = Set(try await AccountAssignment.query(on: db).filter(\.$accountID == account.requireID()).all().map(\.operatorID))
        guard current != operatorIDs else { return }
        func list(_ ids: Set<UUID>) -> String { ids.compactMap { names[$0] }.sorted().joined(separator: ", ").nilIfEmpty ?? "—" }
        let line = "assigned: \(list(current)) → \(list(operatorIDs))"
        try await db.writeTransaction { db in
            // Only the changes: an operator who stays assigned keeps the time they were assigned.
            let removed = Array(current.subtracting(operatorIDs))
            if !removed.isEmpty {
                try await AccountAssignment.query(on: db).filter(\.$accountID == account.requireID()).filter(\.$operatorID ~~ removed).delete()
            }
            for id in operatorIDs.subtracting(current) {
                try await AccountAssignment(partnerID: account.partnerID, accountID: account.requireID(), operatorID: id).create(on: db)
            }
            try await Audit.record("account.assignments-changed", in: context, partnerID: account.partnerID, target: Audit.target(account), details: line, on: db)
        }
    }

    /// `assign` of one operator added to (`adding`) or taken off many accounts of `actor`'s
    /// partner: each decided by the same policy, the assignments and their audit entries (the
    /// same "before → after" line) written in one transaction.
    static func assign(_ operatorID: UUID, adding: Bool, toEach accounts: [Account], by actor: Actor, context: AuditContext,
                       now: Date = Date(), on db: any Database) async throws -> [UUID: AccountLabels.BatchOutcome] {
        let (allowed, refused) = try await AccessLoader.decideEach(.accountAssignmentsEdit, accounts, by: actor, on: db)
        var outcomes = Dictionary(uniqueKeysWithValues: refused.map { ($0, AccountLabels.BatchOutcome.refused) })
        for account in allowed { outcomes[try account.requireID()] = .changed }
        guard !allowed.isEmpty else { return outcomes }
        let partnerID = actor.partnerID
        try await db.writeTransaction { db in
            let ids = try allowed.map { try $0.requireID() }
            var current: [UUID: Set<UUID>] = [:]
            for row in try await AccountAssignment.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID ~~ ids).all() {
                current[row.accountID, default: []].insert(row.operatorID)
            }
            let involved = Array(Set(current.values.joined()).union([operatorID]))
            let names = Dictionary(uniqueKeysWithValues: try await Operator.query(on: db).filter(\.$partner.$id == partnerID)
                .filter(\.$id ~~ involved).all().compactMap { op in op.id.map { ($0, op.name) } })
            guard names[operatorID] != nil else { throw PortalError.unknownReference("One of the operators does not exist.") }
            func list(_ ids: Set<UUID>) -> String { ids.compactMap { names[$0] }.sorted().joined(separator: ", ").nilIfEmpty ?? "—" }
            var rows: [AccountAssignment] = []
            var dropped: [UUID] = []
            var entries: [AuditEvent] = []
            for account in allowed {
                let id = try account.requireID()
                let held = current[id] ?? []
                let wanted = adding ? held.union([operatorID]) : held.subtracting([operatorID])
                guard wanted != held else { continue }
                if adding {
                    rows.append(AccountAssignment(partnerID: partnerID, accountID: id, operatorID: operatorID))
                } else {
                    dropped.append(id)
                }
                entries.append(Audit.entry("account.assignments-changed", in: context, partnerID: partnerID, target: Audit.target(account),
                                           details: "assigned: \(list(held)) → \(list(wanted))", now: now))
            }
            if !rows.isEmpty { try await rows.create(on: db) }
            if !dropped.isEmpty {
                try await AccountAssignment.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID ~~ dropped)
                    .filter(\.$operatorID == operatorID).delete()
            }
            if !entries.isEmpty { try await entries.create(on: db) }
        }
        return outcomes
    }

    /// The account's history: audit entries on it, newest first.
    static func history(of account: Account, by actor: Actor, limit: Int = 100, on db: any Database) async throws -> [AuditEvent] {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountHistoryView, .account(try await facts(account, actor: actor, on: db))))
        // By the indexed subject (partner, account), which every entry about the account
        // carries, instead of walking the partner's whole log for its text target.
        return try await AuditEvent.query(on: db)
            .filter(\.$partnerID == account.partnerID).filter(\.$subjectAccountID == account.requireID())
            .sort(\.$at, .descending).sort(\.$id, .descending).limit(limit).all()
    }
}

struct NicknameError: Error, Sendable {
    let message = "Use 2 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen."
}

extension Audit {
    static func target(_ account: Account) -> (type: String, id: String?, label: String) {
        ("account", account.id?.uuidString.lowercased(), account.name)
    }
}
