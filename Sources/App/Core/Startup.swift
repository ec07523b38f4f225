import Fluent
import Vapor

/// What runs between configuration and the command: migrations for every command that
/// uses the database, and the first-partner bootstrap before serving.
public enum Startup {
    public static func prepare(_ app: Application, config: AppConfig, arguments: [String]) async throws {
        let command = arguments.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "serve"
        guard !["migrate", "routes"].contains(command), !arguments.contains("--help"), !arguments.contains("-h") else { return }
        if command != "serve", ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil {
            // A command's own output is what matters; its errors are printed once, as one line.
            app.logger.logLevel = .critical
        }
        // A backup copies the database as it is, and a restore needs it empty: neither migrates.
        guard !BackupCommands.names.contains(command) else { return }
        try await probeDatabase(app)
        let base = config.publicURL ?? "http://localhost:\(port(in: arguments) ?? 8080)"
        try await migrate(app, bootstrapWith: command == "serve" ? base : nil)
        try await DummyHash.prepare(with: app.password.async)
        if command == "serve" {
            let transports = DeliveryWorker.transports(for: config, app: app)
            if transports.email == nil || transports.sms == nil {
                let channels = [transports.email == nil ? "email" : nil, transports.sms == nil ? "SMS" : nil].compactMap { $0 }
                app.logger.warning("No transport for \(channels.joined(separator: " and ")): those messages are kept in the development mailbox at /dev/mailbox, which operators who manage settings can read. Set SMTP_HOST and SMS_WEBHOOK_URL in production.")
            }
            app.lifecycle.use(JobRunner(delivery: DeliverySettings(transports: transports, retryCap: config.deliveryRetryCap, lease: config.deliveryLease,
                                                                 links: Digests.Links(secrets: try app.secrets(), publicURL: config.publicURL))))
        }
    }

    /// Migrates and, when serving, makes sure a partner exists: once, however many instances
    /// start at the same time.
    public static func migrate(_ app: Application, bootstrapWith publicURL: String?) async throws {
        try await MigrationLock.withLock(app) {
            try await app.autoMigrate()
            if let publicURL {
                try await PartnerBootstrap.run(on: app.db, publicURL: publicURL, logger: app.logger)
            }
        }
    }

    /// Fails fast, with nothing but our own one-line message, when the database is unreachable.
    private static func probeDatabase(_ app: Application) async throws {
        var quiet = Logger(label: "portal.startup")
        quiet.logLevel = .critical
        guard let db = app.databases.database(logger: quiet, on: app.eventLoopGroup.any()) else { return }
        _ = try await db.sql.raw("SELECT 1 AS ok").first()
    }

    static func port(in arguments: [String]) -> Int? {
        for (index, argument) in arguments.enumerated() {
            if argument.hasPrefix("--port=") { return Int(argument.dropFirst("--port=".count)) }
            if argument == "--port" || argument == "-p", index + 1 < arguments.count { return Int(arguments[index + 1]) }
        }
        return nil
    }

    /// One line a person can act on, without a stack trace.
    public static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        let reflected = String(reflecting: error)
        let connection = ["connection refused", "connectionRefused", "Connection refused", "could not connect", "connect(descriptor",
                          "NIOConnectionError", "no such host", "getaddrinfo", "connectTimeout", "Connection reset"]
        if connection.contains(where: { reflected.contains($0) || text.contains($0) }) {
            return "cannot reach the database at \(redactedDatabaseURL() ?? "the configured address"). Check DATABASE_URL and that the server is running."
        }
        return text.replacingOccurrences(of: "\n", with: " ")
    }

    private static func redactedDatabaseURL() -> String? {
        guard let raw = ProcessInfo.processInfo.environment["DATABASE_URL"], var parts = URLComponents(string: raw) else { return nil }
        if parts.password != nil { parts.password = "***" }
        return parts.string
    }
}
