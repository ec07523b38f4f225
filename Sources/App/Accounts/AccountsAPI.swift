import Fluent
import OpenAPIRuntime
import Vapor

extension APIService {
    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["groupId", "secure"], in: request)
        let account = try await AccountService.create(
            .init(name: body.name, email: body.email, groupID: try body.groupId.map { try APIInput.uuid($0, field: "groupId") },
                  secure: body.secure ?? false),
            by: try await request.actor(), on: request.db)
        return .created(.init(body: .json(Self.account(account))))
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        let request = try APIContext.current()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: try await request.actor(), on: request.db)
        return .ok(.init(body: .json(Self.account(account))))
    }

    static func account(_ account: Account) -> Components.Schemas.Account {
        .init(businessUid: account.businessUID, name: account.name, email: account.email,
              groupId: account.groupID?.uuidString.lowercased(), secure: account.secure, locked: account.locked,
              setupCompleted: account.setupCompleted, createdAt: account.createdAt)
    }
}
