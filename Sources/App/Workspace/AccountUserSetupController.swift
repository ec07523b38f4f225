import Fluent
import Plot
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
        if let problem = PasswordPolicy.check(form.password ?? "", confirmation: form.passwordConfirmation ?? "") {
            return await render(request, user: user, purpose: record.purpose, errors: .init(fields: ["password": problem]), status: .unprocessableEntity)
        }
        let hash = try await request.password.async.hash(form.password ?? "")
        guard try await AccountUsers.choosePassword(hash: hash, with: record, user: user, ip: request.clientIP, now: Date(), on: request.db) else {
            throw PortalError.accountUserLinkSpent
        }
        return await request.page("Password saved", content: .div(.class("auth"), .div(.class("card"),
            .h1(.text("Password saved")),
            .p(.class("lead"), .text("You can now sign in as \(user.email) with your new password.")))))
    }

    private static func usable(_ request: Request) async throws -> (AccountUserToken, AccountUser) {
        guard let found = try await AccountUsers.find(request.parameters.get("token") ?? "", partnerID: try request.partner.requireID(),
                                                      now: Date(), on: request.db)
        else { throw PortalError.accountUserLinkSpent }
        return found
    }

    private static func render(_ request: Request, user: AccountUser, purpose: AccountUserToken.Purpose, errors: OperatorInput.Errors,
                               status: HTTPResponseStatus = .ok) async -> Response {
        let title = purpose == .invite ? "Choose your password" : "Choose a new password"
        return await request.page(title, status: status, content: .div(.class("auth"), .div(.class("card"),
            .h1(.text(title)),
            .p(.class("lead"), .text("Set a password for \(user.email). The link works once.")),
            .form(.method(.post), .action(request.url.path.attributeEscaped), .novalidate(),
                  Forms.csrfField(request.anonymousCSRFToken),
                  Forms.errorSummary(errors.isEmpty ? nil : "Correct the fields marked below."),
                  Forms.field(.init(name: "password", label: "Password", type: .password, error: errors["password"],
                                    hint: "At least \(PasswordPolicy.minimumLength) characters. A few unrelated words work well.",
                                    autocomplete: "new-password", autofocus: true)),
                  Forms.field(.init(name: "password_confirmation", label: "Repeat the password", type: .password, autocomplete: "new-password")),
                  .div(.class("form-actions"), .button(.class("button primary block"), .type(.submit), .text("Save password")))))))
    }
}

extension PortalError {
    static let accountUserLinkSpent = PortalError(
        status: .gone, title: "Link no longer valid",
        detail: "This link has expired or was already used. Ask your provider for a new one.")
}
