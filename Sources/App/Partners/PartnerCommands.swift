import Fluent
import Vapor

/// `portal partner create --name NAME --slug SLUG --domain DOMAIN[,DOMAIN…]` and
/// `portal partner policy --partner SLUG [--second-factor required|optional] [--methods totp,email,sms] …`
struct PartnerCommands: AsyncCommandGroup {
    let help = "Manage partners."
    let commands: [String: any AnyAsyncCommand] = ["create": CreatePartnerCommand(), "policy": PartnerPolicyCommand()]
}

/// Shows or changes a partner's security policy.
struct PartnerPolicyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "second-factor", help: "required or optional.") var secondFactor: String?
        @Option(name: "methods", help: "Allowed second factors, comma-separated: totp, email, sms.") var methods: String?
        @Option(name: "impersonation-minutes", help: "Longest a login as another operator lasts, 1 to 480.") var impersonationMinutes: String?
        @Option(name: "impersonation-reason", help: "required or optional.") var impersonationReason: String?
        @Option(name: "idle-minutes", help: "Minutes without activity after which a session ends, 5 to 480.") var idleMinutes: String?
        @Option(name: "absolute-minutes", help: "Longest a session lasts, in minutes, 480 to 43200.") var absoluteMinutes: String?
        @Option(name: "max-token-days", help: "Longest an API token may live, in days, 1 to 365 (default 365).") var maxTokenDays: String?
        @Option(name: "client-authenticator", help: "required or optional: whether owners and staff must use an authenticator app.")
        var clientAuthenticator: String?
        @Option(name: "login-as-consent", help: "required or optional: whether operators may log in to a client account only while its owner grants access.")
        var loginAsConsent: String?
        @Option(name: "login-as-notice", help: "always, never or secure: when the owner is emailed that an operator logged in to their account.")
        var loginAsNotice: String?
        init() {}
    }

    let help = "Show or change a partner's second-factor, impersonation and API token policy."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let partner = try await CommandLookup.partner(slug: signature.partner, on: app.db)
        // The same checks as the Settings page and the API.
        let change = SettingsInput.SecurityChange(
            secondFactor: signature.secondFactor, methods: signature.methods.map { $0.split(separator: ",").map(String.init) },
            idleTimeout: signature.idleMinutes, absoluteTimeout: signature.absoluteMinutes,
            impersonationReason: signature.impersonationReason, impersonationMinutes: signature.impersonationMinutes,
            loginAsConsent: signature.loginAsConsent, loginAsNotice: signature.loginAsNotice,
            clientAuthenticator: signature.clientAuthenticator, maxTokenDays: signature.maxTokenDays)
        do {
            try SettingsInput.apply(change, to: partner)
        } catch {
            throw CommandFailure(error.summary(naming: SettingsInput.securityOptionNames))
        }
        try await partner.update(on: app.db)
        let policy = SecondFactorPolicy(partner: partner)
        let summary = """
            Partner '\(partner.slug)':
              second factor: \(policy.required ? "required" : "optional"), methods \(policy.stored)
              sessions: end after \(partner.idleTimeoutMinutes) minutes idle, \(partner.absoluteTimeoutMinutes) minutes at most
              login as another operator: up to \(partner.impersonationMaxMinutes) minutes, reason \(partner.impersonationReasonRequired ? "required" : "optional")
              API tokens: up to \(partner.maxTokenDays) days
              owners and staff: authenticator app \(partner.clientSecondFactorRequired ? "required" : "optional")
              login as a client: the owner's consent \(partner.loginAsConsentRequired ? "required" : "not asked for"), the owner emailed \(
                  partner.loginAsOwnerNotice == .always ? "every time" : partner.loginAsOwnerNotice == .never ? "never" : "for secure accounts")
            """
        context.console.output("\(summary)")
    }
}

struct CreatePartnerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "name", help: "The partner's display name.") var name: String?
        @Option(name: "slug", help: "Lower-case letters, digits and hyphens; unique.") var slug: String?
        @Option(name: "domain", help: "Host name(s) that select this partner, comma-separated.") var domain: String?
        init() {}
    }

    let help = "Create a partner with its domains."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let input = PartnerService.NewPartner(
            name: signature.name ?? "", slug: signature.slug ?? "",
            domains: (signature.domain ?? "").split(separator: ",").map { String($0) }
        )
        do {
            let partner = try await PartnerService.create(input, on: app.db)
            context.console.output("Created partner '\(partner.slug)' (\(partner.name)) answering on \(partner.domains.map(\.host).joined(separator: ", ")).")
        } catch let errors as OperatorInput.Errors {
            throw CommandFailure(errors.summary)
        }
    }
}

/// A command's refusal, printed as one line without a stack trace.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum PartnerService {
    struct NewPartner: Sendable {
        var name: String
        var slug: String
        var domains: [String]
    }

    static func create(_ input: NewPartner, on db: any Database) async throws -> Partner {
        var errors = OperatorInput.Errors()
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { errors.fields["name"] = "Enter a name of 1 to 200 characters." }
        let slug = input.slug.trimmingCharacters(in: .whitespaces).lowercased()
        if !isValidSlug(slug) {
            errors.fields["slug"] = "Use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit."
        } else if try await Partner.query(on: db).filter(\.$slug == slug).count() > 0 {
            errors.fields["slug"] = "A partner with this slug already exists."
        }
        let domains = input.domains.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        if domains.isEmpty {
            errors.fields["domain"] = "Give at least one domain."
        } else if let bad = domains.first(where: { !isValidHost($0) }) {
            errors.fields["domain"] = "'\(bad)' is not a host name."
        } else if try await PartnerDomain.query(on: db).filter(\.$host ~~ domains).count() > 0 {
            errors.fields["domain"] = "One of these domains already belongs to a partner."
        }
        guard errors.isEmpty else { throw errors }
        return try await db.writeTransaction { db in
            let partner = Partner(slug: slug, name: name)
            try await partner.create(on: db)
            for host in Set(domains).sorted() {
                try await PartnerDomain(partnerID: try partner.requireID(), host: host).create(on: db)
            }
            try await partner.$domains.load(on: db)
            return partner
        }
    }

    static func isValidSlug(_ slug: String) -> Bool {
        (1...63).contains(slug.count) && slug.first != "-"
            && slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func isValidHost(_ host: String) -> Bool {
        guard (1...253).contains(host.count) else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }
    }
}
