import Foundation
import Logging

/// Makes a value safe to write into a log line.
///
/// Paths, emails typed at sign-in, user agents and names come from requests, and a log line
/// is read by people and by tools that split on newlines. So every control character is
/// written as an escape (`\n`, `\r`, `\t`, `\u{1B}`), and the secret segment of a link that
/// carries a token in its path (`/setup/…`, `/app/setup/…`) is replaced: a token read from
/// the log would still work. Applying it twice changes nothing, so wrapping a handler that
/// is already wrapped is harmless.
enum LogSanitizer {
    static let redacted = "[redacted]"

    /// The one link the log must show whole: the first admin's setup link on a new install,
    /// which the portal itself writes under this metadata key (no request can set a key).
    /// Its control characters are still escaped.
    static let firstAdminLinkKey = "first-admin-link"

    /// Everything after `setup/` in any path (`/setup/{token}`, `/app/setup/{token}`), also
    /// when its slashes are percent-encoded, up to the query, the fragment or a space: the
    /// router reads `/setup//{token}` and `/setup/./{token}` as the same link, so no segment
    /// after `setup/` is safe to keep.
    /// The same holds for the single-use login links the API hands out (`/app/login-as/{token}`)
    /// and for the digest emails' unsubscribe links (`/unsubscribe/{token}`).
    private nonisolated(unsafe) static let tokenSegment = /(?i)((?:\/|%2f)(?:setup|login-as|unsubscribe)(?:\/|%2f))[^?#\s]+/

    /// Credentials in whatever reaches a log line by way of a described request or error:
    /// a bearer token (ours start `opk_`), or an Authorization or Cookie header's value.
    private nonisolated(unsafe) static let credential = /(?i)(bearer\s+|authorization\s*[:=]\s*"?(?:(?:bearer|basic)\s+)?|cookie\s*[:=]\s*"?)[^\s;,"\]\)]+|opk_[A-Za-z0-9_\-]+/

    static func clean(_ text: String) -> String {
        var escaped = escapeControlCharacters(text)
        let words = Words(escaped)
        if words.mayContain("bearer") || words.mayContain("opk_") || words.mayContain("authorization") || words.mayContain("cookie") {
            escaped = escaped.replacing(credential) { match in (match.output.1 ?? "") + redacted }
        }
        guard words.mayContain("setup") || words.mayContain("login-as") || words.mayContain("unsubscribe") else { return escaped }
        return escaped.replacing(tokenSegment) { match in match.output.1 + redacted }
    }

    /// Whether a text may hold a word, in any case, before an expression looks for it: most log
    /// text holds none of them, and most is ASCII, searched here byte by byte. Text with any other
    /// character is left to the expressions (Unicode case folding maps a few other letters to
    /// ASCII ones, the Kelvin sign to "k" for one).
    private struct Words {
        private let folded: [UInt8]?

        init(_ text: String) {
            var bytes = Array(text.utf8)
            guard !bytes.contains(where: { $0 >= 0x80 }) else { folded = nil; return }
            for index in bytes.indices where (0x41...0x5A).contains(bytes[index]) { bytes[index] |= 0x20 }
            folded = bytes
        }

        func mayContain(_ word: StaticString) -> Bool {
            guard let folded else { return true }
            let needle = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard needle.count <= folded.count else { return false }
            return (0...(folded.count - needle.count)).contains { start in
                folded[start] == needle[0] && (1..<needle.count).allSatisfy { folded[start + $0] == needle[$0] }
            }
        }
    }

    static func escapeControlCharacters(_ text: String) -> String {
        // Printable ASCII, the usual case, needs no look at Unicode properties.
        guard !text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) else { return text }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else { out.append(scalar); continue }
            let escape: String = switch scalar {
            case "\n": "\\n"
            case "\r": "\\r"
            case "\t": "\\t"
            default: "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    /// Control characters, and the Unicode line and paragraph separators some viewers break on.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0x85
    }

    static func clean(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(clean(text))
        case .stringConvertible(let convertible): .string(clean(convertible.description))
        case .array(let values): .array(values.map(clean))
        case .dictionary(let metadata): .dictionary(clean(metadata))
        }
    }

    static func clean(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var cleaned = Logger.Metadata()
        for (key, value) in metadata { cleaned[clean(key)] = clean(value) }
        return cleaned
    }
}

/// Passes every log event to another handler after `LogSanitizer` has cleaned its message,
/// metadata (the event's, the logger's and a provider's) and error description.
struct SanitizingLogHandler: LogHandler {
    private var inner: any LogHandler

    init(wrapping inner: any LogHandler) {
        if let already = inner as? SanitizingLogHandler {
            self = already
        } else {
            self.inner = inner
            self.inner.metadata = LogSanitizer.clean(inner.metadata)
            self.metadataProvider = inner.metadataProvider
        }
    }

    /// Whether the handler behind this one writes JSON lines.
    var writesJSON: Bool { inner is JSONLogHandler }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = LogSanitizer.clean(newValue) }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue.map { provider in Logger.MetadataProvider { LogSanitizer.clean(provider.get()) } } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(LogSanitizer.clean) }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: LogSanitizer.clean(event.message.description))
        var metadata = event.metadata.map(LogSanitizer.clean)
        if case .string(let link) = event.metadata?[LogSanitizer.firstAdminLinkKey] {
            metadata?[LogSanitizer.firstAdminLinkKey] = .string(LogSanitizer.escapeControlCharacters(link))
        }
        if let error = event.error {
            // Handlers print an error's description as they find it; hand it over cleaned.
            metadata = metadata ?? [:]
            metadata?["error.message"] = .string(LogSanitizer.clean("\(error)"))
            metadata?["error.type"] = .string(String(reflecting: type(of: error)))
            event.error = nil
        }
        event.metadata = metadata
        inner.log(event: event)
    }
}

extension Logger {
    /// The same logger with every line passed through `LogSanitizer`.
    func sanitized() -> Logger {
        var logger = self
        logger.handler = SanitizingLogHandler(wrapping: handler)
        return logger
    }
}
