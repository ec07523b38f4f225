import Crypto
import Foundation

/// The token of a digest's unsubscribe link: the operator's id and an HMAC-SHA256 over the
/// partner, the operator and the purpose, in URL-safe base64. Nothing is stored: the link
/// does not expire, and stops working when the operator is removed (there is nobody left to
/// find). The key is derived with HKDF from the installation's secret key under its own
/// label, so it is no other purpose's key; links signed under `SECRET_KEY_PREVIOUS` still work.
enum UnsubscribeToken {
    static let purpose = "digest-unsubscribe"
    private static let idBytes = 16
    private static let macBytes = 32

    static func make(partnerID: UUID, operatorID: UUID, secrets: SecretBox) -> String {
        let mac = code(partnerID: partnerID, operatorID: operatorID, key: secrets.current)
        return (bytes(of: operatorID) + mac).base64URLEncoded
    }

    /// The operator the token was made for, when it was made for this partner under one of
    /// the installation's keys; nil for anything else, however malformed.
    static func verify(_ token: String, partnerID: UUID, secrets: SecretBox) -> UUID? {
        guard token.count <= 100, let data = decode(token), data.count == idBytes + macBytes else { return nil }
        let idData = data.prefix(idBytes)
        let operatorID = idData.withUnsafeBytes { raw in UUID(uuid: raw.loadUnaligned(as: uuid_t.self)) }
        let mac = data.suffix(macBytes)
        let message = Data(text(partnerID: partnerID, operatorID: operatorID).utf8)
        // Every key is tried, so that the time taken does not tell which one matched.
        var valid = false
        for key in secrets.keys where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: derivedKey(key)) {
            valid = true
        }
        return valid ? operatorID : nil
    }

    private static func code(partnerID: UUID, operatorID: UUID, key: SecretBox.Key) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text(partnerID: partnerID, operatorID: operatorID).utf8), using: derivedKey(key)))
    }

    private static func text(partnerID: UUID, operatorID: UUID) -> String {
        "\(purpose)|\(partnerID.uuidString.lowercased())|\(operatorID.uuidString.lowercased())"
    }

    private static func derivedKey(_ key: SecretBox.Key) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key.recoveryCodes, info: Data("operator-portal digest unsubscribe v1".utf8), outputByteCount: 32)
    }

    private static func bytes(of id: UUID) -> Data {
        withUnsafeBytes(of: id.uuid) { Data($0) }
    }

    private static func decode(_ token: String) -> Data? {
        guard token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
