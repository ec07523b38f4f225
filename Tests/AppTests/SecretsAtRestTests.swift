@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Issue 10, finding 7: authenticator keys are encrypted at rest and recovery codes are
/// stored as keyed digests.
@Suite struct SecretsAtRestTests {
    private let keyA = Data(repeating: 1, count: 32)
    private let keyB = Data(repeating: 2, count: 32)

    @Test func aSealedValueIsNotTheSecretAndOpensBack() throws {
        let box = SecretBox(secret: keyA)
        let sealed = try box.seal(TestPortal.totpSecret)
        #expect(!sealed.contains(TestPortal.totpSecret))
        #expect(sealed.hasPrefix("v1:\(box.current.id):"))
        #expect(try box.open(sealed) == TestPortal.totpSecret)
        // A fresh nonce each time: the same secret never reads the same twice.
        #expect(try box.seal(TestPortal.totpSecret) != sealed)
    }

    @Test func aWrongKeyOrAChangedValueFailsWithAnErrorNotACrash() throws {
        let sealed = try SecretBox(secret: keyA).seal("JBSWY3DPEHPK3PXP")
        #expect(throws: SecretBox.Failure.unknownKey(SecretBox(secret: keyA).current.id)) { try SecretBox(secret: keyB).open(sealed) }
        var tampered = Array(sealed)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(throws: SecretBox.Failure.notAuthentic) { try SecretBox(secret: keyA).open(String(tampered)) }
        #expect(throws: SecretBox.Failure.malformed) { try SecretBox(secret: keyA).open("v1:nonsense") }
    }

    @Test func afterARotationOldValuesOpenAndAreMarkedForResealing() throws {
        let old = SecretBox(secret: keyA)
        let sealed = try old.seal("JBSWY3DPEHPK3PXP")
        let rotated = SecretBox(secret: keyB, previous: [keyA])
        #expect(try rotated.open(sealed) == "JBSWY3DPEHPK3PXP")
        #expect(rotated.needsResealing(sealed))
        #expect(!rotated.needsResealing(try rotated.seal("JBSWY3DPEHPK3PXP")))
        #expect(rotated.needsResealing("JBSWY3DPEHPK3PXP"))
    }

    @Test func aLegacyClearTextKeyStillSignsInAndIsSealedOnThatSignIn() async throws {
        try await TestPortal.run { portal in
            // The fixture stores the key in clear, as rows written before encryption are.
            let ada = try await portal.makeOperator(secondFactor: .totp)
            #expect(ada.totpSecret == TestPortal.totpSecret)
            let browser = try await portal.signIn()
            #expect(browser.session != nil)
            let stored = try #require(try await Operator.find(ada.id, on: portal.db)?.totpSecret)
            #expect(stored != TestPortal.totpSecret && !stored.contains(TestPortal.totpSecret))
            #expect(try portal.app.secrets().open(stored) == TestPortal.totpSecret)
        }
    }

