import Fluent
import Foundation
import Vapor

/// One row of an import, carried out through the same domain functions as the pages: an
/// account is created by `AccountService.create` and changed by `AccountEditing`,
/// `AccountAdministration` and `AccountLabels`; an operator is invited by
/// `OperatorInvitations.invite`. Each asks the access policy about this row's account or
/// group, and writes the account's History and the audit log.
/// The caller runs each row in its own savepoint: a row that fails leaves nothing behind.
enum ImportRows {
    /// A row as stored at upload.
    struct Row: Sendable {
        var number: Int
        var cells: [String]
        /// The column (from 0) of the first cell that was not UTF-8.
        var badEncoding: Int?
        /// The earlier row with the same account or operator.
        var duplicateOf: Int?
    }

    /// What every row of one batch needs.
    struct Context: Sendable {
        var kind: ImportKind
        var mapping: ImportMapping
        var actor: Actor
        var audit: AuditContext
        var partner: Partner
        var baseURL: String
        var groups: [UUID: AccountGroup]
        var groupIndex: GroupIndex
        var roles: [String: RoleDefinition]
        var logger: Logger

        static func load(for record: DataImport, actor: Actor, logger: Logger, on db: any Database) async throws -> Context? {
            guard let partner = try await Partner.find(record.partnerID, on: db) else { return nil }
            let all = try await AccountGroup.query(on: db).filter(\.$partnerID == record.partnerID).all()
            var groups: [UUID: AccountGroup] = [:]
            for group in all { if let id = group.id { groups[id] = group } }
            let roles = record.kind == .operators ? try await AccessLoader.roles(partnerID: record.partnerID, on: db) : [:]
            return Context(kind: record.kind, mapping: record.mapping, actor: actor, audit: record.auditContext, partner: partner,
                           baseURL: record.baseURL, groups: groups, groupIndex: GroupPaths(all).index, roles: roles, logger: logger)
        }
    }

    /// A row that stops here: its field and why.
    struct Stop: Error, Sendable {
        var outcome: ImportOutcome
        var field: ImportField?
        var message: String

        static func failed(_ field: ImportField?, _ message: String) -> Stop { Stop(outcome: .failed, field: field, message: message) }
        static func refused(_ field: ImportField?, _ message: String) -> Stop { Stop(outcome: .refused, field: field, message: message) }
    }

    /// What became of a row: done (its result), or a new account checked and decided, which
    /// the caller writes with the batch's other new accounts (`AccountService.insert`).
    enum Step: Sendable {
        case done(ImportResult)
        case create(AccountService.Prepared)
        /// An existing account to change, which `update` does (in the row's savepoint).
        case update(Account, groupID: UUID??)
    }

    /// The accounts a batch's rows may name, read in three queries for the whole batch.
    struct Lookup: Sendable {
        var byUID: [String: Account] = [:]
        var byNickname: [String: Account] = [:]
        var byEmail: [String: [Account]] = [:]
        /// The tags of every account above.
        var tags: [UUID: [String]] = [:]

