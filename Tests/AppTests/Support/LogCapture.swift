import Logging
import NIOConcurrencyHelpers

/// A logger whose messages a test can read back.
final class LogCapture: Sendable {
    private let storage = NIOLockedValueBox<[String]>([])

    var lines: [String] { storage.withLockedValue { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            capture.storage.withLockedValue { $0.append("\(event.level) \(event.message)" + fields) }
        }
    }
}