    @Test func aKeySealedUnderAnotherKeyRefusesCodesCleanly() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(secondFactor: .totp)
            ada.totpSecret = try SecretBox(secret: keyB).seal(TestPortal.totpSecret)
            try await ada.update(on: portal.db)
            let browser = Browser()
            let page = try await portal.visit("/sign-in", browser: browser)
            _ = try await portal.submit("/sign-in", ["email": "ada@example.com", "password": "correct horse battery", "csrf_token": page.csrfToken ?? ""],
                                        browser: browser)
            let code = TOTP(secret: try #require(Base32.decode(TestPortal.totpSecret))).code(at: Date())
            let answer = try await portal.submit("/sign-in/code", ["code": code, "csrf_token": browser.jar[SessionCookies.csrf] ?? ""], browser: browser)
            #expect(answer.status == .unprocessableEntity)
            #expect(answer.text.contains("Authenticator codes cannot be checked right now"))
            #expect(browser.session == nil)
        }
    }

    @Test func storedRecoveryCodesAreKeyedDigestsNotSHA256() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let secrets = try portal.app.secrets()
            let codes = try await RecoveryCode.regenerate(for: ada.requireID(), secrets: secrets, on: portal.db)
            let stored = try await RecoveryCode.query(on: portal.db).filter(\.$operator.$id == ada.requireID()).all().map(\.codeDigest)
            #expect(stored.count == 10)
            for code in codes {
                #expect(!stored.contains(SecretToken.digest(of: code)))
                #expect(stored.contains(RecoveryCode.digest(code, key: secrets.current)))
            }
            #expect(stored.allSatisfy { $0.hasPrefix("h1:\(secrets.current.id):") })
            #expect(try await RecoveryCode.spend(codes[0], operatorID: ada.requireID(), secrets: secrets, now: Date(), on: portal.db))
            #expect(try await !RecoveryCode.spend(codes[0], operatorID: ada.requireID(), secrets: secrets, now: Date(), on: portal.db))
            // Under another installation's key the digests are worthless.
            #expect(try await !RecoveryCode.spend(codes[1], operatorID: ada.requireID(), secrets: SecretBox(secret: keyB), now: Date(), on: portal.db))
            // After a rotation, codes made under the previous key still work.
            let rotated = SecretBox(secret: keyB, previous: [TestPortal.testSecretKey])
            #expect(try await RecoveryCode.spend(codes[2], operatorID: ada.requireID(), secrets: rotated, now: Date(), on: portal.db))
        }
    }

    @Test func aLegacyUnsaltedRecoveryCodeStillWorksOnce() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await RecoveryCode(operatorID: ada.requireID(), codeDigest: SecretToken.digest(of: "abcde-fghjk")).create(on: portal.db)
            let secrets = try portal.app.secrets()
            #expect(try await RecoveryCode.spend("ABCDE FGHJK", operatorID: ada.requireID(), secrets: secrets, now: Date(), on: portal.db))
            #expect(try await !RecoveryCode.spend("abcde-fghjk", operatorID: ada.requireID(), secrets: secrets, now: Date(), on: portal.db))
        }
    }

    @Test func aGeneratedKeyFileHasMode0600AndIsReused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portal-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = AppConfig(storage: .sqliteFile(path: directory.appendingPathComponent("portal.sqlite").path))
        let path = try #require(SecretKeys.keyFile(for: config.storage))
        #expect(path == directory.appendingPathComponent("secret.key").path)

        let log = LogCapture()
        let first = try SecretKeys.box(for: config, logger: log.logger)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(log.lines.contains { $0.contains("Generated a secret key") && $0.contains(path) })
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!log.lines.contains { $0.contains(written.trimmingCharacters(in: .whitespacesAndNewlines)) })

        let second = try SecretKeys.box(for: config, logger: log.logger)
        #expect(second.current.id == first.current.id)
        #expect(try second.open(try first.seal("kept")) == "kept")
        #expect(log.lines.filter { $0.contains("Generated a secret key") }.count == 1)
    }

    @Test func aBrokenKeyFileStopsWithAMessageNotACrash() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portal-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "not a key".write(to: directory.appendingPathComponent("secret.key"), atomically: true, encoding: .utf8)
        let config = AppConfig(storage: .sqliteFile(path: directory.appendingPathComponent("portal.sqlite").path))
        #expect(throws: SecretKeys.Unusable.self) { try SecretKeys.box(for: config, logger: LogCapture().logger) }
    }

    @Test func secretKeyIsReadAsBase64OrHexAndAnythingElseIsRefused() throws {
        let hex = String(repeating: "ab", count: 32)
        #expect(try AppConfig.from(environment: ["SECRET_KEY": hex]).secretKey == Data(repeating: 0xab, count: 32))
        let base64 = Data(repeating: 7, count: 32).base64EncodedString()
        let config = try AppConfig.from(environment: ["SECRET_KEY": base64, "SECRET_KEY_PREVIOUS": "\(hex),\(base64)"])
        #expect(config.secretKey == Data(repeating: 7, count: 32))
        #expect(config.previousSecretKeys.count == 2)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["SECRET_KEY": "short"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["SECRET_KEY": Data(count: 16).base64EncodedString()]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["SECRET_KEY_PREVIOUS": "nope"]) }
    }
}
