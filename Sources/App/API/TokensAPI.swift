import Fluent
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/tokens`: the caller's own API tokens, and every operator's for those who manage
/// them. The secret is in the answer to POST only.
extension APIService {
    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        let actor = try await request.actor()
        let tokens: [APIToken]
        if input.query.scope == .partner {
            try request.enforce(AccessPolicy.mayManagePartnerTokens(actor), permission: .apiTokensManage)
            tokens = try await APITokens.listAll(partnerID: signedIn.partnerID, on: request.db)
        } else {
            try request.enforce(AccessPolicy.mayUseOwnTokens(actor), permission: .portalLogin)
            tokens = try await APITokens.list(operatorID: signedIn.operatorID, partnerID: signedIn.partnerID, on: request.db)
        }
        return .ok(.init(body: .json(try tokens.map { token in
            .init(id: try token.requireID().uuidString.lowercased(), name: token.name,
                  operatorId: token.$operator.id.uuidString.lowercased(), operatorName: token.operator.name, createdAt: token.createdAt,
                  expiresAt: token.expiresAt ?? token.createdAt, lastUsedAt: token.lastUsedAt)
        })))
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name", "expiresInDays"], in: request)
        let signedIn = try request.requireSignedIn()
        try request.enforce(AccessPolicy.mayCreateToken(try await request.actor(), loggedInAsSomeone: signedIn.impersonator != nil),
                            permission: .portalLogin)
        let partner = try request.partner
        let name = try APITokens.validName(body.name)
        let days = try APITokens.validDays(body.expiresInDays, on: partner)
        guard let op = try await Operator.find(signedIn.operatorID, on: request.db) else { throw PortalError.unauthorized() }
        let created = try await APITokens.issue(name: name, operator: op, days: days, context: request.auditContext, now: Date(), on: request.db)
        return .created(.init(body: .json(.init(
            id: try created.token.requireID().uuidString.lowercased(), name: created.token.name, token: created.value,
            createdAt: created.token.createdAt, expiresAt: created.token.expiresAt ?? created.token.createdAt))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        let id = try APIInput.pathID(input.path.tokenId)
        guard let token = try await APITokens.find(id, partnerID: signedIn.partnerID, on: request.db) else {
            throw PortalError.notFound("There is no API token with this id.")
        }
        try request.enforce(AccessPolicy.mayRevokeToken(try await request.actor(), ownerID: token.$operator.id, partnerID: token.partnerID),
                            permission: .apiTokensManage)
        try await APITokens.revoke(token, context: request.auditContext, now: Date(), on: request.db)
        return .noContent(.init())
    }
}
