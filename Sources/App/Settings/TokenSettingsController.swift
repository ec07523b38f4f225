import Fluent
import Vapor

/// `/settings/api-tokens`: open to every operator who may sign in, for their own tokens, and to
/// those with `apiTokens.manage` for everyone's. The new token's value is on the page answering
/// the form, and nowhere else: not in a redirect, a notice, the audit log or a log line.
enum TokenSettingsController {
    static func index(_ request: Request) async throws -> Response {
        let actor = try await authorized(request)
        var model = try await model(request, actor: actor)
        model.notice = await request.takeNotice()
        return await page(request, model: model)
    }

    static func create(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var expires_in_days: String? }
        let actor = try await authorized(request)
        let signedIn = try request.requireSignedIn()
        try request.enforce(AccessPolicy.mayCreateToken(actor, loggedInAsSomeone: signedIn.impersonator != nil), permission: .portalLogin)
        let form = try request.content.decode(Form.self)
        let partner = try request.partner
        let typedName = form.name ?? "", typedDays = form.expires_in_days ?? ""
        var errors = OperatorInput.Errors()
        let name = try? APITokens.validName(typedName)
        if name == nil { errors.fields["name"] = "Use 1 to \(APITokens.maxNameLength) visible characters, without control characters." }
        let days = Int(typedDays.trimmingCharacters(in: .whitespaces)).flatMap { try? APITokens.validDays($0, on: partner) }
        if days == nil { errors.fields["expires_in_days"] = "Give a whole number of days from 1 to \(partner.maxTokenDays)." }
        guard let name, let days, errors.isEmpty else {
            var model = try await model(request, actor: actor)
            model.draft = .init(name: typedName, days: typedDays)
            model.errors = errors
            return await page(request, model: model, status: .unprocessableEntity)
        }
        guard let op = try await Operator.find(signedIn.operatorID, on: request.db) else { throw PortalError.unauthorized() }
        let now = Date()
        let created = try await APITokens.issue(name: name, operator: op, days: days, context: request.auditContext, now: now, on: request.db)
        var model = try await model(request, actor: actor, now: now)
        model.created = .init(name: name, value: created.value, expiresAt: created.token.expiresAt ?? now)
        return await page(request, model: model)
    }

    static func revoke(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        guard let id = request.parameters.get("tokenId").flatMap(UUID.init(uuidString:)),
              let token = try await APITokens.find(id, partnerID: actor.partnerID, on: request.db)
        else { throw PortalError.notFound("There is no API token with this id.") }
        try request.enforce(AccessPolicy.mayRevokeToken(actor, ownerID: token.$operator.id, partnerID: token.partnerID),
                            permission: .apiTokensManage)
        try await APITokens.revoke(token, context: request.auditContext, now: Date(), on: request.db)
        return try await request.redirect(to: SiteURL.apiTokens.path, notice: "The token “\(token.name)” was revoked: it no longer works.")
    }

    // MARK: - Helpers

    /// 403 (and a log line) for anyone who may not sign in.
    private static func authorized(_ request: Request) async throws -> Actor {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayUseOwnTokens(actor), permission: .portalLogin)
        return actor
    }

    private static func model(_ request: Request, actor: Actor, now: Date = Date()) async throws -> TokenSettingsPage.Model {
        try await TokenSettingsPage.model(for: actor, partner: try request.partner,
                                          loggedInAsSomeone: request.signedIn?.impersonator != nil, now: now, on: request.db)
    }

    private static func page(_ request: Request, model: TokenSettingsPage.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page("API tokens", status: status, current: .settings,
                           content: TokenSettingsView.render(model, csrfToken: request.csrfToken))
    }
}
