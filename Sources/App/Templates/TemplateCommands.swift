import Fluent
import Foundation
import Vapor

/// `portal template push --partner SLUG --as EMAIL --template UID [--parts a,b]`: the push
/// page's push, run in this process instead of by the job runner, as the operator named.
struct TemplateCommands: AsyncCommandGroup {
    let help = "Templates and the accounts made from them."
    let commands: [String: any AnyAsyncCommand] = ["push": PushTemplateCommand()]
}

struct PushTemplateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "as", help: "The email of the operator the push is done as.") var operatorEmail: String?
        @Option(name: "template", help: "The template's Business UID.") var template: String?
        @Option(name: "parts", help: "Comma-separated: subscription, tags, onboarding, branding, business_page, services (default: all).") var parts: String?
        init() {}
    }

    let help = "Push a template's parts to every account made from it, each decided by the operator's roles."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        let partner = try await CommandLookup.partner(slug: signature.partner, on: db)
        guard let email = signature.operatorEmail?.lowercased(),
              let op = try await Operator.query(on: db).filter(\.$partner.$id == partner.requireID()).filter(\.$email == email).first(),
              let actor = try await AccessLoader.actor(operatorID: op.requireID(), partnerID: partner.requireID(), on: db)
        else { throw CommandFailure("--as: give the email of one of the partner's operators.") }
        guard let uid = signature.template else { throw CommandFailure("--template: give the template's Business UID.") }
        let written = signature.parts.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        guard let parts = written.map(TemplatePart.parse) ?? Set(TemplatePart.allCases) else {
            throw CommandFailure("--parts: use " + TemplatePart.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        let template = try await TemplatePushes.template(uid: uid, by: actor, on: db)
        let started = ContinuousClock.now
        let push: TemplatePush
        do {
            push = try await TemplatePushes.start(template, parts: parts, ids: nil, by: actor,
                                                  context: AuditContext(actor: AuditActor(id: actor.operatorID, name: op.name), ip: "command line"), on: db)
        } catch let refusal as TemplatePushes.Refusal {
            throw CommandFailure(refusal.message)
        }
        let id = try push.requireID()
        while let current = try await TemplatePush.find(id, on: db), !current.isFinished {
            try await TemplatePushJob.step(current, now: Date(), batchSize: TemplatePushJob.batchSize, on: db, logger: app.logger)
        }
        guard let done = try await TemplatePush.find(id, on: db) else { return }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        context.console.output("\(done.error ?? TemplatePushText.summary(done)) (\(String(format: "%.1f", seconds)) s)")
        if done.state == .failed { throw CommandFailure(done.error ?? "The push stopped.") }
    }
}