        static func load(_ rows: [Row], _ context: Context, on db: any Database) async throws -> Lookup {
            guard context.kind == .accounts else { return Lookup() }
            let mapping = context.mapping
            let uids = Set(rows.compactMap { mapping.value(.businessUID, in: $0.cells) })
            let nicknames = Set(rows.compactMap { mapping.value(.nickname, in: $0.cells) }.compactMap { try? AccountAdministration.validateNickname($0).get() })
            let emails = Set(rows.compactMap { mapping.value(.email, in: $0.cells) }.compactMap { raw -> String? in
                if case .success(let email) = OperatorInput.email(raw) { return email } else { return nil }
            })
            var lookup = Lookup()
            let partnerID = context.actor.partnerID
            if !uids.isEmpty {
                for account in try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$businessUID ~~ uids).all() {
                    lookup.byUID[account.businessUID] = account
                }
            }
            if !nicknames.isEmpty {
                for account in try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$nickname ~~ nicknames).all() {
                    if let nickname = account.nickname { lookup.byNickname[nickname] = account }
                }
            }
            if !emails.isEmpty {
                for account in try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$email ~~ emails).all() {
                    lookup.byEmail[account.email, default: []].append(account)
                }
            }
            let found = lookup.byUID.values.compactMap(\.id) + lookup.byNickname.values.compactMap(\.id) + lookup.byEmail.values.flatMap { $0.compactMap(\.id) }
            if !found.isEmpty { lookup.tags = try await AccountLabels.tags(of: Array(Set(found)), partnerID: partnerID, on: db) }
            return lookup
        }
    }

    /// Carries out `row`: an account row only as far as what it asks (`Step.create` or
    /// `Step.update`), writing nothing; an operator row whole. A row that cannot be imported
    /// throws `Stop`, after which the caller rolls its savepoint back.
    static func apply(_ row: Row, _ context: Context, lookup: Lookup = Lookup(), on db: any Database) async throws -> Step {
        try check(row, context)
        return try await stopping(row, context) {
            switch context.kind {
            case .accounts: try await account(row, context, lookup: lookup, on: db)
            case .operators: .done(try await invitation(row, context, on: db))
            }
        }
    }

    /// Changes the account a row named (`Step.update`).
    static func update(_ account: Account, groupID: UUID??, row: Row, _ context: Context, lookup: Lookup, on db: any Database) async throws -> ImportResult {
        try await stopping(row, context) { try await update(account, row: row, groupID: groupID, context, lookup: lookup, on: db) }
    }

    /// The domain's refusals and field errors, as a row's `Stop`.
    private static func stopping<T>(_ row: Row, _ context: Context, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let errors as OperatorInput.Errors {
            let (key, message) = errors.fields.sorted { $0.key < $1.key }.first ?? ("", "This row could not be imported.")
            throw Stop.failed(field(forInputKey: key), message)
        } catch let error as PortalError {
            if [.forbidden, .notFound].contains(error.status) {
                context.logger.notice("access denied", metadata: ["operator": "\(context.actor.operatorID)", "import": "\(context.kind.rawValue)",
                                                                  "row": "\(row.number)"])
                throw Stop.refused(nil, error.detail)
            }
            throw Stop.failed(nil, error.detail)
        }
    }

    /// What the domain functions call their fields, as the import's fields.
    private static func field(forInputKey key: String) -> ImportField? {
        switch key {
        case "name": .name
        case "email": .email
        case "ownerName": .ownerName
        case "phone": .phone
        case "nickname": .nickname
        case "tag": .tags
        case "plan": .plan
        case "staffSlots": .staffSlots
        case "time_zone": .timeZone
        case "grants": .role
        default: nil
        }
    }

    /// The problems a row has whatever it asks for: bytes that are not text, a repeat of an
    /// earlier row, a cell a spreadsheet would run as a formula.
    static func check(_ row: Row, _ context: Context) throws(Stop) {
        let mapping = context.mapping
        if let column = row.badEncoding {
            let field = mapping.columns.first { $0.value == column }?.key
            throw .failed(field, "This row is not UTF-8 text: save the file as “CSV UTF-8” and upload it again.")
        }
        if let earlier = row.duplicateOf {
            let key = matchKey(row.cells, mapping: mapping, kind: context.kind)
            throw .failed(key?.field, "Row \(earlier) has the same \(key?.field.label.lowercased() ?? "values"): each is imported once.")
        }
        for field in context.kind.fields {
            guard let value = mapping.value(field, in: row.cells), looksLikeFormula(value, field: field) else { continue }
            throw .failed(field, "Starts with “\(value.prefix(1))”, which a spreadsheet runs as a formula: remove it.")
        }
    }

    /// A leading =, @, + or - makes a spreadsheet read a cell as a formula; a phone number's
    /// +, a number's - and a Business UID are what they seem.
    static func looksLikeFormula(_ value: String, field: ImportField) -> Bool {
        // A Business UID is the portal's own (it may start with - or _), matched exactly and never stored.
        guard field != .businessUID, let first = value.unicodeScalars.first else { return false }
        switch first {
        case "=", "@", "\t", "\r": return true
        case "+": return !(field == .phone && OperatorInput.isPhone(value))
        case "-": return !(field == .staffSlots && Int(value) != nil)
        default: return false
        }
    }

    /// What identifies the row's account or operator, for finding repeats in a file: the
    /// Business UID, else the nickname, else the email; an operator's email.
    static func matchKey(_ cells: [String], mapping: ImportMapping, kind: ImportKind) -> (field: ImportField, value: String)? {
        let fields: [ImportField] = kind == .accounts ? [.businessUID, .nickname, .email] : [.email]
        for field in fields {
            if let value = mapping.value(field, in: cells) { return (field, field == .businessUID ? value : value.lowercased()) }
        }
        return nil
    }

    // MARK: - Accounts

    private static func account(_ row: Row, _ context: Context, lookup: Lookup, on db: any Database) async throws -> Step {
        let mapping = context.mapping, cells = row.cells, actor = context.actor
        func value(_ field: ImportField) -> String? { mapping.value(field, in: cells) }

        var groupID: UUID?? = nil  // .some(nil): no group
        if mapping[.group] != nil {
            if let written = value(.group) {
                switch context.groupIndex.find(written) {
                case .group(let id):
                    guard let group = context.groups[id],
                          AccessPolicy.decideImportRow(actor, .accounts, .group(try AccessLoader.facts(for: group))).isAllowed
                    else { throw denied(row, context, .group, "No group you may import into is called “\(written)”.") }
                    groupID = .some(id)
                case .none: throw Stop.failed(.group, "No group you may import into is called “\(written)”.")
                case .several(let count): throw Stop.failed(.group, "\(count) groups are called “\(written)”: write its path, e.g. “Parent › \(written)”.")
                }
            }
        }

        if let existing = try await match(row, context, lookup: lookup, on: db) {
            return .update(existing, groupID: groupID)
        }
        guard let name = value(.name) else { throw Stop.failed(.name, "A new account needs a name.") }
        guard let email = value(.email) else { throw Stop.failed(.email, "A new account needs an email for its owner.") }
        let target: Target = try groupID.flatMap { $0 }.flatMap { context.groups[$0] }.map { .group(try AccessLoader.facts(for: $0)) }
            ?? .partner(actor.partnerID)
        if case .deny(let reason) = AccessPolicy.decideImportRow(actor, .accounts, target) {
            throw denied(row, context, .group, reason.message)
        }
        let tags = value(.tags).map(splitTags) ?? []
        var slots: Int?
        if let raw = value(.staffSlots) {
            guard let number = Int(raw) else { throw Stop.failed(.staffSlots, "Use a whole number from 0 to \(PlanCatalogue.maxStaffSlots).") }
            slots = number
        }
        return .create(try await AccountService.prepare(
            .init(name: name, email: email, groupID: groupID.flatMap { $0 }, secure: false, ownerName: value(.ownerName), phone: value(.phone),
                  nickname: value(.nickname), tags: tags, plan: value(.plan), staffSlots: slots),
            by: actor, partner: context.partner, groups: context.groups, on: db))
    }

    static func splitTags(_ cell: String) -> [String] {
        cell.split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The account the row names: by Business UID, else by nickname, else by email (among the
    /// accounts the operator may see). Nil: a new account.
    private static func match(_ row: Row, _ context: Context, lookup: Lookup, on db: any Database) async throws -> Account? {
        let mapping = context.mapping, actor = context.actor
        func viewable(_ account: Account) async throws -> Bool {
            AccessPolicy.decide(actor, .accountView, .account(try await AccessLoader.facts(for: account, actor: actor, on: db))).isAllowed
        }
        if let uid = mapping.value(.businessUID, in: row.cells) {
            guard let found = lookup.byUID[uid], try await viewable(found) else {
                throw Stop.failed(.businessUID, "No account you may see has this Business UID.")
            }
            return found
        }
        if let raw = mapping.value(.nickname, in: row.cells) {
            guard case .success(let nickname) = AccountAdministration.validateNickname(raw) else {
                throw Stop.failed(.nickname, NicknameError().message)
            }
            if let found = lookup.byNickname[nickname] {
                guard try await viewable(found) else { throw Stop.failed(.nickname, "Another account already uses \(nickname).") }
                return found
            }
            return nil
        }
        guard let raw = mapping.value(.email, in: row.cells), case .success(let email) = OperatorInput.email(raw) else { return nil }
        var found: [Account] = []
        for account in lookup.byEmail[email] ?? [] where try await viewable(account) {
            found.append(account)
        }
        if found.count > 1 {
            throw Stop.failed(.email, "\(found.count) accounts have this email: add a Business UID or nickname column to say which one.")
        }
        return found.first
    }

    /// What an account is, as far as an import can change it.
    private struct Snapshot: Equatable {
        var name: String, email: String, phone: String?, ownerName: String?, nickname: String?, groupID: UUID?
        var plan: String?, staffSlots: Int, tags: [String]

        init(_ account: Account, tags: [String]) {
            (name, email, phone, ownerName, nickname, groupID) = (account.name, account.email, account.phone, account.ownerName, account.nickname, account.groupID)
            (plan, staffSlots, self.tags) = (account.plan, account.staffSlots, tags.sorted())
        }
    }

    private static func update(_ account: Account, row: Row, groupID: UUID??, _ context: Context, lookup: Lookup, on db: any Database) async throws -> ImportResult {
        let mapping = context.mapping, cells = row.cells, actor = context.actor
        func value(_ field: ImportField) -> String? { mapping.value(field, in: cells) }
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: db)
        if case .deny(let reason) = AccessPolicy.decideImportRow(actor, .accounts, .account(facts)) {
            throw denied(row, context, nil, reason.message)
        }
        if let id = account.id, changesNothing(account, tags: lookup.tags[id] ?? [], row: row, groupID: groupID, context) {
            return ImportResult(number: row.number, outcome: .unchanged, reference: account.businessUID)
        }
        let before = Snapshot(account, tags: try await AccountLabels.tags(of: account, on: db))
        // An empty cell leaves the value as it is.
        let details = AccountEditing.Details(name: value(.name), email: value(.email), phone: value(.phone).map { .some($0) },
                                             ownerName: value(.ownerName).map { .some($0) })
        if details.name != nil || details.email != nil || details.phone != nil || details.ownerName != nil {
            try await AccountEditing.update(details, of: account, by: actor, context: context.audit, on: db)
        }
        if let wanted = groupID, wanted != account.groupID {
            try await AccountEditing.move(account, to: wanted, by: actor, context: context.audit, on: db)
        }
        try await applyRest(to: account, row: row, context, on: db)
        guard let id = account.id, let after = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID).filter(\.$id == id).first()
        else { throw Stop.failed(nil, "The account was deleted while it was imported.") }
        let changed = Snapshot(after, tags: try await AccountLabels.tags(of: after, on: db)) != before
        return ImportResult(number: row.number, outcome: changed ? .updated : .unchanged, reference: after.businessUID)
    }

    /// Whether the row's values are the account's already (as the domain functions would write
    /// them): such a row, the common case of a file imported again, is left alone without
    /// asking each function. A value that would not be accepted is a change, and its
    /// function says why.
    private static func changesNothing(_ account: Account, tags: [String], row: Row, groupID: UUID??, _ context: Context) -> Bool {
        let mapping = context.mapping, cells = row.cells
        func value(_ field: ImportField) -> String? { mapping.value(field, in: cells) }
        func same(_ checked: OperatorInput.Checked, _ current: String?) -> Bool {
            if case .success(let written) = checked { return written == current }
            return false
        }
        if let raw = value(.name), !same(OperatorInput.name(raw), account.name) { return false }
        if let raw = value(.email), !same(OperatorInput.email(raw), account.email) { return false }
        if let raw = value(.ownerName), !same(OperatorInput.name(raw), account.ownerName) { return false }
        if let raw = value(.phone) {
            var errors = OperatorInput.Errors()
            let phone = OperatorInput.phone(raw, errors: &errors)
            if !errors.isEmpty || phone != account.phone { return false }
        }
        if let wanted = groupID, wanted != account.groupID { return false }
        if let raw = value(.nickname), (try? AccountAdministration.validateNickname(raw).get()) != account.nickname { return false }
        if let raw = value(.tags), !splitTags(raw).allSatisfy({ AccountLabels.normalizeTag($0).map(tags.contains) == true }) { return false }
        if let raw = value(.staffSlots), Int(raw) != account.staffSlots { return false }
        if let raw = value(.plan), raw.lowercased() != account.plan?.lowercased() { return false }
        return true
    }

    /// The nickname, tags, plan and staff slots, each only when the row gives it.
    private static func applyRest(to account: Account, row: Row, _ context: Context, on db: any Database) async throws {
        let mapping = context.mapping, cells = row.cells, actor = context.actor, audit = context.audit
        if let nickname = mapping.value(.nickname, in: cells), nickname.lowercased() != account.nickname {
            try await AccountAdministration.setNickname(nickname, on: account, by: actor, context: audit, on: db)
        }
        if let tags = mapping.value(.tags, in: cells) {
            for tag in splitTags(tags) { try await AccountLabels.addTag(tag, to: account, by: actor, context: audit, on: db) }
        }
        let plan = mapping.value(.plan, in: cells)
        var slots: Int?
        if let raw = mapping.value(.staffSlots, in: cells) {
            guard let number = Int(raw) else { throw Stop.failed(.staffSlots, "Use a whole number from 0 to \(PlanCatalogue.maxStaffSlots).") }
            slots = number
        }
        if (plan != nil && plan != account.plan) || (slots != nil && slots != account.staffSlots) {
            let catalogue = try await PlanCatalogue.plans(for: account, on: db)
            // Plans are written as the catalogue names them, in any case.
            let named = plan.map { written in catalogue.first { $0.name.lowercased() == written.lowercased() }?.name ?? written }
            try await AccountEditing.updateSubscription(plan: named, staffSlots: slots, of: account, by: actor, context: audit, on: db)
        }
    }

    /// A row refused by the access policy: logged, and reported in words that say no more
    /// than the operator may know.
    private static func denied(_ row: Row, _ context: Context, _ field: ImportField?, _ message: String) -> Stop {
        context.logger.notice("access denied", metadata: ["operator": "\(context.actor.operatorID)", "permission": "\(context.kind.permission.rawValue)",
                                                          "import": "\(context.kind.rawValue)", "row": "\(row.number)"])
        return .refused(field, message)
    }

    // MARK: - Operators

    private static func invitation(_ row: Row, _ context: Context, on db: any Database) async throws -> ImportResult {
        let mapping = context.mapping, cells = row.cells, actor = context.actor
        func value(_ field: ImportField) -> String? { mapping.value(field, in: cells) }
        guard let name = value(.name) else { throw Stop.failed(.name, "Write the person's name.") }
        guard let rawEmail = value(.email) else { throw Stop.failed(.email, "Write the email the invitation goes to.") }
        guard let roleName = value(.role) else { throw Stop.failed(.role, "Write the role the operator gets.") }
        let wanted = roleName.lowercased()
        let candidates = context.roles.values.filter { $0.name.lowercased() == wanted || $0.id.lowercased() == wanted }
        guard let role = candidates.first(where: \.isBuiltIn) ?? candidates.min(by: { $0.id < $1.id }) else {
            throw Stop.failed(.role, "No role is called “\(roleName)”.")
        }
        var scope = Grant.ScopeKind.all, scopeID: UUID? = nil
        if let written = value(.group) {
            switch context.groupIndex.find(written) {
            case .group(let id): (scope, scopeID) = (.group, id)
            case .none: throw Stop.failed(.group, "No group is called “\(written)”.")
            case .several(let count): throw Stop.failed(.group, "\(count) groups are called “\(written)”: write its path, e.g. “Parent › \(written)”.")
            }
        }
        if case .success(let email) = OperatorInput.email(rawEmail),
           try await Operator.query(on: db).filter(\.$partner.$id == actor.partnerID).filter(\.$email == email).count() > 0 {
            return ImportResult(number: row.number, outcome: .unchanged, message: "Already an operator: no invitation sent.", reference: email)
        }
        let invited = try await OperatorInvitations.invite(
            .init(name: name, email: rawEmail, phone: value(.phone), grants: [.init(role: role.id, scope: scope, scopeID: scopeID)],
                  timeZone: value(.timeZone) ?? ""),
            by: actor, context: context.audit, partner: context.partner, baseURL: context.baseURL, on: db)
        return ImportResult(number: row.number, outcome: .created, reference: invited.email)
    }
}
