import Fluent
import Foundation
import Vapor

/// `portal import FILE --partner SLUG --as EMAIL [--kind accounts|operators] [--check]`: the
/// same import as the page, run in this process instead of by the job runner, as the operator
/// named (whose roles decide each row, as on the page). The columns are guessed from the
/// headings; the figures and the first problems are printed, the whole report is on the
/// import's page.
struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The CSV file.") var file: String
        @Option(name: "partner", help: "The partner's slug.") var partner: String?
        @Option(name: "as", help: "The email of the operator the import is done as.") var operatorEmail: String?
        @Option(name: "kind", help: "accounts (default) or operators.") var kind: String?
        @Flag(name: "check", help: "Only check the file: change nothing.") var check: Bool
        init() {}
    }

    let help = "Import accounts or operator invitations from a CSV file, as an operator, row by row."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        let partner = try await CommandLookup.partner(slug: signature.partner, on: db)
        guard let kind = ImportKind(rawValue: signature.kind ?? "accounts") else { throw CommandFailure("--kind: accounts or operators.") }
        guard let email = signature.operatorEmail?.lowercased(),
              let op = try await Operator.query(on: db).filter(\.$partner.$id == partner.requireID()).filter(\.$email == email).first(),
              let actor = try await AccessLoader.actor(operatorID: op.requireID(), partnerID: partner.requireID(), on: db)
        else { throw CommandFailure("--as: give the email of one of the partner's operators.") }
        guard let contents = FileManager.default.contents(atPath: signature.file) else { throw CommandFailure("Cannot read \(signature.file).") }
        let audit = AuditContext(actor: AuditActor(id: actor.operatorID, name: op.name), ip: "command line")
        let base = app.portalConfig.publicURL ?? CommandLookup.defaultBase(for: partner)
        let started = ContinuousClock.now
        let record: DataImport
        do {
            record = try await ImportService.upload(kind, fileName: signature.file, contents: contents, by: actor, context: audit, baseURL: base, on: db)
        } catch let refusal as ImportService.Refusal {
            throw CommandFailure(refusal.message)
        }
        context.console.output("Read \(ImportText.rows(record.total)) in \(Self.seconds(since: started)).")
        if case .failure(let errors) = try await ImportService.map(record, mapping: record.mapping, hasHeader: record.hasHeader,
                                                                  check: signature.check, by: actor, on: db) {
            try await ImportService.discard(record, on: db)
            throw CommandFailure("The columns could not be guessed from the headings: "
                                 + errors.fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " "))
        }
        let id = try record.requireID()
        var last = ContinuousClock.now
        while let current = try await DataImport.find(id, on: db), current.isRunning {
            try await ImportJob.step(current, now: Date(), batchSize: ImportJob.batchSize, on: db, logger: app.logger)
            if ContinuousClock.now - last > .seconds(5) {
                last = ContinuousClock.now
                context.console.output("  \(BulkText.number(current.done)) of \(BulkText.number(current.total)) rows, \(Self.seconds(since: started))")
            }
        }
        guard let done = try await DataImport.find(id, on: db) else { return }
        context.console.output("\(ImportView.status(done)) (\(Self.seconds(since: started)) in all)")
        for problem in try await ImportService.results(done, limit: 10, problemsOnly: true, on: db) {
            let field = problem.field.map { $0.label + ": " } ?? ""
            context.console.output("  row \(String(problem.number)): \(field)\(problem.message ?? "")")
        }
        if done.phase == .failed { throw CommandFailure(done.error ?? "The import stopped.") }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.1f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
