import App
import Foundation

/// Times `AccessPolicy.decide(actor, permission, .account(…))` call by call, for an operator
/// with 20 grants over a large group tree, once everything the decision needs is loaded.
struct DecisionBenchmark {
    struct Options {
        var decisions = 1_000_000
        var groups = 10_000
        var depth = 10
        var seed: UInt64 = 42
    }

    /// Targets and permissions are drawn from pools of this size (a power of two, so the
    /// loop picks them with a mask instead of a division).
    private static let poolSize = 1 << 14

    let options: Options
    let report: BenchReport

    func run() {
        var rng = BenchRandom(seed: options.seed)
        let tree = BenchGroupTree(count: options.groups, depth: options.depth, using: &rng)
        let workload = Workload(tree: tree, using: &rng)
        describe(tree: tree, workload: workload)

        let overhead = measureClockOverhead(count: options.decisions)
        printFigures(measure(workload), overhead: overhead)
    }

    // MARK: - Workload

    /// The actor, the targets and the order in which they are asked about, all built
    /// before any timing starts.
    struct Workload {
        let actor: Actor
        let targets: [Target]
        let permissions: [Permission]
        /// Per position in the pool: which target and which permission to ask about.
        let targetOrder: [Int]
        let permissionOrder: [Int]
        let lineageSizes: [Int: Int]
        let secureCount: Int
        let lockedCount: Int
        let inSetupCount: Int

        init(tree: BenchGroupTree, using rng: inout BenchRandom) {
            let partnerID = UUID()
            var facts: [AccountFacts] = []
            var lineageSizes: [Int: Int] = [:]
            for _ in 0..<DecisionBenchmark.poolSize {
                // Accounts sit 6 to 10 levels deep, so lineages hold 6 to 10 groups.
                let group = tree.randomGroup(depths: 6...10, using: &rng)
                let lineage = tree.lineage(of: group)
                lineageSizes[lineage.count, default: 0] += 1
                facts.append(AccountFacts(
                    id: UUID(), partnerID: partnerID, groupLineage: lineage,
                    secure: rng.chance(0.10), locked: rng.chance(0.05), setupCompleted: rng.chance(0.70),
                    assignedToActor: rng.chance(0.05)))
            }
            let grants = BenchGrantMix.actorGrants(
                BenchGrantMix.twenty(tree: tree, accountIDs: facts.map(\.id), using: &rng))
            actor = Actor(operatorID: UUID(), partnerID: partnerID, isActive: true, grants: grants, hasAssignments: true)
            targets = facts.map { Target.account($0) }
            // Viewing is what the portal asks most (every list row and page); the rest of the
            // account-level permissions share the other half.
            let permissions = Permission.accountLevel
            let viewIndex = permissions.firstIndex(of: .accountView) ?? 0
            var targetOrder: [Int] = []
            var permissionOrder: [Int] = []
            for _ in 0..<DecisionBenchmark.poolSize {
                targetOrder.append(Int.random(in: 0..<DecisionBenchmark.poolSize, using: &rng))
                permissionOrder.append(rng.chance(0.5) ? viewIndex : Int.random(in: 0..<permissions.count, using: &rng))
            }
            self.permissions = permissions
            self.targetOrder = targetOrder
            self.permissionOrder = permissionOrder
            self.lineageSizes = lineageSizes
            secureCount = facts.filter(\.secure).count
            lockedCount = facts.filter(\.locked).count
            inSetupCount = facts.filter { !$0.setupCompleted }.count
        }

        @inline(__always)
        func arguments(_ index: Int) -> (Permission, Target) {
            let slot = index & (DecisionBenchmark.poolSize - 1)
            return (permissions[permissionOrder[slot]], targets[targetOrder[slot]])
        }
    }

    // MARK: - Measurements

    struct Figures {
        let samples: LatencySummary
        /// Mean per decision of an untimed loop over the same decisions.
        let batchMean: Double
        let warmUp: Int
        let tally: Tally
    }

    /// Warm-up, then one sample per decision, then the same decisions with no clock inside the
    /// loop. The tally consumes every result, so the calls cannot be optimised away.
    private func measure(_ workload: Workload) -> Figures {
        let actor = workload.actor
        // Warm-up: caches, branch predictors and lazily initialised globals (role table).
        let warmUp = max(10_000, options.decisions / 10)
        var tally = Tally()
        for index in 0..<warmUp {
            let (permission, target) = workload.arguments(index)
            tally.record(AccessPolicy.decide(actor, permission, target))
        }
        tally = Tally()
        var samples = [UInt64](repeating: 0, count: options.decisions)
        for index in 0..<options.decisions {
            let (permission, target) = workload.arguments(index)
            let start = BenchClock.now()
            let decision = AccessPolicy.decide(actor, permission, target)
            let end = BenchClock.now()
            samples[index] = end &- start
            tally.record(decision)
        }
        var allowed = 0
        let start = BenchClock.now()
        for index in 0..<options.decisions {
            let (permission, target) = workload.arguments(index)
            if AccessPolicy.decide(actor, permission, target).isAllowed { allowed += 1 }
        }
        let elapsed = BenchClock.now() &- start
        // Same decisions, same order: a different count would mean the loop was not what it seems.
        if allowed != tally.allowed { report.line("warning: untimed loop allowed \(allowed), timed loop \(tally.allowed)") }
        return Figures(samples: LatencySummary(samples), batchMean: Double(elapsed) / Double(max(1, options.decisions)),
                       warmUp: warmUp, tally: tally)
    }

