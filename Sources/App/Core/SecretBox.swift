import Crypto
import Foundation

/// Encrypts secrets kept in the database (TOTP keys) so that a copy of the database, or of a
/// backup, does not give them away, and keys digests of recovery codes with the same secret.
///
/// A sealed value reads `v1:<key id>:<base64 of nonce | ciphertext | tag>` (AES-256-GCM). The
/// key id names the key that sealed it, so after a rotation values sealed under the previous
/// key still open while new ones use the current key. Keys used for each purpose are derived
/// from the installation's secret key with HKDF, each under its own label, so the encryption
/// key is never the HMAC key.
struct SecretBox: Sendable {
    struct Key: Sendable {
        let id: String
        let encryption: SymmetricKey
        let recoveryCodes: SymmetricKey
        /// The seed of the key that signs the audit chains' heads (`AuditChain.Signer`).
        let auditSigning: SymmetricKey

        init(_ secret: Data) {
            let master = SymmetricKey(data: secret)
            let idKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("operator-portal key id".utf8), outputByteCount: 32)
            self.id = Hex.string(idKey.withUnsafeBytes { Data(SHA256.hash(data: Data($0))) }.prefix(4))
            self.encryption = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("operator-portal secrets at rest v1".utf8), outputByteCount: 32)
            self.recoveryCodes = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("operator-portal recovery codes v1".utf8), outputByteCount: 32)
            self.auditSigning = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("operator-portal audit signing v1".utf8), outputByteCount: 32)
        }
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        /// Not a sealed value of a known version.
        case malformed
        /// Sealed under a key this installation no longer has (`SECRET_KEY_PREVIOUS` unset?).
        case unknownKey(String)
        /// The value was changed, or the key with that id is not the one that sealed it.
        case notAuthentic

        var description: String {
            switch self {
            case .malformed: "the stored secret is not in a known format"
            case .unknownKey(let id): "the stored secret was sealed under key \(id), which is neither SECRET_KEY nor SECRET_KEY_PREVIOUS"
            case .notAuthentic: "the stored secret does not decrypt under its key"
            }
        }
    }

    static let byteCount = 32
    private static let version = "v1"

    let current: Key
    let previous: [Key]

    /// `secret` and each of `previous` are 32 random bytes (see `SecretKeys`).
    init(secret: Data, previous: [Data] = []) {
        self.current = Key(secret)
        self.previous = previous.map(Key.init)
    }

    var keys: [Key] { [current] + previous }

    func seal(_ plaintext: String) throws -> String {
        let header = "\(Self.version):\(current.id)"
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.encryption, authenticating: Data(header.utf8))
        guard let combined = box.combined else { throw Failure.malformed }
        return header + ":" + combined.base64EncodedString()
    }

    func open(_ stored: String) throws(Failure) -> String {
        let parts = stored.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version, let combined = Data(base64Encoded: String(parts[2])) else { throw .malformed }
        guard let key = keys.first(where: { $0.id == parts[1] }) else { throw .unknownKey(String(parts[1])) }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key.encryption, authenticating: Data("\(parts[0]):\(parts[1])".utf8))
            guard let text = String(data: plain, encoding: .utf8) else { throw Failure.malformed }
            return text
        } catch {
            throw .notAuthentic
        }
    }

    /// Whether the value is sealed at all (values written before encryption are not).
    static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(version + ":") }

    /// Whether the value should be sealed again: it is in clear, or under a previous key.
    func needsResealing(_ stored: String) -> Bool {
        !stored.hasPrefix("\(Self.version):\(current.id):")
    }
}
