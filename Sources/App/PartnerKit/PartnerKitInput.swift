import Foundation
import Vapor

/// Validation of partner kit materials, shared by the page and the API. The rules are the
/// ones `openapi.yaml` states (lengths in code points, as JSON Schema counts them), so the
/// API refuses exactly what its document says is invalid.
enum PartnerKitInput {
    static let maxTitleLength = 200
    static let maxDescriptionLength = 2000
    static let maxURLLength = 2000
    static let maxFileNameLength = 255
    /// 20 MB, the largest file the kit takes.
    static let maxFileBytes = 20 * 1024 * 1024

    /// What is wrong, by field, in words to show next to it.
    struct Invalid: Error, Equatable, Sendable {
        var fields: [String: String] = [:]
        /// Set when the file alone is over `maxFileBytes`: 413 rather than 400.
        var fileTooLarge = false

        var isEmpty: Bool { fields.isEmpty }
        subscript(field: String) -> String? { fields[field] }
        var summary: String { fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " ") }

        var error: PortalError {
            fileTooLarge
                ? PortalError(status: .payloadTooLarge, title: "Payload too large", detail: summary)
                : .badRequest(summary)
        }
    }

    struct Link: Sendable, Equatable {
        var title: String
        var summary: String
        var url: String
    }

    struct File: Sendable {
        var title: String
        var summary: String
        var fileName: String
        var contentType: String
        var contents: Data
    }

    static func link(title: String, description: String, url: String) throws(Invalid) -> Link {
        var invalid = Invalid()
        let title = check(title: title, into: &invalid)
        let summary = check(description: description, into: &invalid)
        if !isLink(url) {
            invalid.fields["url"] = "Enter a web address starting with http:// or https://, of at most \(maxURLLength) characters."
        }
        guard invalid.isEmpty else { throw invalid }
        return Link(title: title, summary: summary, url: url)
    }

    /// `contentType` nil means "work it out from the file name".
    static func file(title: String, description: String, fileName: String, contentType: String?, contents: Data) throws(Invalid) -> File {
        var invalid = Invalid()
        let title = check(title: title, into: &invalid)
        let summary = check(description: description, into: &invalid)
        if contents.isEmpty {
            invalid.fields["file"] = fileName.isEmpty ? "Choose a file to upload." : "This file is empty."
        } else if contents.count > maxFileBytes {
            invalid.fields["file"] = "This file is larger than 20 MB, the most the partner kit takes."
            invalid.fileTooLarge = true
        }
        let name = sanitizedFileName(fileName)
        var type = mediaType(name: name)
        if let contentType {
            if let given = normalizedMediaType(contentType) { type = given } else { invalid.fields["contentType"] = "Use a media type like application/pdf." }
        }
        guard invalid.isEmpty else { throw invalid }
        return File(title: title, summary: summary, fileName: name, contentType: type, contents: contents)
    }

    // MARK: - Fields

    /// 1 to 200 code points without control characters, not only spaces; stored trimmed.
    private static func check(title raw: String, into invalid: inout Invalid) -> String {
        let title = DisplayText.trimmed(raw) ?? ""
        if title.isEmpty {
            invalid.fields["title"] = "Enter a title."
        } else if raw.unicodeScalars.count > maxTitleLength {
            invalid.fields["title"] = "Use at most \(maxTitleLength) characters."
        } else if raw.unicodeScalars.contains(where: isControl) {
            invalid.fields["title"] = "Remove the control characters."
        }
        return title
    }

    /// Up to 2000 code points; line breaks and tabs are fine, other control characters are not.
    private static func check(description raw: String, into invalid: inout Invalid) -> String {
        if raw.unicodeScalars.count > maxDescriptionLength {
            invalid.fields["description"] = "Use at most \(maxDescriptionLength) characters."
        } else if raw.unicodeScalars.contains(where: { isControl($0) && !["\t", "\n", "\r"].contains($0) }) {
            invalid.fields["description"] = "Remove the control characters."
        }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    /// An absolute http(s) address, as the document's pattern says:
    /// `^[Hh][Tt][Tt][Pp][Ss]?://[^\u0000-\u0020\u007F-\u009F/?#@\\]+([/?#][^\u0000-\u0020\u007F-\u009F]*)?$`
    /// (a host without user info, then any path, query or fragment, no spaces or control characters).
    static func isLink(_ url: String) -> Bool {
        let scalars = Array(url.unicodeScalars)
        guard scalars.count <= maxURLLength else { return false }
        // Compared scalar by scalar: as Characters, "http://" followed by a combining mark or an
        // emoji modifier would not start with "http://" (the mark joins the slash).
        let head = scalars.prefix(8).map(asciiLowercased)
        let schemeLength = head.starts(with: "https://".unicodeScalars) ? 8 : head.starts(with: "http://".unicodeScalars) ? 7 : 0
        guard schemeLength > 0 else { return false }
        let rest = scalars.dropFirst(schemeLength)
        func forbidden(_ scalar: Unicode.Scalar) -> Bool { scalar.value <= 0x20 || (0x7F...0x9F).contains(scalar.value) }
        let host = rest.prefix { !["/", "?", "#"].contains($0) }
        return !host.isEmpty && !host.contains { $0 == "@" || $0 == "\\" } && !rest.contains(where: forbidden)
    }

    private static func asciiLowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
    }

    // MARK: - Files

    /// What the API's `fileName` must look like: 1 to 255 code points without control
    /// characters, slashes or backslashes, not only spaces.
    static func isPlainFileName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        return (1...maxFileNameLength).contains(scalars.count)
            && !scalars.contains { isControl($0) || $0 == "/" || $0 == "\\" }
            && scalars.contains { !CharacterSet.whitespacesAndNewlines.contains($0) }
    }

    /// A name safe to store and to send back in `Content-Disposition`: the last path
    /// component, without control characters, direction overrides (which can disguise an
    /// extension), quotes or characters Windows refuses; trimmed of spaces and dots; at most
    /// 255 code points, keeping a short extension; never empty.
    static func sanitizedFileName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = ""
        for scalar in last.unicodeScalars where !isControl(scalar) && !isInvisibleFormatting(scalar) {
            cleaned.unicodeScalars.append("\"*:<>?|".unicodeScalars.contains(scalar) ? "_" : scalar)
        }
        var name = cleaned.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ".")))
        if name.unicodeScalars.count > maxFileNameLength {
            let ext = name.lastIndex(of: ".").map { String(name[$0...]) } ?? ""
            let kept = ext.unicodeScalars.count <= 16 ? ext : ""
            name = String(Substring(name.unicodeScalars.prefix(maxFileNameLength - kept.unicodeScalars.count))) + kept
        }
        return name.isEmpty ? "file" : name
    }

    /// C1 controls and the bidirectional overrides and isolates.
    private static func isInvisibleFormatting(_ scalar: Unicode.Scalar) -> Bool {
        (0x80...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `type/subtype` from RFC 6838's restricted names, lowercased; nil when it is not one.
    /// The document's pattern: `^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`.
    static func normalizedMediaType(_ raw: String) -> String? {
        let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-")
        func isName(_ part: Substring) -> Bool {
            (1...127).contains(part.count) && part.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true && part.allSatisfy(allowed.contains)
        }
        guard parts.count == 2, isName(parts[0]), isName(parts[1]) else { return nil }
        return raw.lowercased()
    }

    /// The media type a file name suggests, or `application/octet-stream`.
    static func mediaType(name: String) -> String {
        guard let dot = name.lastIndex(of: "."), let type = HTTPMediaType.fileExtension(String(name[name.index(after: dot)...]).lowercased())
        else { return "application/octet-stream" }
        return "\(type.type)/\(type.subType)"
    }

    /// The type a browser receives a file as: its own for images and PDFs, which browsers
    /// show safely; everything else (HTML and SVG above all) as opaque bytes.
    static func servedMediaType(_ stored: String?) -> String {
        let shownInline: Set<String> = ["application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"]
        if let stored, shownInline.contains(stored) { return stored }
        return "application/octet-stream"
    }

    /// `attachment` with the name quoted for every browser: an ASCII `filename` (other
    /// characters, quotes and backslashes replaced by `_`), and the exact name as RFC 6266's
    /// `filename*` when the two differ.
    static func contentDisposition(fileName: String) -> String {
        var fallback = ""
        for scalar in fileName.unicodeScalars {
            fallback.unicodeScalars.append((0x20...0x7E).contains(scalar.value) && scalar != "\"" && scalar != "\\" ? scalar : "_")
        }
        guard fallback != fileName else { return "attachment; filename=\"\(fallback)\"" }
        // RFC 8187 attr-char; every other byte of the UTF-8 is percent-encoded.
        let attrChars = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8)
        let hex = Array("0123456789ABCDEF")
        let encoded = fileName.utf8.map { byte in
            attrChars.contains(byte) ? String(UnicodeScalar(byte)) : "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
        }.joined()
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }
}

/// Sizes as people read them: "900 bytes", "12 KB", "2.4 MB" (1 KB = 1024 bytes).
enum ByteSize {
    static func text(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) byte\(bytes == 1 ? "" : "s")" }
        let units = ["KB", "MB", "GB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        let rounded = value < 10 ? (value * 10).rounded() / 10 : value.rounded()
        let number = rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
        return "\(number) \(units[unit])"
    }
}
