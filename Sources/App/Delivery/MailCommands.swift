import Fluent
import Vapor

/// `portal mail test --partner SLUG --to EMAIL`: puts a test email in the outbox, to check
/// the SMTP settings end to end (the running server's worker sends it).
struct MailCommands: AsyncCommandGroup {
    let help = "Email delivery."
    let commands: [String: any AnyAsyncCommand] = ["test": SendTestMailCommand()]
}

struct SendTestMailCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "to", help: "Where to send the test email.") var to: String?
        init() {}
    }

    let help = "Queue a test email; a running `portal serve` sends it."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let partner = try await CommandLookup.partner(slug: signature.partner, on: app.db)
        guard case .success(let recipient) = OperatorInput.email(signature.to ?? "") else {
            throw CommandFailure("--to: give an email address like name@example.com.")
        }
        let message = try await Outbox.enqueue(
            partnerID: try partner.requireID(), channel: .email, to: recipient,
            subject: "Test email from \(partner.name)",
            body: "This is a test email from the \(partner.name) operator portal. If you can read it, email delivery works.",
            on: app.db)
        context.console.output("Queued test email \(message.id?.uuidString.lowercased() ?? "") to \(recipient).")
    }
}
