import Foundation

/// How authenticator-app keys are kept: sealed by the installation's `SecretBox`.
///
/// Keys stored before encryption (plain base32) are still read; each is sealed under the
/// current key the next time its operator signs in with it, as are keys sealed under a
/// previous key after a rotation.
enum TOTPSecret {
    /// A new random key, base32 as apps show it, sealed for storage.
    static func make(with secrets: SecretBox) throws -> String {
        try secrets.seal(Base32.encode(TOTP.generateSecret()))
    }

    /// The base32 key of a stored value, sealed or (written before encryption) in clear.
    static func reveal(_ stored: String, with secrets: SecretBox) throws(SecretBox.Failure) -> String {
        guard SecretBox.isSealed(stored) else { return stored }
        return try secrets.open(stored)
    }

    static let unreadableMessage = "Authenticator codes cannot be checked right now. Use a recovery code, or ask an admin to reset your two-step sign-in."
}
