import Vapor

/// `GET/POST /forgot-password`: an operator asks for a reset link. The answer is the same
/// whether or not the address is known, and also when the request was over its limit.
enum PasswordResetController {
    struct Form: Content {
        var email: String?
    }

    static func show(_ request: Request) async throws -> Response {
        await render(request, model: .init(email: "", sent: false))
    }

    static func submit(_ request: Request) async throws -> Response {
        let email = String((try request.content.decode(Form.self).email ?? "").prefix(320))
        if case .failure = OperatorInput.email(email) {
            return await render(request, model: .init(email: email, sent: false, error: "Enter the email address you sign in with, like name@example.com."),
                                status: .unprocessableEntity)
        }
        _ = try await PasswordResets.request(partner: try request.partner, email: email, ip: request.clientIP,
                                             linkBase: PasswordResets.linkBase(for: request), now: Date(),
                                             on: request.db, logger: request.logger)
        return await render(request, model: .init(email: email, sent: true))
    }

    private static func render(_ request: Request, model: PasswordResetView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page(PasswordResetView.title, status: status,
                           content: PasswordResetView.render(model, csrfToken: request.csrfToken))
    }
}
