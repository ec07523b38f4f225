import Foundation

/// How `portal demo seed --partners N` spreads accounts and operators over partners: as on a
/// real platform, one big partner, a few mid-sized ones and a long tail of small ones.
enum DemoPartners {
    /// The biggest partner's share of the accounts, from 7 partners on (with fewer, a share
    /// this small could not be the biggest).
    static let biggestShare = 0.15

    /// The slug of the `index`-th partner (from 1) of `count` seeded from `base`: the base
    /// itself when there is one partner, `base-1`, `base-2`, … otherwise.
    static func slug(_ base: String, index: Int, of count: Int) -> String {
        count == 1 ? base : "\(base)-\(index)"
    }

    /// Each partner's share, biggest first, adding up to 1. From 7 partners on the first holds
    /// `biggestShare` and the others follow Zipf's law (the k-th in proportion to 1/k), none
    /// above the first; with fewer, all follow Zipf's law.
    static func shares(partners count: Int) -> [Double] {
        precondition(count >= 1)
        let zipf = (1...count).map { 1 / Double($0) }
        guard Double(count) * biggestShare >= 1 else {
            let total = zipf.reduce(0, +)
            return zipf.map { $0 / total }
        }
        // The rest share what the first leaves, capped at the first's share: whatever a capped
        // partner would hold beyond it goes to the uncapped ones, in proportion.
        var shares = [biggestShare] + Array(repeating: 0, count: count - 1)
        var open = Set(1..<count)
        var left = 1 - biggestShare
        while !open.isEmpty {
            let weight = open.reduce(0) { $0 + zipf[$1] }
            let over = open.filter { left * zipf[$0] / weight > biggestShare }
            guard !over.isEmpty else {
                for index in open { shares[index] = left * zipf[index] / weight }
                break
            }
            for index in over { shares[index] = biggestShare }
            left -= Double(over.count) * biggestShare
            open.subtract(over)
        }
        return shares
    }

    /// `total` split by `shares` into whole numbers that add up to `total` (largest remainders
    /// first), each at least `minimum` when `total` allows it.
    static func split(_ total: Int, shares: [Double], minimum: Int = 1) -> [Int] {
        let floor = min(minimum, total / max(shares.count, 1))
        let rest = total - floor * shares.count
        let exact = shares.map { $0 * Double(rest) }
        var counts = exact.map { Int($0) }
        let order = exact.indices.sorted { (exact[$0] - Double(counts[$0]), -$0) > (exact[$1] - Double(counts[$1]), -$1) }
        for index in order.prefix(rest - counts.reduce(0, +)) { counts[index] += 1 }
        return counts.map { $0 + floor }
    }
}
