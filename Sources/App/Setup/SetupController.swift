import Fluent
import Vapor

/// `GET/POST /setup/:token`: the first admin of a partner, or an operator choosing a password.
enum SetupController {
    struct Form: Content {
        var name: String?
        var email: String?
        var password: String?
        var passwordConfirmation: String?

        enum CodingKeys: String, CodingKey {
            case name, email, password
            case passwordConfirmation = "password_confirmation"
        }
    }

    static func show(_ request: Request) async throws -> Response {
        let record = try await usableToken(request)
        return await render(request, model: .init(purpose: record.purpose, name: "", email: record.operator?.email ?? ""))
    }

    static func submit(_ request: Request) async throws -> Response {
        let record = try await usableToken(request)
        let form = try request.content.decode(Form.self)
        let partner = try request.partner
        var model = SetupView.Model(purpose: record.purpose, name: form.name ?? "", email: form.email ?? record.operator?.email ?? "")

        var errors = OperatorInput.Errors()
        if record.purpose == .firstAdmin {
            if case .failure(let message) = OperatorInput.name(model.name) { errors.fields["name"] = message }
            if case .failure(let message) = OperatorInput.email(model.email) { errors.fields["email"] = message }
        }
        if let problem = PasswordPolicy.check(form.password ?? "", confirmation: form.passwordConfirmation ?? "", name: form.name ?? record.operator?.name, email: model.email) {
            errors.fields["password"] = problem
        }
        guard errors.isEmpty else {
            model.errors = errors
            return await render(request, model: model, status: .unprocessableEntity)
        }

        let hash = try await request.password.async.hash(form.password ?? "")
        let newAdmin = OperatorService.NewOperator(name: model.name, email: model.email, role: OperatorService.firstAdminRole, passwordHash: hash)
        let now = Date()
        let op: Operator
        do {
            op = try await request.db.writeTransaction { db -> Operator in
                guard try await SetupLinks.consume(record, now: now, on: db) else { throw PortalError.setupLinkSpent }
                switch record.purpose {
                case .firstAdmin:
                    let admin = try await OperatorService.create(newAdmin, partnerID: try partner.requireID(), on: db)
                    try await Audit.record("operator.created", by: AuditActor(id: admin.id, name: admin.name), partnerID: admin.$partner.id,
                                           target: Audit.target(admin), details: "first admin, through the setup link, as Admin Secure",
                                           ip: request.clientIP, now: now, on: db)
                    return admin
                case .operatorSetup, .invite, .passwordReset:
                    guard let op = try await record.$operator.get(on: db), op.status != .blocked else { throw PortalError.setupLinkSpent }
                    op.passwordHash = hash
                    if op.status == .invited { op.status = .active }
                    try await op.update(on: db)
                    // A new password ends every other session of the person.
                    try await SessionStore.endAll(operatorID: op.requireID(), on: db)
                    try await APITokens.revokeAll(operatorID: op.requireID(), partnerID: op.$partner.id, on: db)
                    if record.purpose == .passwordReset {
                        try await PasswordResets.linkUsed(by: op, partner: partner, ip: request.clientIP, now: now, on: db)
                    }
                    try await Audit.record(record.purpose == .passwordReset ? "operator.password-reset" : "operator.invite-accepted",
                                           by: AuditActor(id: op.id, name: op.name), partnerID: op.$partner.id,
                                           target: Audit.target(op), ip: request.clientIP, now: now, on: db)
                    try await op.$grants.load(on: db)
                    return op
                }
            }
        } catch let fieldErrors as OperatorInput.Errors {
            model.errors = fieldErrors
            return await render(request, model: model, status: .unprocessableEntity)
        }
        request.logger.notice("operator set up through a setup link", metadata: ["operator": "\(op.id?.uuidString ?? "")", "purpose": "\(record.purpose.rawValue)"])

        // The partner's second-factor policy applies here too: an invitee enrols next.
        return try await SignInFlow.afterPassword(op, request: request, next: nil, now: now)
    }

    private static func usableToken(_ request: Request) async throws -> OneTimeToken {
        let token = request.parameters.get("token") ?? ""
        guard let record = try await SetupLinks.find(token, partnerID: try request.partner.requireID(), now: Date(), on: request.db) else {
            throw PortalError.setupLinkSpent
        }
        try await record.$operator.load(on: request.db)
        return record
    }

    private static func render(_ request: Request, model: SetupView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page(model.title, status: status, content: SetupView.render(model, action: .setup(token: request.parameters.get("token") ?? ""), csrfToken: request.anonymousCSRFToken))
    }
}

extension PortalError {
    static let setupLinkSpent = PortalError(
        status: .gone, title: "Link no longer valid",
        detail: "This link has expired or was already used. To reset your password, ask for a new link with “Forgot password?” on the sign-in page; for an invitation, ask an admin to send it again."
    )
}
