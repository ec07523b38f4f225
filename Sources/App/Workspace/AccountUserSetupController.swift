import Fluent
import Vapor

/// `GET/POST /app/setup/:token`: the owner or a staff member of a client account chooses a
/// password, from their invite or a reset link. The link works once.
enum AccountUserSetupController {
    struct Form: Content {
        var password: String?
        var passwordConfirmation: String?

        enum CodingKeys: String, CodingKey {
            case password
            case passwordConfirmation = "password_confirmation"
        }
    }

    static func show(_ request: Request) async throws -> Response {
        let (record, user) = try await usable(request)
        return await render(request, user: user, purpose: record.purpose, errors: .init())
    }

    static func submit(_ request: Request) async throws -> Response {
        let (record, user) = try await usable(request)
        let form = try request.content.decode(Form.self)
        if let problem = PasswordPolicy.check(form.password ?? "", confirmation: form.passwordConfirmation ?? "", name: user.name, email: user.email) {
            return await render(request, user: user, purpose: record.purpose, errors: .init(fields: ["password": problem]), status: .unprocessableEntity)
        }
        let hash = try await request.password.async.hash(form.password ?? "")
        guard try await AccountUsers.choosePassword(hash: hash, with: record, user: user, ip: request.clientIP, now: Date(), on: request.db) else {
            throw PortalError.accountUserLinkSpent
        }
        return await request.page("Password saved", content: AccountUserSetupView.saved(email: user.email))
    }

    private static func usable(_ request: Request) async throws -> (AccountUserToken, AccountUser) {
        guard let found = try await AccountUsers.find(request.parameters.get("token") ?? "", partnerID: try request.partner.requireID(),
                                                      now: Date(), on: request.db)
        else { throw PortalError.accountUserLinkSpent }
        return found
    }

    private static func render(_ request: Request, user: AccountUser, purpose: AccountUserToken.Purpose, errors: OperatorInput.Errors,
                               status: HTTPResponseStatus = .ok) async -> Response {
        let model = AccountUserSetupView.Model(purpose: purpose, email: user.email, token: request.parameters.get("token") ?? "", errors: errors)
        return await request.page(model.title, status: status, content: AccountUserSetupView.render(model, csrfToken: request.anonymousCSRFToken))
    }
}

extension PortalError {
    static let accountUserLinkSpent = PortalError(
        status: .gone, title: "Link no longer valid",
        detail: "This link has expired or was already used. Ask your provider for a new one.")
}
