@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Which database the suite runs on: in-memory SQLite by default, PostgreSQL when
/// `TEST_DATABASE_URL` is set (each test then gets a schema of its own, dropped afterwards).
enum TestDatabase {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isPostgres: Bool { postgresURL != nil }

    static func freshStorage() -> AppConfig.Storage {
        if let url = postgresURL {
            return .postgres(url: url, schema: "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        }
        return .sqliteMemory
    }
}

/// A configured, migrated application with a default partner, and helpers to act on it.
struct TestPortal {
    let app: Application
    let partner: Partner

    static func config(storage: AppConfig.Storage) -> AppConfig {
        // Cost 4 keeps the suite fast; production refuses anything under 12 (see AppConfigTests).
        var config = AppConfig(storage: storage, bcryptCost: 4, logLevel: .warning)
        // A fixed key, so that no test writes a key file (SecretsAtRestTests covers that).
        config.secretKey = testSecretKey
        // Hundreds of tests share one PostgreSQL server at once; a slow machine must not turn
        // a wait for a connection into a failure.
        config.databasePoolTimeout = 120
        // Tests change partners in the database directly, as a command or another instance
        // would; `PartnerHostCacheTests` covers the cache with a lifetime.
        config.partnerCacheLifetime = 0
        // A test's failed sign-ins must still count at its last request, however slowly a
        // loaded machine serves them; no test waits for the window to pass.
        config.signInFailureWindow = 3600
        // A scrape of /metrics waits for the database as long as the tests' requests do.
        config.metricsDatabaseDeadline = 120
        return config
    }

    static let testSecretKey = Data(repeating: 0x5a, count: 32)

    /// Runs `body` against a fresh application and database, then tears both down.
    static func run(
        storage: AppConfig.Storage = TestDatabase.freshStorage(),
        adjust: (inout AppConfig) -> Void = { _ in },
        _ body: (TestPortal) async throws -> Void
    ) async throws {
        var config = config(storage: storage)
        adjust(&config)
        let app = try await makeApp(config: config)
        do {
            try await app.autoMigrate()
            let partner = Partner(slug: Partner.defaultSlug, name: "Acme Partners")
            try await partner.create(on: app.db)
            try await body(TestPortal(app: app, partner: partner))
            try await dropSchema(app, storage: storage)
            try await app.asyncShutdown()
        } catch {
            try? await dropSchema(app, storage: storage)
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// An application on `config`, with its PostgreSQL schema created (not migrated).
    static func makeApp(config: AppConfig) async throws -> Application {
        let app = try await Application.make(.testing)
        do {
            try await configure(app, config: config)
            if case .postgres(_, let schema?) = config.storage {
                try await app.db.sql.raw("CREATE SCHEMA IF NOT EXISTS \(unsafeRaw: schema)").run()
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    static func dropSchema(_ app: Application, storage: AppConfig.Storage) async throws {
        if case .postgres(_, let schema?) = storage {
            try await app.db.sql.raw("DROP SCHEMA IF EXISTS \(unsafeRaw: schema) CASCADE").run()
        }
    }

    var db: any Database { app.db }
    /// What signs the audit chains' heads in this portal.
    var auditSigner: AuditChain.Signer { try! AuditChain.Signer(app.secrets()) }

    // MARK: - Fixtures

    @discardableResult
    func makeOperator(
        email: String = "ada@example.com", name: String = "Ada Admin", password: String? = "correct horse battery",
        role: String = "admin", status: Operator.Status? = nil, partner: Partner? = nil,
        secondFactor: SecondFactorMethod? = .email
    ) async throws -> Operator {
        let hash = try password.map { try Bcrypt.hash($0, cost: 4) }
        let op = try await OperatorService.create(
            .init(name: name, email: email, role: role, passwordHash: hash),
            partnerID: try (partner ?? self.partner).requireID(), on: db)
        if let status, status != op.status { op.status = status }
        op.secondFactor = secondFactor
        if secondFactor == .totp { op.totpSecret = Self.totpSecret }
        try await op.update(on: db)
        return op
    }

    func makePartner(slug: String, name: String, domains: [String]) async throws -> Partner {
        try await PartnerService.create(.init(name: name, slug: slug, domains: domains), on: db)
    }

    func makeToken(for op: Operator) async throws -> String {
        try await APITokens.create(name: "test", operator: op, now: Date(), on: db).value
    }

    // MARK: - Requests

    func send(
        _ method: HTTPMethod, _ path: String, host: String = "portal.test", headers: HTTPHeaders = [:],
        cookies: Browser? = nil, body: ByteBuffer? = nil
    ) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(method, path, headers: headers, body: body) { request in
            request.headers.replaceOrAdd(name: .host, value: host)
            if let cookies, !cookies.jar.isEmpty {
                request.headers.replaceOrAdd(name: .cookie, value: cookies.jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            }
        }
    }

    /// Sends a URL-encoded form the way a browser would.
    func submit(_ path: String, _ fields: [String: String], browser: Browser, host: String = "portal.test") async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        let body = fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        let response = try await send(.POST, path, host: host, headers: headers, cookies: browser, body: ByteBuffer(string: body))
        browser.absorb(response)
        return response
    }

    /// Sends a form whose fields may repeat (checkbox lists).
    func submitMulti(_ path: String, _ fields: [(String, String)], browser: Browser, host: String = "portal.test") async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        let body = fields.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        let response = try await send(.POST, path, host: host, headers: headers, cookies: browser, body: ByteBuffer(string: body))
        browser.absorb(response)
        return response
    }

    /// Loads a page in `browser`, keeping its cookies, and returns the response.
    func visit(_ path: String, browser: Browser, host: String = "portal.test") async throws -> TestingHTTPResponse {
        let response = try await send(.GET, path, host: host, cookies: browser)
        browser.absorb(response)
        return response
    }

    /// The TOTP key of fixtures made with `secondFactor: .totp`.
    static let totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    /// Signs in through the forms, the password and then the code the portal sent (or, for an
    /// operator with an authenticator app, its current code), and returns the browser.
    @discardableResult
    func signIn(email: String = "ada@example.com", password: String = "correct horse battery", browser: Browser = Browser(),
                host: String = "portal.test") async throws -> Browser {
        let page = try await visit("/sign-in", browser: browser, host: host)
        let response = try await submit("/sign-in", ["email": email, "password": password, "csrf_token": page.csrfToken ?? ""],
                                        browser: browser, host: host)
        #expect(response.status == .seeOther)
        if response.headers.first(name: .location) == "/sign-in/code" {
            let done = try await enterCode(for: email, browser: browser, host: host)
            #expect(done.status == .seeOther)
        }
        return browser
    }

    /// Enters the code of a pending sign-in: the last one sent to `email`, or the TOTP code.
    func enterCode(for email: String, browser: Browser, host: String = "portal.test", at date: Date = Date()) async throws -> TestingHTTPResponse {
        let form = try await visit("/sign-in/code", browser: browser, host: host)
        let op = try await Operator.query(on: db).filter(\.$email == Operator.normalize(email: email)).first()
        let code: String
        if op?.secondFactor == .totp, let stored = op?.totpSecret,
           let secret = Base32.decode(try TOTPSecret.reveal(stored, with: app.secrets())) {
            code = TOTP(secret: secret).code(at: date)
        } else {
            code = try await lastCode(sentTo: op?.phone != nil && op?.secondFactor == .sms ? op!.phone! : email) ?? ""
        }
        return try await submit("/sign-in/code", ["code": code, "csrf_token": form.csrfToken ?? ""], browser: browser, host: host)
    }

    /// The six-digit code in the newest message to `recipient`.
    func lastCode(sentTo recipient: String) async throws -> String? {
        let message = try await OutboundMessage.query(on: db).filter(\.$recipient == recipient).sort(\.$createdAt, .descending).first()
        guard let text = message.map({ $0.subject + " " + $0.body }) else { return nil }
        return text.firstMatch(of: /\b\d{6}\b/).map { String($0.output) }
    }
}

/// A cookie jar that follows Set-Cookie like a browser.
final class Browser: @unchecked Sendable {
    var jar: [String: String] = [:]

    func absorb(_ response: TestingHTTPResponse) {
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            let expired = header.lowercased().contains("max-age=0")
            if expired || parts[1].isEmpty { jar[parts[0]] = nil } else { jar[parts[0]] = parts[1] }
        }
    }

    var session: String? { jar[SessionCookies.session] }
}

extension TestingHTTPResponse {
    var text: String { body.string }

    /// The value of the first hidden CSRF field on the page.
    var csrfToken: String? {
        let marker = "name=\"csrf_token\" value=\""
        guard let start = text.range(of: marker) else { return nil }
        let rest = text[start.upperBound...]
        return rest.prefix { $0 != "\"" }.description
    }

    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    /// All Set-Cookie header lines for `name`.
    func setCookie(_ name: String) -> String? {
        headers[.setCookie].first { $0.hasPrefix(name + "=") }
    }
}
