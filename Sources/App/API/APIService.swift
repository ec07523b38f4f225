import Fluent
import OpenAPIRuntime
import Vapor

/// The handlers of the operations in `openapi.yaml`. Each reads the request from
/// `APIContext`, asks the domain (which asks the access policy), and maps the result to the
/// generated output type. Capabilities add their handlers in extensions beside their code.
struct APIService: APIProtocol {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        guard let op = try await Operator.query(on: request.db).filter(\.$id == signedIn.operatorID)
            .filter(\.$partner.$id == signedIn.partnerID).first()
        else { throw PortalError.unauthorized() }
        return .ok(.init(body: .json(try await Self.me(signedIn, actor: try await request.actor(), partner: request.partner, op: op, on: request.db))))
    }

    func updateMe(_ input: Operations.UpdateMe.Input) async throws -> Operations.UpdateMe.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        guard case .json(let update) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name", "notifications"], in: request)
        guard let op = try await Operator.query(on: request.db)
            .filter(\.$id == signedIn.operatorID).filter(\.$partner.$id == signedIn.partnerID)
            .with(\.$grants).first()
        else { throw PortalError.unauthorized() }
        let actor = try await request.actor()
        if let notifications = update.notifications {
            guard Set(notifications.categories).count == notifications.categories.count else {
                throw PortalError.badRequest("notifications.categories: list each category once.")
            }
            try await OperatorAdministration.setNotifications(
                of: op, to: NotificationPreferences(form: notifications.frequency.rawValue, categories: notifications.categories.map(\.rawValue)),
                by: actor, context: request.auditContext, on: request.db)
        }
        do {
            try await OperatorAdministration.edit(op, .init(name: update.name, email: nil, phone: nil), by: actor,
                                                  context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
        let refreshed = try SignedIn(operator: op, credential: signedIn.credential)
        return .ok(.init(body: .json(try await Self.me(refreshed, actor: actor, partner: request.partner, op: op, on: request.db))))
    }

    static func me(_ signedIn: SignedIn, actor: Actor, partner: Partner, op: Operator, on db: any Database) async throws -> Components.Schemas.Me {
        let held = actor.grants.reduce(into: Set<Permission>()) { $0.formUnion($1.role.allPermissions) }
        let preferences = op.notificationPreferences
        let policy = SecondFactorPolicy(partner: partner)
        return .init(
            impersonator: signedIn.impersonator.map { .init(id: $0.id.uuidString.lowercased(), name: $0.name, expiresAt: $0.expiresAt ?? Date()) },
            secondFactor: .init(
                method: policy.method(for: op).flatMap { .init(rawValue: $0.rawValue) },
                required: policy.required,
                allowedMethods: policy.methods.compactMap { .init(rawValue: $0.rawValue) },
                recoveryCodesLeft: try await RecoveryCode.remaining(for: op.requireID(), on: db)),
            notifications: .init(
                frequency: .init(rawValue: preferences.frequency.rawValue) ?? .daily,
                categories: NotificationPreferences.Category.allCases.filter(preferences.categories.contains)
                    .compactMap { .init(rawValue: $0.rawValue) }),
            _operator: .init(id: signedIn.operatorID.uuidString.lowercased(), email: signedIn.email, name: signedIn.name),
            partner: .init(slug: partner.slug, name: partner.name),
            permissions: held.sorted().map(Components.Schemas.Permission.init)
        )
    }

    func listPermissions(_ input: Operations.ListPermissions.Input) async throws -> Operations.ListPermissions.Output {
        _ = try APIContext.current().requireSignedIn()
        return .ok(.init(body: .json(Permission.allCases.map { permission in
            .init(code: .init(permission), title: permission.title, description: permission.summary, level: permission.isAccountLevel ? .account : .partner)
        })))
    }
}

extension Components.Schemas.Permission {
    init(_ permission: Permission) {
        // The document's enum is generated from the same catalogue (see APITests).
        self = Self(rawValue: permission.rawValue)!
    }
}

/// Parsing helpers shared by the handlers.
enum APIInput {
    static func uuid(_ raw: String, field: String) throws -> UUID {
        guard let id = UUID(uuidString: raw) else { throw PortalError.badRequest("\(field): expected a UUID, got '\(raw)'.") }
        return id
    }

    /// An id in a path: anything that is not a UUID names nothing.
    static func pathID(_ raw: String) throws -> UUID {
        guard let id = UUID(uuidString: raw) else { throw PortalError.notFound() }
        return id
    }

    static func text(_ raw: String, field: String, maxLength: Int) throws -> String {
        guard raw.unicodeScalars.count <= maxLength else { throw PortalError.badRequest("\(field): use at most \(maxLength) characters.") }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// `GET /api/v1/openapi.yaml`: the document the API is generated from.
enum OpenAPIDocument {
    static let yaml: String? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }()

    static func serve(_ request: Request) async throws -> Response {
        guard let yaml else { throw PortalError.notFound() }
        return Response(status: .ok, headers: ["Content-Type": "application/yaml; charset=utf-8", "Cache-Control": "public, max-age=300"],
                        body: .init(string: yaml))
    }
}