    /// Two clock reads back to back, exactly as around each decision: what every sample
    /// includes on top of the decision itself.
    private func measureClockOverhead(count: Int) -> LatencySummary {
        var samples = [UInt64](repeating: 0, count: count)
        for index in 0..<count {
            let start = BenchClock.now()
            let end = BenchClock.now()
            samples[index] = end &- start
        }
        return LatencySummary(samples)
    }

    // MARK: - Output

    private func describe(tree: BenchGroupTree, workload: Workload) {
        report.heading("1. AccessPolicy.decide(actor, permission, .account(…))")
        let levels = tree.byDepth.map { BenchFormat.count($0.count) }.joined(separator: " / ")
        report.line("Group tree:      \(BenchFormat.count(tree.nodes.count)) groups, depth \(tree.depth) (per level: \(levels))")
        let grants = workload.actor.grants
        let byKind = Dictionary(grouping: grants) { grant -> String in
            switch grant.scope {
            case .all: "all"
            case .group: "group"
            case .account: "account"
            case .assigned: "assigned"
            }
        }.map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        report.line("Actor:           \(grants.count) grants (\(byKind)); has assignments")
        report.line("Roles:           \(grants.map { "\($0.role.id)@\(Self.scopeLabel($0.scope))" }.joined(separator: " "))")
        let lineages = workload.lineageSizes.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")
        let pool = workload.targets.count
        report.line("Targets:         \(BenchFormat.count(pool)) accounts; lineage size:count \(lineages)")
        report.line("                 secure \(BenchFormat.percent(workload.secureCount, of: pool)), locked \(BenchFormat.percent(workload.lockedCount, of: pool)), in setup \(BenchFormat.percent(workload.inSetupCount, of: pool))")
        report.line("Permissions:     account.view 50%, the other half uniform over all \(workload.permissions.count) account-level permissions")
    }

    private static func scopeLabel(_ scope: Scope) -> String {
        switch scope {
        case .all: "all"
        case .group: "group"
        case .account: "account"
        case .assigned: "assigned"
        }
    }

    private static let header = "                                     p50        p90        p99        p99.9      max        mean"

    private func printFigures(_ figures: Figures, overhead: LatencySummary) {
        let samples = figures.samples
        report.line("Warm-up:         \(BenchFormat.count(figures.warmUp)) decisions")
        report.line("Timed:           \(BenchFormat.count(samples.count)) decisions, each between two DispatchTime.now() reads")
        report.line()
        report.line(Self.header)
        report.line(row("decide + clock", samples))
        report.line(row("clock alone (two reads)", overhead))
        let p99 = Double(samples.percentile(0.99))
        let p99Net = p99 - Double(overhead.percentile(0.50))
        report.line()
        report.line("Untimed loop:    \(BenchFormat.count(samples.count)) decisions, \(BenchFormat.duration(figures.batchMean)) per decision (no clock in the loop)")
        report.line("p99 net of the clock's median: \(BenchFormat.duration(p99Net))")
        report.line("Outcomes:        \(figures.tally.summary(total: samples.count))")
        report.line("Target p99 < 2 µs per decision: \(p99 < 2_000 ? "MET" : "MISSED") (p99 \(BenchFormat.duration(p99)) including the clock)")
    }

    private func row(_ label: String, _ summary: LatencySummary) -> String {
        let cells = [0.50, 0.90, 0.99, 0.999].map { BenchFormat.duration(summary.percentile($0)) }
            + [BenchFormat.duration(summary.max), BenchFormat.duration(summary.mean)]
        return BenchFormat.pad(label, 37) + cells.map { BenchFormat.pad($0, 11) }.joined()
    }
}

/// Counts decisions by outcome: consumes every result and shows the mix that was timed.
struct Tally {
    private(set) var allowed = 0
    private(set) var denied: [String: Int] = [:]

    mutating func record(_ decision: Decision) {
        switch decision {
        case .allow: allowed += 1
        case .deny(let reason): denied[Self.label(reason), default: 0] += 1
        }
    }

    private static func label(_ reason: DenyReason) -> String {
        switch reason {
        case .missingPermission: "missing permission"
        case .outOfScope: "out of scope"
        case .secureAccount: "secure"
        case .accountLocked: "locked"
        case .setupCompleted: "setup completed"
        default: "other"
        }
    }

    func summary(total: Int) -> String {
        let denials = denied.sorted { $0.value > $1.value }
            .map { "\($0.key) \(BenchFormat.percent($0.value, of: total))" }
        return (["allow \(BenchFormat.percent(allowed, of: total))"] + denials.map { "deny: " + $0 }).joined(separator: ", ")
    }
}
