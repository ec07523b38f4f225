@testable import App
import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting

/// Finding 8: no link token and no forged line in the log; `LOG_FORMAT=json` writes one
/// object per line.
@Suite struct LogSafetyTests {
    /// Every line the application logs, written as the text handler would: message and metadata.
    final class Lines: Sendable {
        private let storage = NIOLockedValueBox<[String]>([])
        var all: [String] { storage.withLockedValue { $0 } }
        var joined: String { all.joined(separator: "\n") }

        struct Handler: LogHandler {
            let lines: Lines
            var metadata: Logger.Metadata = [:]
            var metadataProvider: Logger.MetadataProvider?
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
                let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                lines.storage.withLockedValue { $0.append("\(event.level) \(event.message) \(rendered)") }
            }
        }
    }

    /// A portal like `TestPortal.run`'s, whose application logger writes into `lines`.
    private func withLoggedPortal(_ body: (TestPortal, Lines) async throws -> Void) async throws {
        let lines = Lines()
        var config = TestPortal.config(storage: .sqliteMemory)
        config.logLevel = .trace
        let app = try await Application.make(.testing)
        app.logger = Logger(label: "test") { _ in Lines.Handler(lines: lines) }
        do {
            try await configure(app, config: config)
            try await app.autoMigrate()
            let partner = Partner(slug: Partner.defaultSlug, name: "Acme Partners")
            try await partner.create(on: app.db)
            try await body(TestPortal(app: app, partner: partner), lines)
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    @Test func aRequestToASetupLinkLogsNoToken() async throws {
        try await withLoggedPortal { portal, lines in
            let token = "Zq3tokenValue_kept-secret"
            _ = try await portal.send(.GET, "/setup/\(token)")
            _ = try await portal.send(.GET, "/app/setup/\(token)")
            _ = try await portal.send(.GET, "/setup/\(token)/nothing-here")
            #expect(lines.all.contains { $0.contains("/setup/[redacted]") })
            #expect(!lines.joined.contains(token))
        }
    }

    @Test func aNewlineInAPathOrASignInEmailCannotStartALine() async throws {
        try await withLoggedPortal { portal, lines in
            _ = try await portal.send(.GET, "/accounts%0a2030-01-01T00:00:00Z%20critical%20forged")
            let browser = Browser()
            let page = try await portal.visit("/sign-in", browser: browser)
            _ = try await portal.submit("/sign-in", ["email": "x@example.com\ncritical forged line", "password": "nope",
                                                     "csrf_token": page.csrfToken ?? ""], browser: browser)
            #expect(lines.all.contains { $0.contains("forged") })
            for line in lines.all {
                #expect(!line.contains("\n") && !line.contains("\r"), "raw newline in \(line.debugDescription)")
            }
        }
    }

    @Test func theSanitizerRedactsEscapesAndIsIdempotent() {
        #expect(LogSanitizer.clean("GET /app/login-as/1Y8yOldSQuNrX8P9 303") == "GET /app/login-as/[redacted] 303")
        #expect(LogSanitizer.clean("POST /unsubscribe/AbC-12_x.y 200") == "POST /unsubscribe/[redacted] 200")
        // A described API error carries the request's headers.
        let described = LogSanitizer.clean(#"request: PATCH /api/v1/settings [authorization: Bearer opk_yatdH0x-9; cookie: portal-session=s3cr3t; accept: */*]"#)
        #expect(!described.contains("opk_") && !described.contains("yatdH0x") && !described.contains("s3cr3t"), "\(described)")
        #expect(described.contains("accept: */*"))
        #expect(LogSanitizer.clean("Authorization: Basic YWxhZGRpbjpvcGVu") == "Authorization: Basic [redacted]")
        let cleaned = LogSanitizer.clean("GET /app/setup/abc123?x=1 and /SETUP%2Fdef next\r\nline\u{1B}[31m\u{2028}")
        #expect(cleaned == "GET /app/setup/[redacted]?x=1 and /SETUP%2F[redacted] next\\r\\nline\\u{1B}[31m\\u{2028}")
        #expect(LogSanitizer.clean(cleaned) == cleaned)
        #expect(LogSanitizer.clean("/setup/a\nb") == "/setup/[redacted]")
        // The router reads these as the same link: nothing after `setup/` is kept.
        #expect(LogSanitizer.clean("GET /setup//tok3n") == "GET /setup/[redacted]")
        #expect(LogSanitizer.clean("path=/setup/./tok3n/x status=404") == "path=/setup/[redacted] status=404")
    }

    @Test func theSanitizingHandlerCleansMessageMetadataAndErrors() {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in SanitizingLogHandler(wrapping: Lines.Handler(lines: lines)) }
        logger[metadataKey: "agent"] = "curl\nforged"
        struct Failure: Error, CustomStringConvertible { var description: String { "bad\n/setup/tok" } }
        logger.error("path /setup/tok\nforged", error: Failure(), metadata: ["email": "a@b\r\nc", "list": ["/setup/tok"]])
        let line = try? #require(lines.all.first)
        #expect(line?.contains("\n") == false)
        #expect(line?.contains("tok") == false)
        #expect(line?.contains("curl\\nforged") == true)
    }

    @Test func jsonLinesAreOneValidObjectEach() throws {
        let written = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "codes.vapor.application") { label in
            SanitizingLogHandler(wrapping: JSONLogHandler(label: label, write: { line in written.withLockedValue { $0.append(line) } }))
        }
        logger.logLevel = .trace
        logger[metadataKey: "request-id"] = "r1"
        logger.info("he said \"hi\"\nthen left\\", metadata: ["path": "/setup/secret-token", "n": "\(3)"])
        logger.notice("second")
        let lines = written.withLockedValue { $0 }
        #expect(lines.count == 2)
        for line in lines {
            #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false)
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "codes.vapor.application")
        #expect(object["message"] as? String == "he said \"hi\"\\nthen left\\")
        #expect((object["timestamp"] as? String)?.hasPrefix("20") == true)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["request-id"] as? String == "r1")
        #expect(metadata["path"] as? String == "/setup/[redacted]")

        // Unsanitized, a raw newline is still only an escape inside the JSON string.
        let raw = JSONLogHandler.line(timestamp: Date(), level: .info, label: "x", message: "a\nb\"c", metadata: [:])
        #expect(raw.dropLast().contains("\n") == false)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        #expect(parsed["message"] as? String == "a\nb\"c")
    }

    @Test func logFormatIsConfigured() throws {
        #expect(try AppConfig.from(environment: [:]).logFormat == .text)
        #expect(try AppConfig.from(environment: ["LOG_FORMAT": "JSON"]).logFormat == .json)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["LOG_FORMAT": "xml"]) }
    }
}

extension LogSafetyTests {
    /// A new installation starts from the link in its start-up log: that one link is written
    /// whole (under a key no request can set), every other setup link is redacted.
    @Test func theFirstAdminLinkIsTheOneLinkTheLogShowsWhole() async throws {
        let capture = LogCapture()
        var logger = capture.logger.sanitized()
        logger.logLevel = .trace
        logger.notice("first", metadata: [LogSanitizer.firstAdminLinkKey: "http://localhost:8080/setup/abc123"])
        logger.notice("other", metadata: ["link": "http://localhost:8080/setup/abc123"])
        let lines = capture.lines
        #expect(lines.contains { $0.contains("http://localhost:8080/setup/abc123") && $0.contains("first") })
        #expect(lines.contains { $0.contains("/setup/[redacted]") && $0.contains("other") })
    }
}
