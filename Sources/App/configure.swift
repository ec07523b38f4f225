import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor

/// Builds the application from a configuration value. The executable and the tests call
/// the same function; tests pass an in-memory configuration.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.portalConfig = config
    // A missing or unreadable key stops start-up here rather than failing the first sign-in
    // (a backup reads the key file itself, and a restore brings its own).
    if !BackupCommands.isRunning(app) { _ = try app.secrets() }
    // Every line passes LogSanitizer (tokens in paths redacted, control characters escaped);
    // request loggers are copies of this one.
    app.logger = PortalLogging.configure(app.logger, format: config.logFormat)
    app.logger.logLevel = config.logLevel
    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: config.maxBodyBytes)

    try configureDatabase(app, config: config)
    app.migrations.add(PortalMigrations.all)

    app.middleware = Middlewares()
    app.middleware.use(RequestMetricsMiddleware(metrics: app.portalMetrics))
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(RequestLogMiddleware())
    app.middleware.use(TransportSecurityMiddleware())
    app.middleware.use(PortalErrorMiddleware())
    app.headerCounts = HeaderCounts.makeCache()
    app.taskCounts = PartnerCache { $0.reader.partnerID }
    app.groupPaths = PartnerCache { $0 }
    app.groupAccountCounts = PartnerCache { $0.partnerID }
    app.logoVersions = PartnerCache(lifetime: config.partnerCacheLifetime) { $0 }
    app.homeCards = PartnerCache { $0.partnerID }
    app.listChoices = PartnerCache { $0.partnerID }
    app.partnerHosts = PartnerHostCache(lifetime: config.partnerCacheLifetime)
    app.middleware.use(PartnerCacheInvalidation())

    try routes(app)

    app.asyncCommands.use(PartnerCommands(), as: "partner")
    app.asyncCommands.use(OperatorCommands(), as: "operator")
    app.asyncCommands.use(TokenCommands(), as: "token")
    app.asyncCommands.use(MailCommands(), as: "mail")
    app.asyncCommands.use(TOTPCommands(), as: "totp")
    app.asyncCommands.use(HistoryCommands(), as: "history")
    app.asyncCommands.use(AuditCommands(), as: "audit")
    app.asyncCommands.use(ImportCommand(), as: "import")
    app.asyncCommands.use(TemplateCommands(), as: "template")
    app.asyncCommands.use(DigestCommands(), as: "digest")
    app.asyncCommands.use(DemoCommands(), as: "demo")
    BackupCommands.register(app)
    // Replaces Fluent's own, which migrates without the lock the instances take.
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
}

private func configureDatabase(_ app: Application, config: AppConfig) throws {
    switch config.storage {
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory), as: .sqlite)
    case .sqliteFile(let path):
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
        // A backup or a restore works on the file itself, and must not create it by opening it.
        guard !BackupCommands.isRunning(app) else { break }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        app.lifecycle.use(SQLiteTuning())
    case .postgres(let url, let schema):
        var configuration = try SQLPostgresConfiguration(url: url)
        configuration.searchPath = schema.map { [$0] }
        // Names this instance's connections in pg_stat_activity, which /metrics reads.
        configuration.coreConfiguration.options.additionalStartupParameters.append(("application_name", app.portalMetrics.databaseApplicationName))
        app.databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: config.databaseConnectionsPerLoop,
                                    connectionPoolTimeout: .milliseconds(Int64(config.databasePoolTimeout * 1000))), as: .psql)
    }
}

/// WAL lets readers proceed while one writer writes; the busy timeout makes a second writer
/// wait for the first instead of failing; 16 MiB of page cache per connection. Set on every
/// event loop's connection at boot.
struct SQLiteTuning: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        for eventLoop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(logger: app.logger, on: eventLoop) else { continue }
            let sql = try db.sql
            try await sql.raw("PRAGMA journal_mode = WAL").run()
            try await sql.raw("PRAGMA busy_timeout = 5000").run()
            try await sql.raw("PRAGMA synchronous = NORMAL").run()
            // A larger page cache: bulk writes (an import, a push) insert into a dozen indexes
            // keyed by random ids, which SQLite's default 2 MiB cache turned into a read of the
            // file for nearly every row once the database outgrew it.
            try await sql.raw("PRAGMA cache_size = -16384").run()
        }
    }
}

/// One log line per request once it is answered: method, path, status and the time the
/// server took, which it also sends as `Server-Timing: app;dur=…` (milliseconds) so that a
/// browser's network panel or a benchmark can read the server's share. For a streamed body
/// the time runs until the response starts. The path is the client's and may hold a link
/// token or a `%0a`: the logger's `SanitizingLogHandler` redacts and escapes it.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - started
        let hundredths = elapsed.components.seconds * 100_000 + elapsed.components.attoseconds / 10_000_000_000_000
        let fraction = hundredths % 100
        let duration = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
        response.headers.replaceOrAdd(name: "Server-Timing", value: "app;dur=\(duration)")
        request.logger.info("\(request.method) \(request.url.path.removingPercentEncoding ?? request.url.path)", metadata: [
            "status": "\(response.status.code)", "duration-ms": "\(duration)",
        ])
        return response
    }
}

/// Echoes Vapor's request id as `X-Request-ID`, so a person can quote it and it can be
/// found in the logs (every log line of the request carries it as `request-id`).
struct RequestIDMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-ID", value: request.id)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        return response
    }
}
