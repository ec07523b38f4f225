import Fluent
import Foundation

/// A label on an account, for searching and filtering ("vip", "restaurant").
final class AccountTag: Model, @unchecked Sendable {
    static let schema = "account_tags"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "tag") var tag: String

    init() {}

    init(partnerID: UUID, accountID: UUID, tag: String) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.tag = tag
    }
}

/// An internal note on an account, shared by the partner's team; never shown to the client.
final class AccountNote: Model, @unchecked Sendable {
    static let schema = "account_notes"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @OptionalField(key: "author_id") var authorID: UUID?
    /// Copied in, so the note still reads right after its author is removed.
    @Field(key: "author_name") var authorName: String
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(partnerID: UUID, accountID: UUID, authorID: UUID?, authorName: String, body: String, createdAt: Date) {
        self.partnerID = partnerID
        self.accountID = accountID
        self.authorID = authorID
        self.authorName = authorName
        self.body = body
        self.createdAt = createdAt
    }
}

/// Adding and removing tags, and writing notes, each decided by the policy and recorded.
enum AccountLabels {
    static let maxTagLength = 40
    static let maxTagsPerAccount = 50
    static let maxNoteLength = 4000

    /// Lowercase, trimmed, inner spaces kept; letters, digits, spaces, "-" and "_".
    /// A letter, a decimal digit, a space, a hyphen or an underscore: the schema's
    /// `[\p{L}\p{Nd} _-]`, so the API and the pages agree on what a tag may hold (no marks,
    /// no fractions such as ½).
    static func isTagCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: true
        default: " -_".unicodeScalars.contains(scalar)
        }
    }

    static func normalizeTag(_ raw: String) -> String? {
        // Checked as sent, as the schema checks it (spaces count; a tab or a no-break space is
        // no tag character); then trimmed. Lower-casing comes last: it may add a mark (İ → i̇).
        guard raw.unicodeScalars.count <= maxTagLength, raw.unicodeScalars.allSatisfy({ isTagCharacter($0) }) else { return nil }
        let typed = raw.trimmingCharacters(in: .whitespaces)
        guard !typed.isEmpty else { return nil }
        return typed.lowercased()
    }

    static func tags(of account: Account, on db: any Database) async throws -> [String] {
        try await AccountTag.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .sort(\.$tag).all().map(\.tag)
    }

    /// The tags of several accounts at once, sorted, by account.
    static func tags(of accountIDs: [UUID], partnerID: UUID, on db: any Database) async throws -> [UUID: [String]] {
        guard !accountIDs.isEmpty else { return [:] }
        var tags: [UUID: [String]] = [:]
        // Sorted here: asked to sort, SQLite would walk the partner's tags in tag order instead
        // of looking up these accounts' (account_tags_partner_account_idx).
        for tag in try await AccountTag.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID ~~ accountIDs).all() {
            tags[tag.accountID, default: []].append(tag.tag)
        }
        return tags.mapValues { $0.sorted() }
    }

    static func addTag(_ raw: String, to account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountTagsEdit, .account(try await AccountAdministration.facts(account, actor: actor, on: db))))
        guard let tag = normalizeTag(raw) else {
            throw OperatorInput.Errors(fields: ["tag": "Use 1 to \(maxTagLength) letters, digits, spaces, hyphens or underscores."])
        }
        let existing = try await tags(of: account, on: db)
        guard !existing.contains(tag) else { return }
        guard existing.count < maxTagsPerAccount else { throw OperatorInput.Errors(fields: ["tag": "An account has at most \(maxTagsPerAccount) tags."]) }
        try await db.writeTransaction { db in
            try await AccountTag(partnerID: account.partnerID, accountID: account.requireID(), tag: tag).create(on: db)
            try await Audit.record("account.tag-added", in: context, partnerID: account.partnerID, target: Audit.target(account), details: "tag: \(tag)", on: db)
        }
    }

    static func removeTag(_ raw: String, from account: Account, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountTagsEdit, .account(try await AccountAdministration.facts(account, actor: actor, on: db))))
        guard let tag = normalizeTag(raw) else { return }
        try await db.writeTransaction { db in
            let removed = try await AccountTag.query(on: db).filter(\.$accountID == account.requireID()).filter(\.$tag == tag).count()
            guard removed > 0 else { return }
            try await AccountTag.query(on: db).filter(\.$accountID == account.requireID()).filter(\.$tag == tag).delete()
            try await Audit.record("account.tag-removed", in: context, partnerID: account.partnerID, target: Audit.target(account), details: "tag: \(tag)", on: db)
        }
    }

    /// What a change to many accounts' tags did to each: done (or nothing to do), refused by
    /// the policy, or left alone because the account already holds the most tags it may.
    enum BatchOutcome: Sendable, Equatable { case changed, refused, full }

    /// `addTag` for many accounts of `actor`'s partner: each decided by the same policy, the
    /// tags and their audit entries written in one transaction.
    static func addTag(_ raw: String, toEach accounts: [Account], by actor: Actor, context: AuditContext, now: Date = Date(),
                       on db: any Database) async throws -> [UUID: BatchOutcome] {
        guard let tag = normalizeTag(raw) else {
            throw OperatorInput.Errors(fields: ["tag": "Use 1 to \(maxTagLength) letters, digits, spaces, hyphens or underscores."])
        }
        let (allowed, refused) = try await AccessLoader.decideEach(.accountTagsEdit, accounts, by: actor, on: db)
        let partnerID = actor.partnerID
        let outcomes = try await db.writeTransaction { db -> [UUID: BatchOutcome] in
            let existing = try await tags(of: allowed.map { try $0.requireID() }, partnerID: partnerID, on: db)
            var outcomes: [UUID: BatchOutcome] = [:]
            var rows: [AccountTag] = []
            var entries: [AuditEvent] = []
            for account in allowed {
                let id = try account.requireID()
                let held = existing[id] ?? []
                if held.contains(tag) { outcomes[id] = .changed; continue }
                guard held.count < maxTagsPerAccount else { outcomes[id] = .full; continue }
                rows.append(AccountTag(partnerID: partnerID, accountID: id, tag: tag))
                entries.append(Audit.entry("account.tag-added", in: context, partnerID: partnerID, target: Audit.target(account),
                                           details: "tag: \(tag)", now: now))
                outcomes[id] = .changed
            }
            if !rows.isEmpty { try await rows.create(on: db) }
            if !entries.isEmpty { try await entries.create(on: db) }
            return outcomes
        }
        return outcomes.merging(refused.map { ($0, .refused) }) { kept, _ in kept }
    }

    /// `removeTag` for many accounts of `actor`'s partner, as `addTag(_:toEach:…)` adds.
    static func removeTag(_ raw: String, fromEach accounts: [Account], by actor: Actor, context: AuditContext, now: Date = Date(),
                          on db: any Database) async throws -> [UUID: BatchOutcome] {
        let (allowed, refused) = try await AccessLoader.decideEach(.accountTagsEdit, accounts, by: actor, on: db)
        var outcomes = Dictionary(uniqueKeysWithValues: refused.map { ($0, BatchOutcome.refused) })
        for account in allowed { outcomes[try account.requireID()] = .changed }
        guard let tag = normalizeTag(raw), !allowed.isEmpty else { return outcomes }
        let partnerID = actor.partnerID
        try await db.writeTransaction { db in
            let ids = try allowed.map { try $0.requireID() }
            let holding = Set(try await AccountTag.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID ~~ ids)
                .filter(\.$tag == tag).all().map(\.accountID))
            guard !holding.isEmpty else { return }
            try await AccountTag.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID ~~ Array(holding))
                .filter(\.$tag == tag).delete()
            let entries = try allowed.filter { holding.contains(try $0.requireID()) }.map { account in
                Audit.entry("account.tag-removed", in: context, partnerID: partnerID, target: Audit.target(account), details: "tag: \(tag)", now: now)
            }
            try await entries.create(on: db)
        }
        return outcomes
    }

    static func notes(of account: Account, on db: any Database) async throws -> [AccountNote] {
        try await AccountNote.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .sort(\.$createdAt, .descending).limit(200).all()
    }

    static func addNote(_ raw: String, to account: Account, by actor: Actor, context: AuditContext, now: Date = Date(),
                        on db: any Database) async throws -> AccountNote {
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountNotesEdit, .account(try await AccountAdministration.facts(account, actor: actor, on: db))))
        let body = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        // The limit is on what was sent, as the API document counts it.
        guard !body.isEmpty, raw.unicodeScalars.contains(where: { !DisplayText.isSpace($0) }), raw.unicodeScalars.count <= maxNoteLength else {
            throw OperatorInput.Errors(fields: ["note": "Write 1 to \(maxNoteLength) characters."])
        }
        let note = AccountNote(partnerID: account.partnerID, accountID: try account.requireID(), authorID: context.actor.id,
                               authorName: context.actor.name, body: body, createdAt: now)
        try await db.writeTransaction { db in
            try await note.create(on: db)
            try await Audit.record("account.note-added", in: context, partnerID: account.partnerID, target: Audit.target(account),
                                   details: "note: " + String(body.prefix(200)), now: now, on: db)
        }
        return note
    }
}
