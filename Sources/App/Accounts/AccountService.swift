import Fluent
import Foundation

/// Client accounts: enough for the access model here; the full account pages build on it.
enum AccountService {
    struct NewAccount: Sendable {
        var name: String
        var email: String
        var groupID: UUID?
        var secure: Bool
    }

    static func create(_ input: NewAccount, by actor: Actor, on db: any Database) async throws -> Account {
        var group: AccountGroup? = nil
        if let groupID = input.groupID {
            guard let found = try await GroupService.find(groupID, partnerID: actor.partnerID, on: db) else {
                throw PortalError.unknownReference("The group does not exist.")
            }
            group = found
        }
        let target: Target = try group.map { .group(try AccessLoader.facts(for: $0)) } ?? .partner(actor.partnerID)
        try OperatorAdministration.require(AccessPolicy.decide(actor, .accountsCreate, target))

        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.unicodeScalars.count), input.name.unicodeScalars.count <= 200,
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw PortalError.badRequest("name: use 1 to 200 characters, without control characters.") }
        let email: String
        switch OperatorInput.email(input.email) {
        case .success(let value): email = value
        case .failure(let message): throw PortalError.badRequest("email: \(message)")
        }
        let account = Account(partnerID: actor.partnerID, name: name, email: email, groupID: group?.id, secure: input.secure)
        if input.secure {
            // Marking an account secure needs clearance, as does every act on a secure account.
            let facts = AccountFacts(id: try account.requireID(), partnerID: actor.partnerID, groupLineage: group?.lineage ?? [],
                                     secure: true, locked: false, setupCompleted: false, assignedToActor: false)
            try OperatorAdministration.require(AccessPolicy.decide(actor, .accountSecureSet, .account(facts)))
        }
        try await account.create(on: db)
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
