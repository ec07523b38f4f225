import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, 30-second
/// steps, 6 digits, the parameters every authenticator app uses by default.
struct TOTP: Sendable, Equatable {
    let secret: Data
    var digits = 6
    var period: TimeInterval = 30

    /// 20 random bytes, the size RFC 4226 recommends for SHA-1.
    static func generateSecret() -> Data {
        SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Data($0) }
    }

    /// The code for the time step containing `date`.
    func code(at date: Date) -> String {
        code(counter: UInt64(max(0, date.timeIntervalSince1970) / period))
    }

    /// RFC 4226 §5.3: HMAC, dynamic truncation, modulo 10^digits.
    func code(counter: UInt64) -> String {
        let message = withUnsafeBytes(of: counter.bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The time step a code matches, allowing one step of clock drift either way; nil if none.
    /// Callers refuse a step at or before the last one used, so a code works once.
    func matchingStep(_ code: String, at date: Date, drift: Int = 1) -> UInt64? {
        let candidate = code.filter { !$0.isWhitespace }
        guard candidate.count == digits, candidate.allSatisfy(\.isASCII), candidate.allSatisfy(\.isNumber) else { return nil }
        let current = Int64(max(0, date.timeIntervalSince1970) / period)
        for step in (current - Int64(drift))...(current + Int64(drift)) where step >= 0 {
            if SecretToken.constantTimeEquals(self.code(counter: UInt64(step)), candidate) { return UInt64(step) }
        }
        return nil
    }

    /// The `otpauth://` address authenticator apps read (usually from a QR code or a tap), in
    /// the Key Uri Format: the label `issuer:account`, then the key and its parameters. Every
    /// character outside RFC 3986's unreserved set is percent-encoded as UTF-8 (the issuer's own
    /// colons too, so that the one colon left separates issuer and account), "@" excepted in
    /// the label's account, where it is allowed as it is.
    func provisioningURI(account: String, issuer: String) -> String {
        let label = Self.percentEncoded(issuer) + ":" + Self.percentEncoded(account, keeping: "@")
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(Self.percentEncoded(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(Int(period))"
    }

    /// ASCII letters, digits and `-._~` as they are; every other byte of the UTF-8 as `%XX`.
    static func percentEncoded(_ text: String, keeping extra: String = "") -> String {
        let kept = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8).union(extra.utf8)
        var encoded = ""
        for byte in text.utf8 {
            if kept.contains(byte) { encoded.append(Character(Unicode.Scalar(byte))) } else { encoded += String(format: "%%%02X", byte) }
        }
        return encoded
    }
}

/// RFC 4648 base32 without padding, as authenticator apps expect secrets.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ data: Data) -> String {
        var output = ""
        var buffer: UInt32 = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return output
    }

    static func decode(_ text: String) -> Data? {
        var buffer: UInt32 = 0
        var bits = 0
        var output = Data()
        for character in text.uppercased() where character != "=" && !character.isWhitespace {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
