import Fluent
import Vapor

/// `portal operator create --partner SLUG --email EMAIL --name NAME --role admin [--time-zone ZONE] [--password-stdin]`
struct OperatorCommands: AsyncCommandGroup {
    let help = "Manage operators."
    let commands: [String: any AnyAsyncCommand] = ["create": CreateOperatorCommand()]
}

struct CreateOperatorCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "email", help: "The operator's email address.") var email: String?
        @Option(name: "name", help: "The operator's name.") var name: String?
        @Option(name: "role", help: "A built-in role code, e.g. admin. A partner's first operator created as admin holds Admin Secure.") var role: String?
        @Option(name: "time-zone", help: "An IANA time zone, e.g. Europe/London, for the digest and the times shown (default UTC).") var timeZone: String?
        @Flag(name: "password-stdin", help: "Read the password from standard input instead of printing a setup link.") var passwordStdin: Bool
        init() {}
    }

    let help = "Create an operator with a role over all accounts."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let partner = try await CommandLookup.partner(slug: signature.partner, on: app.db)
        if let zone = signature.timeZone, TimeZone(identifier: zone) == nil {
            throw CommandFailure("--time-zone: '\(zone)' is not a time zone; use a name like Europe/London.")
        }
        var passwordHash: String? = nil
        if signature.passwordStdin {
            let password = readLine(strippingNewline: true) ?? ""
            if let problem = PasswordPolicy.check(password, name: signature.name, email: signature.email) { throw CommandFailure("password: \(problem)") }
            passwordHash = try await app.password.async.hash(password)
        }
        // The partner's first admin owns its data: Admin Secure, as through the setup link.
        let isFirst = try await Operator.query(on: app.db).filter(\.$partner.$id == partner.requireID()).count() == 0
        let role = isFirst && signature.role == "admin" ? OperatorService.firstAdminRole : signature.role ?? ""
        let op: Operator
        do {
            op = try await OperatorService.create(
                .init(name: signature.name ?? "", email: signature.email ?? "", role: role, passwordHash: passwordHash),
                partnerID: try partner.requireID(), on: app.db)
        } catch let errors as OperatorInput.Errors {
            throw CommandFailure(errors.summary)
        }
        if let zone = signature.timeZone {
            op.timeZone = zone
            try await op.update(on: app.db)
        }
        if passwordHash != nil {
            context.console.output("Created operator \(op.email) (\(BuiltInRole.named(role)?.name ?? role)) on '\(partner.slug)'. They can sign in now.")
        } else {
            let token = try await SetupLinks.issueOperatorSetup(operatorID: try op.requireID(), partnerID: try partner.requireID(), now: Date(), on: app.db)
            let base = app.portalConfig.publicURL ?? CommandLookup.defaultBase(for: partner)
            context.console.output("Created operator \(op.email) (\(BuiltInRole.named(role)?.name ?? role)) on '\(partner.slug)'. Single-use setup link (valid 7 days):")
            context.console.output("\(SetupLinks.url(for: token, base: base))")
        }
    }
}

enum CommandLookup {
    static func partner(slug: String?, on db: any Database) async throws -> Partner {
        guard let slug, !slug.isEmpty else { throw CommandFailure("--partner: give the partner's slug.") }
        guard let partner = try await Partner.query(on: db).filter(\.$slug == slug.lowercased()).with(\.$domains).first() else {
            throw CommandFailure("--partner: no partner with slug '\(slug)'.")
        }
        return partner
    }

    /// Where links point when no PUBLIC_URL is set: the partner's first domain, or localhost.
    static func defaultBase(for partner: Partner) -> String {
        if let host = partner.$domains.value?.first?.host { return "https://\(host)" }
        return "http://localhost:8080"
    }
}
