@testable import App
import Foundation
import Testing

@Suite struct TOTPTests {
    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 are the 6-digit code).
    static let rfcSecret = Data("12345678901234567890".utf8)

    @Test(arguments: [
        (59.0, "94287082"), (1_111_111_109.0, "07081804"), (1_111_111_111.0, "14050471"),
        (1_234_567_890.0, "89005924"), (2_000_000_000.0, "69279037"), (20_000_000_000.0, "65353130"),
    ])
    func rfc6238Vectors(time: Double, expected: String) {
        let totp = TOTP(secret: Self.rfcSecret, digits: 8)
        #expect(totp.code(at: Date(timeIntervalSince1970: time)) == expected)
        #expect(TOTP(secret: Self.rfcSecret).code(at: Date(timeIntervalSince1970: time)) == String(expected.suffix(6)))
    }

    @Test func rfc4226HOTPVectors() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        let hotp = TOTP(secret: Self.rfcSecret)
        for (counter, code) in expected.enumerated() {
            #expect(hotp.code(counter: UInt64(counter)) == code)
        }
    }

    @Test func codesMatchWithinOneStepOfDrift() {
        let totp = TOTP(secret: TOTP.generateSecret())
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let step = UInt64(1_700_000_000 / 30)
        #expect(totp.matchingStep(totp.code(at: now), at: now) == step)
        #expect(totp.matchingStep(totp.code(at: now.addingTimeInterval(-30)), at: now) == step - 1)
        #expect(totp.matchingStep(totp.code(at: now.addingTimeInterval(-90)), at: now) == nil)
        #expect(totp.matchingStep("12345", at: now) == nil)
        #expect(totp.matchingStep("abcdef", at: now) == nil)
    }

    @Test func base32RoundTripsAndMatchesRFC4648() {
        #expect(Base32.encode(Data("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("MZXW6YTBOI") == Data("foobar".utf8))
        let secret = TOTP.generateSecret()
        #expect(Base32.decode(Base32.encode(secret)) == secret)
        #expect(Base32.encode(secret).count == 32)
    }

    @Test func provisioningURIIsWhatAuthenticatorAppsRead() {
        let uri = TOTP(secret: Data("foobar".utf8)).provisioningURI(account: "ada@example.com", issuer: "Acme Partners")
        #expect(uri == "otpauth://totp/Acme%20Partners:ada@example.com?secret=MZXW6YTBOI&issuer=Acme%20Partners&algorithm=SHA1&digits=6&period=30")
    }
}
