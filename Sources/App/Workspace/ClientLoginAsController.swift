import Fluent
import Vapor

/// Logging in to a client account from its page (as the owner) or its Staff tab (as a staff
/// member), the single-use links the API hands out, signing out as them, and the
/// workspace's Support access page.
enum ClientLoginAsController {
    struct ReasonForm: Content { var reason: String? }

    /// `POST /accounts/:uid/login-as` and `POST /accounts/:uid/staff/:userId/login-as`.
    static func start(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let signedIn = try request.requireSignedIn()
        let partner = try request.partner
        let account = try await AccountService.viewable(businessUID: request.parameters.get("businessUid") ?? "", by: actor, on: request.db)
        var userID: UUID?
        if let raw = request.parameters.get("userId") {
            guard let id = UUID(uuidString: raw) else { throw PortalError.notFound("There is no such staff member on this account.") }
            userID = id
        }
        let user = try await ClientLoginAs.target(in: account, userID: userID, on: request.db)
        let session = LoginAsSession(asOperator: signedIn.impersonator != nil, asClient: try await actingAsClient(request))
        let facts = try await ClientLoginAs.facts(account, actor: actor, partner: partner, on: request.db)
        try request.enforce(AccessPolicy.decideLoginAsClient(actor, on: facts, session: session), permission: .accountImpersonate)
        let typed = try request.content.decode(ReasonForm.self).reason
        let reason: String?
        do {
            reason = try ClientLoginAs.reason(typed, for: user, partner: partner)
        } catch let errors as OperatorInput.Errors {
            let model = SupportAccessView.ReasonModel(
                accountName: account.name, userName: user.name, standing: standing(user, account), action: request.url.path == SiteURL.accountLoginAs(uid: account.businessUID).path
                    ? .accountLoginAs(uid: account.businessUID) : .accountStaffLoginAs(uid: account.businessUID, userID: try user.requireID().uuidString.lowercased()),
                back: .account(uid: account.businessUID), minutes: partner.impersonationMaxMinutes, reason: String((typed ?? "").prefix(600)),
                error: errors.fields["reason"])
            return await request.page("Log in as \(user.name)", status: .unprocessableEntity, current: .accounts,
                                      content: SupportAccessView.reason(model, csrfToken: request.csrfToken))
        }
        let started = try await ClientLoginAs.start(as: user, in: account, by: actor, operatorName: signedIn.name, session: session, reason: reason,
                                                    via: "browser", partner: partner, ip: request.clientIP, on: request.db)
        return workspaceResponse(request, token: started.token)
    }

    /// Whether this browser is already logged in to a client account as someone.
    private static func actingAsClient(_ request: Request) async throws -> Bool {
        guard let token = request.cookies[SessionCookies.workspaceSession]?.string.nilIfEmpty else { return false }
        let user = try await WorkspaceSessions.resume(token: token, partnerID: try request.partner.requireID(), ip: request.clientIP, now: Date(), on: request.db)
        return user?.impersonator != nil
    }

    /// Signing out of the portal also ends a login to a client account that this operator
    /// holds in the same browser: nobody keeps acting as a client after leaving.
    static func endInThisBrowser(_ request: Request, why: String) async throws {
        guard let operatorID = request.signedIn?.operatorID,
              let token = request.cookies[SessionCookies.workspaceSession]?.string.nilIfEmpty,
              let user = try await WorkspaceSessions.resume(token: token, partnerID: try request.partner.requireID(), ip: request.clientIP, now: Date(), on: request.db),
              let acting = user.impersonator, acting.operatorID == operatorID
        else { return }
        try await ClientLoginAs.end(acting.accessID, partnerID: user.partnerID, why: why, ip: request.clientIP, on: request.db)
    }

    static func standing(_ user: AccountUser, _ account: Account) -> String {
        "\(user.role == .owner ? "owner" : "staff") of \(account.name)"
    }

    private static func workspaceResponse(_ request: Request, token: SecretToken) -> Response {
        let response = request.redirect(to: SiteURL.workspace.path)
        response.cookies[SessionCookies.workspaceSession] = SessionCookies.make(token.value, for: request)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return response
    }

