import Fluent
import Foundation
import Vapor

/// `portal audit verify [--partner SLUG]` and `portal audit seal`: the audit chains
/// (`AuditChain`) from the command line.
struct AuditCommands: AsyncCommandGroup {
    let help = "The audit log's chain of hashes."
    let commands: [String: any AnyAsyncCommand] = ["verify": VerifyAuditCommand(), "seal": SealAuditCommand()]
}

struct VerifyAuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "Only this partner's chain (its slug); every partner's by default.") var partner: String?
        init() {}
    }

    let help = "Walk each partner's audit chain and name the first entry that was changed, removed or inserted. Exits non-zero if any chain is broken."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let signer = try AuditChain.Signer(app.secrets())
        let partners = if let slug = signature.partner { [try await CommandLookup.partner(slug: slug, on: app.db)] }
                       else { try await Partner.query(on: app.db).sort(\.$slug).all() }
        var broken: [String] = []
        for partner in partners {
            let id = try partner.requireID()
            let report = try await AuditChain.verify(partnerID: id, signer: signer, retentionDays: partner.historyRetentionDays, on: app.db)
            try await AuditChain.record(report, partnerID: id, on: app.db)
            let waiting = report.unsealed == 0 ? "" : "; \(String(report.unsealed)) newer not yet sealed"
            if let problem = report.problem {
                broken.append(partner.slug)
                context.console.output("\(partner.slug): BROKEN: \(problem.description)\(waiting)")
            } else {
                let pruned = report.tombstones == 0 ? "" : " (\(String(report.tombstones)) of them pruned)"
                let through = report.through.map { " up to \(ISO8601DateFormatter().string(from: $0))" } ?? ""
                context.console.output("\(partner.slug): intact: \(String(report.checked)) entries\(pruned)\(through), head signed\(waiting)")
            }
        }
        if !broken.isEmpty { throw CommandFailure("The audit chain of \(broken.joined(separator: ", ")) is broken.") }
    }
}

struct SealAuditCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    let help = "Seal the audit entries not yet in a chain now (the audit-seal job does it every few seconds)."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let sealed = try await AuditChain.sealAll(signer: try AuditChain.Signer(app.secrets()), on: app.db)
        context.console.output("Sealed \(String(sealed)) audit entries.")
    }
}
