import Foundation
import Logging

/// How the process writes its log: the handler chosen by `LOG_FORMAT`, always behind
/// `SanitizingLogHandler` so that no line carries a token or a forged newline.
public enum PortalLogging {
    /// Installs the process-wide handler. Called once, before the application exists, from
    /// the raw environment (the `.env` files are read later; `configure` applies them to the
    /// application's logger).
    public static func bootstrap(level: Logger.Level, format: AppConfig.LogFormat) {
        LoggingSystem.bootstrap { label in
            var handler = makeHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
    }

    /// A sanitized handler in `format`.
    static func makeHandler(label: String, format: AppConfig.LogFormat) -> any LogHandler {
        switch format {
        case .text: SanitizingLogHandler(wrapping: StreamLogHandler.standardError(label: label))
        case .json: SanitizingLogHandler(wrapping: JSONLogHandler(label: label))
        }
    }

    /// The application's logger as configured: the right format, sanitized. A handler that is
    /// already sanitized (from `bootstrap`, or a test's) keeps its own output.
    static func configure(_ logger: Logger, format: AppConfig.LogFormat) -> Logger {
        var logger = logger
        if format == .json, !(logger.handler is JSONLogHandler), !((logger.handler as? SanitizingLogHandler)?.writesJSON ?? false) {
            let level = logger.logLevel
            logger.handler = makeHandler(label: logger.label, format: .json)
            logger.logLevel = level
        }
        return logger.sanitized()
    }
}
