import Fluent
import Vapor

/// `portal token create --partner SLUG --operator EMAIL --name NAME [--days N]`: prints the new
/// token as the last line of standard output. Only its digest is stored; it cannot be shown again.
struct TokenCommands: AsyncCommandGroup {
    let help = "Manage API tokens."
    let commands: [String: any AnyAsyncCommand] = ["create": CreateTokenCommand()]
}

struct CreateTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "operator", help: "The email of the operator the token acts as.") var operatorEmail: String?
        @Option(name: "name", help: "What the token is for, e.g. 'CRM sync'.") var name: String?
        @Option(name: "days", help: "Days until the token expires (default 90, at most the partner's maximum).") var days: Int?
        init() {}
    }

    let help = "Create an API token for an operator."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let partner = try await CommandLookup.partner(slug: signature.partner, on: app.db)
        let email = Operator.normalize(email: signature.operatorEmail ?? "")
        guard let op = try await Operator.query(on: app.db)
            .filter(\.$partner.$id == partner.requireID()).filter(\.$email == email).first()
        else { throw CommandFailure("--operator: no operator '\(email)' on partner '\(partner.slug)'.") }
        guard let name = try? APITokens.validName(signature.name ?? "") else {
            throw CommandFailure("--name: say what the token is for (1 to \(APITokens.maxNameLength) visible characters).")
        }
        guard let days = try? APITokens.validDays(signature.days, on: partner) else {
            throw CommandFailure("--days: give 1 to \(partner.maxTokenDays) (the partner's longest token lifetime).")
        }
        let created = try await APITokens.create(name: name, operator: op, days: days, now: Date(), on: app.db)
        let expires = ISO8601DateFormatter().string(from: created.token.expiresAt ?? Date())
        // The installation's own command, so the entry names it rather than an operator.
        try await Audit.record("api-token.created", by: AuditActor(id: nil, name: "portal token create (command line)"),
                               partnerID: try partner.requireID(), target: Audit.target(op),
                               details: "token: \(name), expires \(expires)", on: app.db)
        context.console.output("Created API token '\(name)' for \(op.email), valid until \(expires). It is shown once; store it now:")
        context.console.output("\(created.secret.value)")
    }
}
