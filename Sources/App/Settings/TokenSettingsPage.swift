import Fluent
import Foundation

/// What `/settings/api-tokens` shows: the operator's own API tokens or, to those who manage
/// them, every operator's of the partner; the form that makes one; and, on the answer to that
/// form only, the new token's value.
enum TokenSettingsPage {
    struct Model: Sendable {
        struct Token: Sendable, Equatable {
            var id: String
            var name: String
            /// The operator it acts as: shown when the list holds everyone's tokens.
            var owner: String?
            var isOwn: Bool
            var createdAt: Date
            var expiresAt: Date
            var lastUsedAt: Date?
            var isExpired: Bool
        }

        /// What was typed into the form.
        struct Draft: Sendable, Equatable {
            var name = ""
            var days: String
        }

        /// The token just made: its value is on this one page and nowhere else.
        struct Created: Sendable, Equatable {
            var name: String
            var value: String
            var expiresAt: Date
        }

        var tokens: [Token]
        var showsEveryone: Bool
        var maxDays: Int
        var defaultDays: Int
        var draft: Draft
        /// Why the form is not offered (logged in as someone else), or nil.
        var createRefusal: String?
        var errors = OperatorInput.Errors()
        var created: Created?
        var notice: String?

        static let mock = Model(
            tokens: [.init(id: "6f1c3a52-1d4b-4f0e-9a43-0b7d2f1e8c11", name: "CRM sync", owner: "Ada Admin", isOwn: true,
                           createdAt: Date(timeIntervalSince1970: 1_767_225_600), expiresAt: Date(timeIntervalSince1970: 1_775_001_600),
                           lastUsedAt: nil, isExpired: false)],
            showsEveryone: true, maxDays: 365, defaultDays: 90, draft: .init(days: "90"))
    }

    /// The tokens the actor sees, newest first: everyone's when they manage the partner's
    /// tokens, otherwise their own. Each listed token is one the actor may revoke.
    static func tokens(for actor: Actor, now: Date, on db: any Database) async throws -> (tokens: [Model.Token], everyone: Bool) {
        let everyone = AccessPolicy.mayManagePartnerTokens(actor).isAllowed
        let found = everyone ? try await APITokens.listAll(partnerID: actor.partnerID, on: db)
            : try await APITokens.list(operatorID: actor.operatorID, partnerID: actor.partnerID, on: db)
        let rows = try found
            .filter { AccessPolicy.mayRevokeToken(actor, ownerID: $0.$operator.id, partnerID: $0.partnerID).isAllowed }
            .map { token in
                let expiresAt = token.expiresAt ?? token.createdAt
                return Model.Token(id: try token.requireID().uuidString.lowercased(), name: token.name,
                                   owner: everyone ? token.operator.name : nil, isOwn: token.$operator.id == actor.operatorID,
                                   createdAt: token.createdAt, expiresAt: expiresAt, lastUsedAt: token.lastUsedAt, isExpired: expiresAt <= now)
            }
        return (rows, everyone)
    }

    /// The page as it stands for `actor`, with an empty form.
    static func model(for actor: Actor, partner: Partner, loggedInAsSomeone: Bool, now: Date, on db: any Database) async throws -> Model {
        let listed = try await tokens(for: actor, now: now, on: db)
        let defaultDays = APITokens.defaultDays(on: partner)
        let create = AccessPolicy.mayCreateToken(actor, loggedInAsSomeone: loggedInAsSomeone)
        var refusal: String? = nil
        if case .deny(let reason) = create { refusal = reason.message }
        return Model(tokens: listed.tokens, showsEveryone: listed.everyone, maxDays: partner.maxTokenDays, defaultDays: defaultDays,
                     draft: .init(days: String(defaultDays)), createRefusal: refusal)
    }
}