    /// `GET /app/login-as/:token`: the API's single-use link, opened in a browser.
    static func openLink(_ request: Request) async throws -> Response {
        let token = request.parameters.get("token") ?? ""
        // One login-as at a time in a browser, as on the account page.
        if request.workspaceUser?.impersonator != nil { throw PortalError.denied(.alreadyImpersonating) }
        guard token.count <= 128,
              let (started, _) = try await ClientLoginAs.redeem(token, partner: try request.partner, ip: request.clientIP, on: request.db)
        else {
            throw PortalError(status: .gone, title: "Link no longer valid",
                              detail: "This login link was used already or is more than a minute old. Ask for a new one.")
        }
        return workspaceResponse(request, token: started.token)
    }

    /// `POST /app/sign-out-as`: ends the login-as and returns to the account's page.
    static func signOutAs(_ request: Request) async throws -> Response {
        guard let user = request.workspaceUser, let acting = user.impersonator else {
            throw PortalError(status: .conflict, title: "Not logged in as anyone", detail: "You are signed in as yourself: use Sign out.")
        }
        try await ClientLoginAs.end(acting.accessID, partnerID: user.partnerID, why: "signed out as \(user.name)", ip: request.clientIP, on: request.db)
        let account = try await Account.query(on: request.db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        let response = request.redirect(to: account.map { SiteURL.account(uid: $0.businessUID) }?.path ?? SiteURL.accounts.path)
        response.cookies[SessionCookies.workspaceSession] = SessionCookies.expired(for: request)
        return response
    }

    // MARK: The workspace's Support access page

    static func supportAccess(_ request: Request) async throws -> Response {
        try await supportPage(request, notice: nil)
    }

    static func grant(_ request: Request) async throws -> Response {
        struct Form: Content { var length: String? }
        let user = try WorkspaceController.requireUser(request)
        guard let length = try request.content.decode(Form.self).length.flatMap(SupportConsent.Length.init(rawValue:)) else {
            throw PortalError(status: .unprocessableEntity, title: "Choose how long", detail: "Choose for how long support may log in.")
        }
        try await SupportConsent.grant(length, by: user, ip: request.clientIP, on: request.db)
        return try await supportPage(request, notice: "Access granted.")
    }

    static func revoke(_ request: Request) async throws -> Response {
        struct Form: Content { var grant: String? }
        let user = try WorkspaceController.requireUser(request)
        guard let id = try request.content.decode(Form.self).grant.flatMap(UUID.init(uuidString:)) else { throw PortalError.notFound() }
        try await SupportConsent.revoke(id, by: user, ip: request.clientIP, on: request.db)
        return try await supportPage(request, notice: "Access revoked.")
    }

    private static func supportPage(_ request: Request, notice: String?) async throws -> Response {
        let user = try WorkspaceController.requireUser(request)
        let partner = try request.partner
        let now = Date()
        let grants = try await SupportConsent.grants(accountID: user.accountID, partnerID: user.partnerID, on: request.db)
        let visits = try await SupportConsent.recentAccess(accountID: user.accountID, partnerID: user.partnerID, on: request.db)
        let model = SupportAccessView.PageModel(
            partnerName: partner.name, consentRequired: partner.loginAsConsentRequired,
            grantState: AccessPolicy.mayGrantSupportAccess(user.role, supported: user.impersonator != nil),
            grants: grants.compactMap { grant in
                grant.id.map { .init(id: $0.uuidString.lowercased(), grantedBy: grant.grantedByName, grantedAt: grant.grantedAt, until: grant.expiresAt,
                                     inForce: grant.isInForce(at: now), revoked: grant.revokedByName) }
            },
            visits: visits.map { visit in
                .init(operatorName: visit.operatorName, asName: "\(visit.userName) (\(visit.userRole == .owner ? "owner" : "staff"))",
                      startedAt: visit.startedAt,
                      ended: visit.endedAt.map { "\(DisplayDate.text($0, .minute)) UTC" } ?? (visit.endsAt > now ? "Under way" : "Time limit reached"),
                      reason: visit.reason)
            },
            notice: notice)
        return await request.workspacePage("Support access", content: SupportAccessView.page(model, csrfToken: request.workspaceCSRFToken))
    }
}
