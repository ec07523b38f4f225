import Fluent
import Foundation

/// The operators' way to a business's messages, in the portal and the API, each step asked
/// of the access policy.
extension AccountMessages {
    /// The account with this Business UID and the policy's answer on `permission` over it.
    /// An unknown UID, or another partner's, is not found.
    static func account(businessUID: String, for permission: Permission, by actor: Actor,
                        on db: any Database) async throws -> (account: Account, decision: Decision) {
        guard let account = try await Account.query(on: db).filter(\.$partnerID == actor.partnerID)
            .filter(\.$businessUID == businessUID).first()
        else { throw PortalError.notFound("No account has this Business UID.") }
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: db)
        return (account, AccessPolicy.mayUseAccountMessages(actor, permission, facts))
    }

    /// A reply from an operator, sent as the business and recorded with the operator's name.
    static func reply(_ raw: String, to conversationID: UUID, of account: Account, by actor: Actor, context: AuditContext,
                      channel: MessageChannel, now: Date = Date(), on db: any Database) async throws -> AccountMessage {
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: db)
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountMessagesReply, .account(facts)))
        let context = try await Audit.context(context, for: actor, on: db)
        return try await reply(raw, to: conversationID, of: account, by: .operator(context, id: actor.operatorID, channel: channel), now: now, on: db)
    }
}
