import Fluent
import Vapor

/// `portal token create --partner SLUG --operator EMAIL --name NAME`: prints the new token as
/// the last line of standard output. Only its digest is stored; it cannot be shown again.
struct TokenCommands: AsyncCommandGroup {
    let help = "Manage API tokens."
    let commands: [String: any AnyAsyncCommand] = ["create": CreateTokenCommand()]
}

struct CreateTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "operator", help: "The email of the operator the token acts as.") var operatorEmail: String?
        @Option(name: "name", help: "What the token is for, e.g. 'CRM sync'.") var name: String?
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
        let name = (signature.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw CommandFailure("--name: say what the token is for (1 to 200 characters).") }
        let created = try await APITokens.create(name: name, operator: op, now: Date(), on: app.db)
        context.console.output("Created API token '\(name)' for \(op.email). It is shown once; store it now:")
        context.console.output("\(created.value)")
    }
}

enum APITokens {
    static func create(name: String, operator op: Operator, now: Date, on db: any Database) async throws -> SecretToken {
        let token = SecretToken.generate(prefix: APIToken.prefix)
        try await APIToken(partnerID: op.$partner.id, operatorID: try op.requireID(), name: name, tokenDigest: token.digest, now: now).create(on: db)
        return token
    }
}
