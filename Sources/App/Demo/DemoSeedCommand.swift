import Fluent
import Foundation
import Vapor

/// `portal demo seed --partner SLUG [--accounts N] [--operators N] [--partners N]`: fills a
/// partner, or N partners `SLUG-1` … `SLUG-N`, with realistic data (see `DemoSeeder`). Each
/// partner is created, answering on `its-slug.localhost`, when it does not exist yet.
struct DemoCommands: AsyncCommandGroup {
    let help = "Demonstration data."
    let commands: [String: any AnyAsyncCommand] = ["seed": DemoSeedCommand()]
}

struct DemoSeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "partner", help: "The partner's slug; created when missing.") var partner: String?
        @Option(name: "accounts", help: "How many accounts to add, over all the partners (default 1000).") var accounts: Int?
        @Option(name: "operators", help: "How many operators to add, over all the partners (default 10 to 40 a partner, by its size).")
        var operators: Int?
        @Option(name: "partners", help: "Spread the accounts and operators over N partners, SLUG-1 to SLUG-N (default 1: SLUG alone).")
        var partners: Int?
        @Option(name: "seed", help: "Random seed, for the same data twice (default 1).") var seed: Int?
        init() {}
    }

    let help = "Fill a partner with realistic accounts, groups, operators, tags, notes, activity and history."

    /// What the options ask for, checked: each partner's slug and what it gets.
    struct Plan: Equatable {
        struct Part: Equatable {
            let slug: String
            let accounts: Int
            /// Nil: the default for the partner's size.
            let operators: Int?
        }

        let parts: [Part]

        static let maxAccounts = 2_000_000
        static let maxOperators = 200_000
        static let maxPartners = 1000

        init(partner: String?, accounts: Int?, operators: Int?, partners: Int?) throws {
            let base = (partner ?? "").lowercased()
            guard PartnerService.isValidSlug(base) else { throw CommandFailure("Give --partner SLUG (lower-case letters, digits and hyphens).") }
            let partnerCount = partners ?? 1
            guard (1...Self.maxPartners).contains(partnerCount) else { throw CommandFailure("--partners takes 1 to \(Self.maxPartners.formatted()).") }
            let accountCount = accounts ?? 1000
            guard (1...Self.maxAccounts).contains(accountCount) else { throw CommandFailure("--accounts takes 1 to \(Self.maxAccounts.formatted()).") }
            guard accountCount >= partnerCount else { throw CommandFailure("--accounts must be at least --partners: every partner gets an account.") }
            if let operators {
                guard (1...Self.maxOperators).contains(operators) else { throw CommandFailure("--operators takes 1 to \(Self.maxOperators.formatted()).") }
                guard operators >= partnerCount else { throw CommandFailure("--operators must be at least --partners: every partner gets an admin.") }
            }
            let slugs = (1...partnerCount).map { DemoPartners.slug(base, index: $0, of: partnerCount) }
            if let bad = slugs.first(where: { !PartnerService.isValidSlug($0) || !PartnerService.isValidHost("\($0).localhost") }) {
                throw CommandFailure("'\(bad)' cannot be a partner's slug and host name: give a shorter --partner.")
            }
            let shares = DemoPartners.shares(partners: partnerCount)
            let accountCounts = DemoPartners.split(accountCount, shares: shares)
            let operatorCounts = operators.map { DemoPartners.split($0, shares: shares) }
            parts = slugs.indices.map { Part(slug: slugs[$0], accounts: accountCounts[$0], operators: operatorCounts?[$0]) }
        }
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let plan = try Plan(partner: signature.partner, accounts: signature.accounts, operators: signature.operators, partners: signature.partners)
        let db = context.application.db
        let console = context.console
        var partnerIDs: [UUID] = []
        for part in plan.parts {
            if let existing = try await Partner.query(on: db).filter(\.$slug == part.slug).first() {
                partnerIDs.append(try existing.requireID())
            } else {
                let created = try await PartnerService.create(.init(name: DemoData.partnerName(part.slug), slug: part.slug, domains: ["\(part.slug).localhost"]), on: db)
                partnerIDs.append(try created.requireID())
                console.output("Created partner '\(part.slug)' answering on \(part.slug).localhost.")
            }
        }
        let total = plan.parts.reduce(0) { $0 + $1.accounts }
        let started = Date()
        var lastShown = Date.distantPast
        var summary = DemoSeeder.Summary()
        var seeded: [DemoSeeder.Summary] = []
        for (index, part) in plan.parts.enumerated() {
            let before = summary.accounts
            // A stream of random numbers for each partner; the first partner's is the one a single partner gets.
            let seed = UInt64(max(signature.seed ?? 1, 0)) &+ UInt64(index) &* 0x9E37
            let added = try await DemoSeeder.seed(partnerID: partnerIDs[index], accounts: part.accounts, operators: part.operators, seed: seed, on: db) { done, _ in
                // Progress on one terminal line, a few times a second.
                let all = before + done
                guard Date().timeIntervalSince(lastShown) > 0.25 || all == total else { return }
                lastShown = Date()
                let percent = Int((Double(all) / Double(total) * 100).rounded())
                let line: String = "\u{1B}[2K\rAccounts: \(all.formatted()) of \(total.formatted()) (\(percent)%)"
                console.output(line.consoleText(), newLine: all == total)
            }
            summary.add(added)
            seeded.append(added)
        }
        // The planner's statistics describe the tables as they were before the load.
        try await PlannerStatistics.analyze(on: db)
        let seconds = Date().timeIntervalSince(started)
        let report: String = """
            Added \(summary.accounts.formatted()) accounts in \(String(format: "%.1f", seconds)) s: \(summary.groups) groups, \(summary.operators) operators, \
            \(summary.tags.formatted()) tags, \(summary.notes.formatted()) notes, \(summary.assignments.formatted()) assignments, \
            \(summary.bookings.formatted()) bookings, \(summary.payments.formatted()) payments, \(summary.history.formatted()) history entries.
            """
        console.output(report.consoleText())
        if let first = plan.parts.first, let last = plan.parts.last, plan.parts.count > 1 {
            let share = Int((Double(first.accounts) / Double(total) * 100).rounded())
            let spread: String = """
                Over \(plan.parts.count) partners: the biggest, '\(first.slug)', holds \(first.accounts.formatted()) accounts (\(share)%) and \
                \(seeded[0].operators.formatted()) operators; the smallest, '\(last.slug)', \(last.accounts.formatted()) accounts and \
                \(seeded[seeded.count - 1].operators.formatted()) operators. Each answers on its slug followed by .localhost.
                """
            console.output(spread.consoleText())
        }
    }
}
