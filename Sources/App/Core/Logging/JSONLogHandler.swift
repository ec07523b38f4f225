import Foundation
import Logging

/// `LOG_FORMAT=json`: one JSON object per line, `{"timestamp", "level", "label", "message",
/// "metadata"}`, for log collectors that parse lines. JSON encoding escapes every newline and
/// quote, so a message can never split or close its line.
public struct JSONLogHandler: LogHandler {
    /// Where finished lines go; each call receives one whole line, newline included.
    public typealias Writer = @Sendable (String) -> Void

    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let write: Writer

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping Writer = JSONLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = .string("\(error)")
            merged["error.type"] = .string(String(reflecting: type(of: error)))
        }
        let line = Self.line(timestamp: Date(), level: event.level, label: label, message: event.message.description, metadata: merged)
        write(line)
    }

    /// The JSON text of one event, ending in a newline.
    static func line(timestamp: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        let object: [String: Any] = [
            "timestamp": timestamp.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)),
            "level": level.rawValue,
            "label": label,
            "message": message,
            "metadata": jsonObject(metadata),
        ]
        // Only strings, arrays and dictionaries of them are in the object, so encoding cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func jsonObject(_ metadata: Logger.Metadata) -> [String: Any] {
        metadata.mapValues(jsonValue)
    }

    private static func jsonValue(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(jsonValue)
        case .dictionary(let metadata): jsonObject(metadata)
        }
    }

    /// Writes each line to standard error in one call, so that lines from two threads never interleave.
    public static let standardError: Writer = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}
