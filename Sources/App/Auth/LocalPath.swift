import Foundation

/// A path on this site that is safe to send a browser to after sign-in (`next=`).
///
/// Browsers are lenient in ways an attacker uses: they drop tabs and newlines inside a URL,
/// read a backslash as a slash, and treat `//host` as another site. So a value is accepted
/// only when it, and every percent-decoding of it until decoding changes nothing, is a
/// single-slash path with no scheme, no `//`, no backslash and no control character or
/// whitespace. Anything else is refused and the caller falls back to the home page.
enum LocalPath {
    /// Longer values are refused; no page of the portal needs one.
    static let maxLength = 2048
    /// How many rounds of percent-decoding are tried before a value is refused as too nested.
    static let maxDecodingRounds = 8

    /// The value itself when it is a safe local path, otherwise nil.
    static func validated(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= maxLength else { return nil }
        var current = value
        for _ in 0..<maxDecodingRounds {
            guard isSafeForm(current) else { return nil }
            // A `%` that does not start a valid escape is refused rather than guessed at.
            guard let decoded = current.removingPercentEncoding else { return nil }
            if decoded == current { return value }
            current = decoded
        }
        return nil
    }

    /// The checks one form of the value must pass (before and after each decoding).
    /// The slashes and backslashes are looked for as bytes: Swift's `hasPrefix` and `contains`
    /// compare Characters, and a slash followed by a combining mark or an emoji modifier is one
    /// Character that is not "/", while a browser still reads `//` and another host after it.
    private static func isSafeForm(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        let slash = UInt8(ascii: "/"), backslash = UInt8(ascii: "\\")
        // Starting with one `/` also rules out a scheme (`https:`, `javascript:`).
        guard bytes.first == slash else { return false }
        if bytes.contains(backslash) || zip(bytes, bytes.dropFirst()).contains(where: { $0 == slash && $1 == slash }) { return false }
        for scalar in path.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar.properties.isWhitespace { return false }
            // Format characters (zero-width, bidirectional overrides) hide what the link says.
            if scalar.properties.generalCategory == .format { return false }
        }
        return true
    }
}
