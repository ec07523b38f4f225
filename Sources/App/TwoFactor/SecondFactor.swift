import Crypto
import Fluent
import Foundation
import SQLKit

/// The ways an operator can prove it is them after the password.
enum SecondFactorMethod: String, Codable, Sendable, CaseIterable {
    case totp, email, sms

    var title: String {
        switch self {
        case .totp: "Authenticator app"
        case .email: "Code by email"
        case .sms: "Code by text message"
        }
    }
}

/// A partner's rule for second factors: which methods its operators may use, and whether
/// every operator must use one (the default).
struct SecondFactorPolicy: Sendable, Equatable {
    var required: Bool
    var methods: [SecondFactorMethod]

    init(required: Bool, methods: [SecondFactorMethod]) {
        self.required = required
        self.methods = SecondFactorMethod.allCases.filter(methods.contains)
    }

    init(partner: Partner) {
        self.init(required: partner.secondFactorRequired, methods: Self.parse(partner.secondFactorMethods))
    }

    static func parse(_ stored: String) -> [SecondFactorMethod] {
        stored.split(separator: ",").compactMap { SecondFactorMethod(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    }

    var stored: String { methods.map(\.rawValue).joined(separator: ",") }

    /// The method an operator signs in with under this policy, or nil when they must enrol
    /// (or, if the policy does not require a second factor, may go straight in).
    func method(for op: Operator) -> SecondFactorMethod? {
        guard let method = op.secondFactor, methods.contains(method) else { return nil }
        if method == .sms && (op.phone == nil || op.phoneVerifiedAt == nil) { return nil }
        if method == .totp && op.totpSecret == nil { return nil }
        return method
    }
}

/// Six-digit codes sent by email or SMS. Only a keyed digest is stored: the key is the secret
/// of the pending sign-in, held in the person's cookie, so a copy of the database cannot be
/// searched for the code.
enum OneTimeCode {
    static let lifetime: TimeInterval = 10 * 60

    static func generate() -> String {
        // Rejection sampling keeps every code equally likely.
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
    }

    static func digest(_ code: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(code.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Hex.string(mac)
    }

    /// The digits of what a person typed, if it looks like a code ("123 456" and "123-456" too).
    static func normalize(_ input: String) -> String? {
        let digits = input.filter { !$0.isWhitespace && $0 != "-" }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }
}

/// Ten single-use codes for when the authenticator app or phone is lost. Shown once, stored
/// as `h1:<key id>:<HMAC-SHA256>` under a key derived from the installation's secret key, so a
/// copy of the database alone cannot be searched for them (about 49 bits each would not
/// resist an offline search of a plain hash). Codes made before that are plain SHA-256 and
/// keep working until used.
final class RecoveryCode: Model, @unchecked Sendable {
    static let schema = "recovery_codes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "operator_id") var `operator`: Operator
    @Field(key: "code_digest") var codeDigest: String
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}

    init(operatorID: UUID, codeDigest: String) {
        self.$operator.id = operatorID
        self.codeDigest = codeDigest
    }

    static let count = 10
    private static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// `xxxxx-xxxxx` from an alphabet without look-alike characters (about 49 bits each).
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<10).map { _ in alphabet.randomElement(using: &generator)! }
        return String(characters[0..<5]) + "-" + String(characters[5..<10])
    }

    static func normalize(_ input: String) -> String? {
        let compact = input.lowercased().filter { !$0.isWhitespace && $0 != "-" }
        guard compact.count == 10, compact.allSatisfy(alphabet.contains) else { return nil }
        return String(compact.prefix(5)) + "-" + String(compact.suffix(5))
    }

    static func digest(_ code: String, key: SecretBox.Key) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(code.utf8), using: key.recoveryCodes)
        return "h1:\(key.id):" + Hex.string(mac)
    }

    /// Replaces the operator's recovery codes with ten new ones and returns them.
    static func regenerate(for operatorID: UUID, secrets: SecretBox, on db: any Database) async throws -> [String] {
        try await RecoveryCode.query(on: db).filter(\.$operator.$id == operatorID).delete()
        let codes = (0..<count).map { _ in generate() }
        for code in codes {
            try await RecoveryCode(operatorID: operatorID, codeDigest: digest(code, key: secrets.current)).create(on: db)
        }
        return codes
    }

    /// Spends a recovery code; false when it is unknown or already used. A code is looked up
    /// under every key still held and, for codes made before keyed digests, as plain SHA-256.
    static func spend(_ input: String, operatorID: UUID, secrets: SecretBox, now: Date, on db: any Database) async throws -> Bool {
        guard let code = normalize(input) else { return false }
        let candidates = secrets.keys.map { digest(code, key: $0) } + [SecretToken.digest(of: code)]
        let spent = try await db.sql.update(schema)
            .set("used_at", to: now)
            .where("operator_id", .equal, operatorID)
            .where("code_digest", .in, candidates)
            .where("used_at", .is, SQLLiteral.null)
            .returning("id")
            .all()
        return !spent.isEmpty
    }

    static func remaining(for operatorID: UUID, on db: any Database) async throws -> Int {
        try await RecoveryCode.query(on: db).filter(\.$operator.$id == operatorID).filter(\.$usedAt == nil).count()
    }
}

/// A sign-in that passed the password and now waits for the second factor, or for the
/// operator to enrol one. The browser holds its secret in a cookie; only the digest is here.
final class SignInChallenge: Model, @unchecked Sendable {
    static let schema = "sign_in_challenges"

    enum Purpose: String, Codable, Sendable {
        /// Enter a code of the enrolled method.
        case signIn = "sign-in"
        /// Choose and confirm a method first (after an invite, or when the policy now requires one).
        case enrol
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Parent(key: "operator_id") var `operator`: Operator
    @Field(key: "token_digest") var tokenDigest: String
    @Field(key: "purpose") var purpose: Purpose
    /// The method being used, or being enrolled (nil while an enrolling person still chooses).
    @OptionalField(key: "method") var method: SecondFactorMethod?
    @OptionalField(key: "code_digest") var codeDigest: String?
    @OptionalField(key: "code_expires_at") var codeExpiresAt: Date?
    @Field(key: "codes_sent") var codesSent: Int
    /// The TOTP secret or phone number being enrolled, until a code proves it.
    @OptionalField(key: "pending_secret") var pendingSecret: String?
    @OptionalField(key: "pending_phone") var pendingPhone: String?
    @Field(key: "failures") var failures: Int
    @OptionalField(key: "next") var next: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}

    init(partnerID: UUID, operatorID: UUID, tokenDigest: String, purpose: Purpose, method: SecondFactorMethod?, next: String?, now: Date) {
        self.partnerID = partnerID
        self.$operator.id = operatorID
        self.tokenDigest = tokenDigest
        self.purpose = purpose
        self.method = method
        self.codesSent = 0
        self.failures = 0
        self.next = next
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(purpose == .enrol ? Self.enrolLifetime : Self.signInLifetime)
    }

    /// How long a person has to finish signing in after the password.
    static let signInLifetime: TimeInterval = 15 * 60
    /// Setting up an authenticator app can take a little longer.
    static let enrolLifetime: TimeInterval = 30 * 60
    /// Wrong codes allowed; the next one ends the attempt.
    static let allowedFailures = 5
    /// Codes sent per attempt (the first and up to four re-sends).
    static let maxCodesSent = 5
}
