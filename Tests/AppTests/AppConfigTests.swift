@testable import App
import Testing

@Suite struct AppConfigTests {
    @Test func defaultsUseSQLiteUnderData() throws {
        let config = try AppConfig.from(environment: [:])
        #expect(config.storage == .sqliteFile(path: "data/portal.sqlite"))
        #expect(config.bcryptCost == 12)
        #expect(config.signInFailuresPerAccountPerMinute == 10)
        #expect(config.trustProxy == false)
    }

    @Test func databaseURLSelectsPostgres() throws {
        let config = try AppConfig.from(environment: ["DATABASE_URL": "postgres://u:p@db.internal:5432/portal"])
        #expect(config.storage == .postgres(url: "postgres://u:p@db.internal:5432/portal"))
    }

    @Test(arguments: [
        ("DATABASE_URL", "mysql://x@y/z"),
        ("BCRYPT_COST", "10"),
        ("BCRYPT_COST", "twelve"),
        ("TRUST_PROXY", "maybe"),
        ("PUBLIC_URL", "ftp://example.com"),
        ("LOG_LEVEL", "loud"),
        ("MAX_BODY_BYTES", "12"),
        ("SIGNIN_FAILURES_PER_ACCOUNT", "0"),
        ("DELIVERY_LEASE_SECONDS", "5"),
    ])
    func wrongValueNamesTheVariable(variable: String, value: String) {
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: [variable: value]) }
        do {
            _ = try AppConfig.from(environment: [variable: value])
        } catch {
            #expect(error.variable == variable)
            #expect(error.description.hasPrefix(variable + ":"))
        }
    }

    @Test func theDeliveryLeaseIsTwoMinutesUnlessSet() throws {
        #expect(try AppConfig.from(environment: [:]).deliveryLease == 120)
        #expect(try AppConfig.from(environment: ["DELIVERY_LEASE_SECONDS": "15"]).deliveryLease == 15)
    }

    @Test func publicURLLosesTrailingSlash() throws {
        let config = try AppConfig.from(environment: ["PUBLIC_URL": "https://portal.example.com/"])
        #expect(config.publicURL == "https://portal.example.com")
    }

    @Test func everySettingIsDocumentedInTheReadme() throws {
        let readme = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/AppTests/AppConfigTests.swift", with: "README.md"), encoding: .utf8)
        for setting in AppConfig.settings {
            #expect(readme.contains("`\(setting.name)`"), "README lacks \(setting.name)")
        }
    }
}
