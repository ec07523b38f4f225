import Crypto
import Foundation

/// A random secret handed to a person or a program once (session cookie, setup link, API
/// token) and stored only as its SHA-256 digest, so a copy of the database reveals none.
public struct SecretToken: Sendable, Equatable {
    public let value: String

    public init(value: String) { self.value = value }

    /// 32 random bytes, URL-safe base64 without padding, optionally with a readable prefix.
    public static func generate(prefix: String = "") -> SecretToken {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return SecretToken(value: prefix + bytes.base64URLEncoded)
    }

    public var digest: String { Self.digest(of: value) }

    public static func digest(of value: String) -> String {
        Hex.string(SHA256.hash(data: Data(value.utf8)))
    }

    /// Compares two secrets in time that does not depend on where they first differ.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
