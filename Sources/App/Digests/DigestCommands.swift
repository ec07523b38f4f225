import Fluent
import Foundation
import Vapor

/// `portal digest preview --operator EMAIL [--partner SLUG] [--at 2026-03-30T08:05:00Z]`:
/// what the digest run would send to one operator now (or at `--at`), or why it would send
/// nothing. Sends and records nothing.
struct DigestCommands: AsyncCommandGroup {
    let help = "Digests of outstanding tasks."
    let commands: [String: any AnyAsyncCommand] = ["preview": PreviewDigestCommand()]
}

struct PreviewDigestCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "operator", help: "The operator's email address.") var email: String?
        @Option(name: "partner", help: "The partner's slug, when the address is an operator of several partners.") var partner: String?
        @Option(name: "at", help: "Preview at this instant (ISO 8601, e.g. 2026-03-30T08:05:00Z) instead of now.") var at: String?
        init() {}
    }

    let help = "Print the digest an operator would receive now, or why they would receive none."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var now = Date()
        if let at = signature.at {
            guard let instant = try? Date(at, strategy: .iso8601) else { throw CommandFailure("--at: give an instant such as 2026-03-30T08:05:00Z.") }
            now = instant
        }
        let text = try await DigestPreview.text(email: signature.email, partnerSlug: signature.partner, now: now,
                                                links: Digests.Links(secrets: try app.secrets(), publicURL: app.portalConfig.publicURL), on: app.db)
        context.console.output("\(text)")
    }
}

enum DigestPreview {
    static func text(email: String?, partnerSlug: String?, now: Date, links: Digests.Links, on db: any Database) async throws -> String {
        guard let email = email.map(Operator.normalize(email:)), !email.isEmpty else { throw CommandFailure("--operator: give the operator's email address.") }
        var query = Operator.query(on: db).filter(\.$email == email).with(\.$grants)
        if let partnerSlug {
            let partner = try await CommandLookup.partner(slug: partnerSlug, on: db)
            query = query.filter(\.$partner.$id == (try partner.requireID()))
        }
        let found = try await query.all()
        guard let op = found.first else { throw CommandFailure("--operator: no operator with the email \(email)\(partnerSlug.map { " in '\($0)'" } ?? "").") }
        guard found.count == 1 else { throw CommandFailure("--operator: \(email) is an operator of \(found.count) partners; give --partner.") }
        guard let partner = try await Partner.query(on: db).filter(\.$id == op.$partner.id).with(\.$domains).first() else {
            throw CommandFailure("--operator: the operator's partner no longer exists.")
        }
        let plan = try await Digests.plan(for: op, partner: partner, now: now, links: links, on: db)
        return describe(plan, email: email, zone: DigestSchedule.timeZone(named: op.timeZone))
    }

    static func describe(_ plan: Digests.Plan, email: String, zone: TimeZone) -> String {
        switch plan {
        case .send(let digest):
            return (["To: \(digest.recipient)", "Subject: \(digest.subject)"] + digest.headers.map(\.line) + ["", digest.body])
                .joined(separator: "\n")
        case .mayNotReceive(let reason):
            return "Nothing would be sent to \(email): they may not receive digests (\(reason.message))"
        case .noCategories:
            return "Nothing would be sent to \(email): they chose no category."
        case .notDue(let next):
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            let local = formatter.string(from: next)
            return "Nothing would be sent to \(email): no digest is due this period. The next is due at \(local) \(zone.identifier)."
        case .alreadySent(let key):
            return "Nothing would be sent to \(email): the digest of \(key) was sent already."
        case .empty(let key):
            return "Nothing would be sent to \(email): the digest of \(key) would be empty."
        }
    }
}
