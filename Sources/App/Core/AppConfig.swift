import Foundation
import Logging

/// Every setting the portal reads from its environment, parsed once at start-up.
///
/// Values come from process environment variables and, when present, from `.env` and
/// `.env.<environment>` in the working directory (Vapor loads those before this is built).
/// A wrong value stops start-up with a message that names the variable.
public struct AppConfig: Sendable {
    public enum Storage: Sendable, Equatable {
        case sqliteFile(path: String)
        case sqliteMemory
        /// `schema` sets the search path (tests give each run its own schema).
        case postgres(url: String, schema: String? = nil)
    }

    public var storage: Storage
    /// The address people use to reach this installation, used in links written to the log
    /// or sent by email when no request is at hand (for example the first-admin setup link).
    public var publicURL: String?
    public var bcryptCost: Int
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    public var trustProxy: Bool
    /// With `trustProxy`, the peers whose forwarding headers are believed, and the hops skipped
    /// when looking for the client's address (`TRUSTED_PROXIES`).
    var trustedProxies: TrustedProxies = .default
    public var signInFailuresPerAccountPerMinute: Int
    public var signInFailuresPerIPPerMinute: Int
    /// How far back failed sign-ins and password confirmations count against those limits.
    public var signInFailureWindow: TimeInterval = 60
    /// Largest request body the API accepts, in bytes.
    public var maxBodyBytes: Int
    public var logLevel: Logger.Level
    /// `LOG_FORMAT`: lines of text, or one JSON object per line.
    public var logFormat: LogFormat = .text

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }
    /// Email goes out through this SMTP server; nil keeps email in the development mailbox.
    var smtp: SMTPTransport.Settings?
    /// SMS goes out through this HTTP endpoint; nil keeps SMS in the development mailbox.
    public var smsWebhook: SMSWebhook?
    /// The longest wait between two attempts at sending a message.
    public var deliveryRetryCap: TimeInterval
    /// How long an instance holds the messages it took to send; an instance that stops
    /// without giving them back (killed) leaves them to others after this long.
    public var deliveryLease: TimeInterval = 120
    /// `SECRET_KEY`: 32 bytes that encrypt stored secrets; nil generates a key file (`SecretKeys`).
    public var secretKey: Data? = nil
    /// `SECRET_KEY_PREVIOUS`: keys still accepted for reading values sealed before a rotation.
    public var previousSecretKeys: [Data] = []
    /// `PARTNER_CACHE_SECONDS`: how long a host's partner is kept before it is read again
    /// (changes on this instance drop it at once; see `PartnerHostCache`).
    public var partnerCacheLifetime: TimeInterval = 5
    /// PostgreSQL: connections each event loop may open (`DATABASE_MAX_CONNECTIONS`).
    public var databaseConnectionsPerLoop: Int = 4
    /// PostgreSQL: how long a request waits for a free connection before failing with 503.
    public var databasePoolTimeout: TimeInterval = 10
    /// `METRICS_TOKEN`: a bearer token that opens `/metrics` from elsewhere than this host; nil
    /// keeps it to loopback.
    public var metricsToken: String? = nil
    /// The database part of a `/metrics` scrape gives up after this, so that a scrape never
    /// hangs on a busy or dead database; the other figures are still answered.
    public var metricsDatabaseDeadline: TimeInterval = 3

    public struct SMSWebhook: Sendable, Equatable {
        public var url: String
        public var token: String
    }

    public init(
        storage: Storage,
        publicURL: String? = nil,
        bcryptCost: Int = 12,
        trustProxy: Bool = false,
        signInFailuresPerAccountPerMinute: Int = 10,
        signInFailuresPerIPPerMinute: Int = 30,
        maxBodyBytes: Int = 1_048_576,
        logLevel: Logger.Level = .info,
        smsWebhook: SMSWebhook? = nil,
        deliveryRetryCap: TimeInterval = 900
    ) {
        self.storage = storage
        self.publicURL = publicURL
        self.bcryptCost = bcryptCost
        self.trustProxy = trustProxy
        self.signInFailuresPerAccountPerMinute = signInFailuresPerAccountPerMinute
        self.signInFailuresPerIPPerMinute = signInFailuresPerIPPerMinute
        self.maxBodyBytes = maxBodyBytes
        self.logLevel = logLevel
        self.smtp = nil
        self.smsWebhook = smsWebhook
        self.deliveryRetryCap = deliveryRetryCap
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let variable: String
        public let problem: String
        public var description: String { "\(variable): \(problem)" }
    }

    /// One documented setting: the README's configuration table is checked against this list.
    public struct Setting: Sendable {
        public let name: String
        public let defaultValue: String
        public let meaning: String
    }

    public static let settings: [Setting] = [
        .init(name: "DATABASE_URL", defaultValue: "(unset: SQLite)", meaning: "PostgreSQL URL, `postgres://user:password@host:5432/db`. When unset, the portal uses SQLite."),
        .init(name: "SQLITE_PATH", defaultValue: "data/portal.sqlite", meaning: "SQLite database file; its directory is created if missing."),
        .init(name: "PUBLIC_URL", defaultValue: "http://localhost:8080", meaning: "Address of the installation, used in links written to the log."),
        .init(name: "BCRYPT_COST", defaultValue: "12", meaning: "Password hashing cost, 12 to 16."),
        .init(name: "TRUST_PROXY", defaultValue: "false", meaning: "Take the client address and scheme from X-Forwarded-For and X-Forwarded-Proto."),
        .init(name: "TRUSTED_PROXIES", defaultValue: "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10",
              meaning: "With TRUST_PROXY, comma-separated address ranges of your proxies: forwarding headers are believed only from them, and the client is the rightmost X-Forwarded-For address outside them."),
        .init(name: "SIGNIN_FAILURES_PER_ACCOUNT", defaultValue: "10", meaning: "Failed sign-ins allowed per email address per minute before 429."),
        .init(name: "SIGNIN_FAILURES_PER_IP", defaultValue: "30", meaning: "Failed sign-ins allowed per client address per minute before 429."),
        .init(name: "MAX_BODY_BYTES", defaultValue: "1048576", meaning: "Largest request body accepted, in bytes (413 above it)."),
        .init(name: "LOG_LEVEL", defaultValue: "info", meaning: "trace, debug, info, notice, warning, error or critical."),
        .init(name: "LOG_FORMAT", defaultValue: "text", meaning: "`text`, or `json` for one JSON object per line (timestamp, level, label, message, metadata)."),
        .init(name: "SMTP_HOST", defaultValue: "(unset: development mailbox)", meaning: "SMTP server for email. When unset, email is kept in the development mailbox at `/dev/mailbox`."),
        .init(name: "SMTP_PORT", defaultValue: "587, 465 with `tls`, 25 with `none`", meaning: "SMTP port."),
        .init(name: "SMTP_USERNAME", defaultValue: "(none)", meaning: "SMTP user for AUTH PLAIN; no authentication when unset."),
        .init(name: "SMTP_PASSWORD", defaultValue: "(none)", meaning: "SMTP password."),
        .init(name: "SMTP_FROM", defaultValue: "(required with SMTP_HOST)", meaning: "Sender address of every email."),
        .init(name: "SMTP_TLS", defaultValue: "starttls", meaning: "`none`, `starttls` or `tls` (TLS from the first byte)."),
        .init(name: "SMS_WEBHOOK_URL", defaultValue: "(unset: development mailbox)", meaning: "HTTP endpoint that receives a JSON POST `{\"to\", \"text\"}` for each SMS."),
        .init(name: "SMS_WEBHOOK_TOKEN", defaultValue: "(required with SMS_WEBHOOK_URL)", meaning: "Bearer token sent to the SMS endpoint."),
        .init(name: "DELIVERY_RETRY_MAX_SECONDS", defaultValue: "900", meaning: "Longest wait between two attempts at sending a message (attempts back off from 5 s)."),
        .init(name: "DELIVERY_LEASE_SECONDS", defaultValue: "120", meaning: "How long an instance holds the messages it is sending; after an instance dies, others send them once this has passed. Longer than the slowest send."),
        .init(name: "SECRET_KEY", defaultValue: "(unset: generated into `secret.key` next to the SQLite file)", meaning: "32 bytes in base64 or hex that encrypt stored authenticator-app keys and key recovery-code digests. Generate one with `openssl rand -base64 32`."),
        .init(name: "DATABASE_MAX_CONNECTIONS", defaultValue: "4", meaning: "PostgreSQL connections each event loop (one per core) may open."),
        .init(name: "DATABASE_POOL_TIMEOUT_SECONDS", defaultValue: "10", meaning: "How long a request waits for a free PostgreSQL connection before it is answered 503."),
        .init(name: "SECRET_KEY_PREVIOUS", defaultValue: "(none)", meaning: "Comma-separated earlier values of `SECRET_KEY`, still accepted for reading after a rotation (see Key rotation)."),
        .init(name: "PARTNER_CACHE_SECONDS", defaultValue: "5", meaning: "How long an instance keeps a domain's partner and settings in memory, 0 to 300. A change in the portal or the API shows at once on the instance that made it; one made by a command or on another instance shows within this time. 0 reads them on every request."),
        .init(name: "METRICS_TOKEN", defaultValue: "(unset: loopback only)", meaning: "Bearer token that opens `/metrics` to a scraper on another host, at least 16 printable characters without spaces."),
    ]

    /// Parses the configuration from a set of environment variables.
    public static func from(environment env: [String: String]) throws(Invalid) -> AppConfig {
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(Invalid) -> Int {
            guard let raw = value(name) else { return fallback }
            guard let number = Int(raw), range.contains(number) else {
                throw Invalid(variable: name, problem: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(raw)'")
            }
            return number
        }
        func boolean(_ name: String, default fallback: Bool) throws(Invalid) -> Bool {
            guard let raw = value(name)?.lowercased() else { return fallback }
            switch raw {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw Invalid(variable: name, problem: "expected true or false, got '\(raw)'")
            }
        }

        let storage: Storage
        if let url = value("DATABASE_URL") {
            guard let parsed = URL(string: url), ["postgres", "postgresql"].contains(parsed.scheme ?? ""),
                  let host = parsed.host, !host.isEmpty
            else {
                throw Invalid(variable: "DATABASE_URL", problem: "expected postgres://user:password@host:port/database")
            }
            storage = .postgres(url: url)
        } else if value("SQLITE_PATH") == ":memory:" {
            storage = .sqliteMemory
        } else {
            storage = .sqliteFile(path: value("SQLITE_PATH") ?? "data/portal.sqlite")
        }

        var publicURL: String? = nil
        if let raw = value("PUBLIC_URL") {
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Invalid(variable: "PUBLIC_URL", problem: "expected an http:// or https:// address, got '\(raw)'")
            }
            publicURL = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        }

        let logLevel: Logger.Level
        if let raw = value("LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                throw Invalid(variable: "LOG_LEVEL", problem: "expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got '\(raw)'")
            }
            logLevel = level
        } else {
            logLevel = .info
        }

        var logFormat = LogFormat.text
        if let raw = value("LOG_FORMAT") {
            guard let format = LogFormat(rawValue: raw.lowercased()) else {
                throw Invalid(variable: "LOG_FORMAT", problem: "expected text or json, got '\(raw)'")
            }
            logFormat = format
        }

        var trustedProxies = TrustedProxies.default
        if let raw = value("TRUSTED_PROXIES") {
            switch TrustedProxies.parse(raw) {
            case .success(let parsed): trustedProxies = parsed
            case .failure(let failure):
                throw Invalid(variable: "TRUSTED_PROXIES", problem: "expected comma-separated address ranges like 10.0.0.0/8, got '\(failure.entry)'")
            }
        }

        var smtp: SMTPTransport.Settings? = nil
        if let host = value("SMTP_HOST") {
            let securityRaw = value("SMTP_TLS")?.lowercased() ?? "starttls"
            guard let security = SMTPTransport.Security(rawValue: securityRaw) else {
                throw Invalid(variable: "SMTP_TLS", problem: "expected none, starttls or tls, got '\(securityRaw)'")
            }
            let defaultPort = switch security { case .none: 25; case .starttls: 587; case .tls: 465 }
            guard let from = value("SMTP_FROM"), case .success(let sender) = OperatorInput.email(from) else {
                throw Invalid(variable: "SMTP_FROM", problem: "set a sender address like portal@example.com when SMTP_HOST is set")
            }
            smtp = SMTPTransport.Settings(host: host, port: try integer("SMTP_PORT", default: defaultPort, in: 1...65535), security: security,
                                          username: value("SMTP_USERNAME"), password: env["SMTP_PASSWORD"], from: sender)
        }
        var smsWebhook: SMSWebhook? = nil
        if let raw = value("SMS_WEBHOOK_URL") {
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Invalid(variable: "SMS_WEBHOOK_URL", problem: "expected an http:// or https:// address, got '\(raw)'")
            }
            guard let token = value("SMS_WEBHOOK_TOKEN") else {
                throw Invalid(variable: "SMS_WEBHOOK_TOKEN", problem: "set the bearer token for SMS_WEBHOOK_URL")
            }
            smsWebhook = SMSWebhook(url: raw, token: token)
        }

        var config = AppConfig(
            storage: storage,
            publicURL: publicURL,
            bcryptCost: try integer("BCRYPT_COST", default: 12, in: 12...16),
            trustProxy: try boolean("TRUST_PROXY", default: false),
            signInFailuresPerAccountPerMinute: try integer("SIGNIN_FAILURES_PER_ACCOUNT", default: 10, in: 1...1000),
            signInFailuresPerIPPerMinute: try integer("SIGNIN_FAILURES_PER_IP", default: 30, in: 1...100_000),
            maxBodyBytes: try integer("MAX_BODY_BYTES", default: 1_048_576, in: 1024...1_073_741_824),
            logLevel: logLevel,
            smsWebhook: smsWebhook,
            deliveryRetryCap: TimeInterval(try integer("DELIVERY_RETRY_MAX_SECONDS", default: 900, in: 1...86_400))
        )
        config.smtp = smtp
        config.deliveryLease = TimeInterval(try integer("DELIVERY_LEASE_SECONDS", default: 120, in: 10...3600))
        config.databaseConnectionsPerLoop = try integer("DATABASE_MAX_CONNECTIONS", default: 4, in: 1...200)
        config.databasePoolTimeout = TimeInterval(try integer("DATABASE_POOL_TIMEOUT_SECONDS", default: 10, in: 1...600))
        config.partnerCacheLifetime = TimeInterval(try integer("PARTNER_CACHE_SECONDS", default: 5, in: 0...300))
        if let raw = value("SECRET_KEY") {
            guard let key = SecretKeys.parse(raw) else {
                throw Invalid(variable: "SECRET_KEY", problem: "expected 32 bytes written as base64 (44 characters) or hex (64 characters)")
            }
            config.secretKey = key
        }
        if let raw = value("SECRET_KEY_PREVIOUS") {
            var previous: [Data] = []
            for item in raw.split(separator: ",") {
                guard let key = SecretKeys.parse(String(item)) else {
                    throw Invalid(variable: "SECRET_KEY_PREVIOUS", problem: "expected comma-separated keys of 32 bytes in base64 or hex")
                }
                previous.append(key)
            }
            config.previousSecretKeys = previous
        }
        if let raw = value("METRICS_TOKEN") {
            guard raw.utf8.count >= 16, raw.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
                throw Invalid(variable: "METRICS_TOKEN", problem: "expected at least 16 printable characters without spaces (openssl rand -hex 32)")
            }
            config.metricsToken = raw
        }
        config.logFormat = logFormat
        config.trustedProxies = trustedProxies
        return config
    }
}
