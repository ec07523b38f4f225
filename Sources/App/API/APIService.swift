import Fluent
import OpenAPIRuntime
import Vapor

/// The handlers of the operations in `openapi.yaml`. Each reads the request from
/// `APIContext`, asks the domain, and maps the result to the generated output type.
struct APIService: APIProtocol {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let request = try APIContext.current()
        return .ok(.init(body: .json(try Self.me(request.requireSignedIn(), partner: request.partner))))
    }

    func updateMe(_ input: Operations.UpdateMe.Input) async throws -> Operations.UpdateMe.Output {
        let request = try APIContext.current()
        let signedIn = try request.requireSignedIn()
        guard case .json(let update) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name"], in: request)
        guard let op = try await Operator.query(on: request.db)
            .filter(\.$id == signedIn.operatorID).filter(\.$partner.$id == signedIn.partnerID)
            .with(\.$grants).first()
        else { throw PortalError.unauthorized() }
        if let rawName = update.name {
            switch OperatorInput.name(rawName) {
            case .success(let name): op.name = name
            case .failure(let message): throw PortalError.badRequest("name: \(message)")
            }
        }
        try await op.update(on: request.db)
        let refreshed = try SignedIn(operator: op, credential: signedIn.credential)
        return .ok(.init(body: .json(try Self.me(refreshed, partner: request.partner))))
    }

    static func me(_ signedIn: SignedIn, partner: Partner) -> Components.Schemas.Me {
        .init(
            _operator: .init(id: signedIn.operatorID.uuidString.lowercased(), email: signedIn.email, name: signedIn.name),
            partner: .init(slug: partner.slug, name: partner.name),
            permissions: signedIn.permissions.compactMap { Components.Schemas.Permission(rawValue: $0.rawValue) }
        )
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
