import Foundation

/// A block of addresses such as `10.0.0.0/8` or `fc00::/7`; an address alone is a block of one.
struct CIDR: Hashable, Sendable, CustomStringConvertible {
    let network: IPAddress
    let prefixLength: Int

    init?(_ text: some StringProtocol) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(parts[0]) else { return nil }
        // A mapped IPv6 block (`::ffff:10.0.0.0/104`) is read as IPv4, so its length counts 96 bits fewer.
        let writtenAsIPv6 = parts[0].contains(":")
        let mappedOffset = writtenAsIPv6 && address.isIPv4 ? 96 : 0
        var length = address.bytes.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ ("0"..."9").contains($0) }), parts[1].count <= 3, let value = Int(parts[1]),
                  value >= mappedOffset, value - mappedOffset <= length
            else { return nil }
            length = value - mappedOffset
        }
        self.prefixLength = length
        self.network = IPAddress(masking: address, to: length)
    }

    func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && IPAddress(masking: address, to: prefixLength) == network
    }

    var description: String { "\(network)/\(prefixLength)" }
}

extension IPAddress {
    /// The address with every bit after the first `length` set to zero.
    fileprivate init(masking address: IPAddress, to length: Int) {
        var bytes = address.bytes
        for index in bytes.indices {
            let bitsKept = max(0, min(8, length - index * 8))
            bytes[index] &= bitsKept == 8 ? 0xFF : ~(0xFF >> UInt8(bitsKept))
        }
        self.init(bytes: bytes)
    }
}
