import Fluent
import OpenAPIRuntime
import Vapor

/// `POST /api/v1/accounts/{uid}/login-as`: the same decision as the account page's
/// "Login as", answered with a single-use link instead of a session.
extension APIService {
    /// A reason the partner's policy asks for and the request leaves out: the request is
    /// well formed, the partner's present policy stands in the way (409).
    static func refuseMissingReason(_ reason: String?, partner: Partner) throws {
        guard partner.impersonationReasonRequired, (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        throw PortalError.conflict("Your organisation requires a reason for logging in as someone: give one in `reason`.", title: "Reason required")
    }

    func loginAsAccountUser(_ input: Operations.LoginAsAccountUser.Input) async throws -> Operations.LoginAsAccountUser.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        let actor = try await request.actor()
        try APIContext.refuseNulls(for: ["userId", "reason"], in: request)
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        let userID = try body.userId.map { try APIInput.uuid($0, field: "userId") }
        let user: AccountUser
        do {
            user = try await ClientLoginAs.target(in: account, userID: userID, on: request.db)
        } catch let error as PortalError where error.status == .notFound {
            // The account is there; what the body names is not one of its people (the page's
            // route, with the person in its path, answers 404).
            throw PortalError(status: .conflict, title: "No such person", detail: error.detail)
        }
        let partner = try request.partner
        let facts = try await ClientLoginAs.facts(account, actor: actor, partner: partner, on: request.db)
        try request.enforce(AccessPolicy.decideLoginAsClient(actor, on: facts, session: LoginAsSession(asOperator: signedIn.impersonator != nil, asClient: false)),
                            permission: .accountImpersonate)
        try Self.refuseMissingReason(body.reason, partner: partner)
        let reason: String?
        do { reason = try ClientLoginAs.reason(body.reason, for: user, partner: partner) } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
        let (token, expiresAt) = try await ClientLoginAs.issueLink(as: user, in: account, by: actor, operatorName: signedIn.name, reason: reason,
                                                                   partner: partner, ip: request.clientIP, on: request.db)
        return .created(.init(body: .json(.init(
            url: request.baseURL + SiteURL.workspaceLoginLink(token: token.value).path, expiresAt: expiresAt,
            userId: try user.requireID().uuidString.lowercased(), userName: user.name, role: user.role == .owner ? .owner : .staff))))
    }
}
