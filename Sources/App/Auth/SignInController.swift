import Fluent
import Vapor

/// `GET/POST /sign-in` and `POST /sign-out`.
enum SignInController {
    struct Form: Content {
        var email: String?
        var password: String?
        var next: String?
    }

    static func show(_ request: Request) async throws -> Response {
        if request.signedIn != nil { return request.redirect(to: SiteURL.home.path) }
        let notice: SignInView.Model.Notice? =
            (try? request.query.get(String.self, at: "signed-out")) != nil ? .signedOut
            : (try? request.query.get(String.self, at: "email-changed")) != nil ? .emailChanged
            : (try? request.query.get(String.self, at: "password-changed")) != nil ? .passwordChanged
            : (try? request.query.get(String.self, at: "expired")) != nil ? .expired
            : (try? request.query.get(String.self, at: "impersonation-ended")) != nil ? .impersonationEnded : nil
        let next = (try? request.query.get(String.self, at: "next")).flatMap(safeNext)
        return await render(request, model: .init(email: "", next: next, error: nil, notice: notice))
    }

    static func submit(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let email = form.email ?? ""
        let next = form.next.flatMap(safeNext)
        guard !email.isEmpty, let password = form.password, !password.isEmpty else {
            return await render(request, model: .init(email: email, next: next, error: "Enter your email and password.", notice: nil), status: .unprocessableEntity)
        }
        let service = SignInService(
            db: request.db, config: request.application.portalConfig,
            passwords: request.password.async, logger: request.logger
        )
        let outcome = try await service.signIn(
            partner: try request.partner, email: email, password: password,
            ip: request.clientIP, now: Date()
        )
        switch outcome {
        case .throttled(let seconds):
            throw PortalError.tooManyRequests(retryAfterSeconds: seconds, detail: "Too many failed sign-ins. Wait a minute and try again.")
        case .invalidCredentials:
            return await render(request, model: .init(email: email, next: next, error: SignInView.invalidCredentials, notice: nil), status: .unauthorized)
        case .blocked(let admins):
            return await render(request, model: .init(email: email, next: next,
                                                      error: SignInView.blocked(partner: try request.partner.name, admins: admins), notice: nil),
                                status: .forbidden)
        case .noSignInRole:
            return await render(request, model: .init(email: email, next: next, error: SignInView.notificationsOnly, notice: nil), status: .forbidden)
        case .passwordAccepted(let op):
            return try await SignInFlow.afterPassword(op, request: request, next: next)
        }
    }

    static func signOut(_ request: Request) async throws -> Response {
        if case .session(let id, _)? = request.signedIn?.credential {
            try await SessionStore.end(sessionID: id, on: request.db)
            try await ClientLoginAsController.endInThisBrowser(request, why: "the operator signed out")
            request.logger.info("signed out", metadata: ["operator": "\(request.signedIn?.operatorID.uuidString ?? "")"])
        }
        let response = request.redirect(to: SiteURL.signIn.path + "?signed-out=1", redirectType: .normal)
        response.cookies[SessionCookies.session] = SessionCookies.expired(for: request)
        return response
    }

    /// Only local paths are followed after sign-in, never another site (see `LocalPath`).
    static func safeNext(_ value: String) -> String? {
        LocalPath.validated(value)
    }

    private static func render(_ request: Request, model: SignInView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page("Sign in", status: status, content: SignInView.render(model, csrfToken: request.anonymousCSRFToken))
    }
}

/// Sends visitors who are not signed in to the sign-in page (HTML) or answers 401.
struct RequireSignedIn: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.signedIn != nil else {
            if request.method == .GET {
                return request.redirect(to: SiteURL.signIn.path + Self.nextQuery(for: request.url.path))
            }
            throw PortalError.unauthorized("Your session has ended. Sign in again.")
        }
        return try await next.respond(to: request)
    }

    /// `?next=<path>` to come back here after signing in, or nothing for the home page or a
    /// path that `LocalPath` would refuse anyway.
    static func nextQuery(for path: String) -> String {
        guard path != SiteURL.home.path, let local = LocalPath.validated(path) else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "/-._~")
        return "?next=" + (local.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }
}
