import Crypto
import Foundation

/// An uploaded logo, known by its bytes alone: PNG and JPEG by their signatures, SVG by
/// parsing as XML whose root is `<svg>` (and then rebuilt from an allow-list by
/// `SVGSanitizer`). The file's name and the type it was sent with are never believed.
struct LogoImage: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case png = "image/png"
        case jpeg = "image/jpeg"
        case svg = "image/svg+xml"
    }

    let kind: Kind
    /// What is stored and served: the file itself, or for SVG its sanitised rebuild.
    let contents: Data

    /// 512 KiB, the largest logo taken (before an SVG is sanitised).
    static let maxBytes = 512 * 1024

    /// Why a file is not taken, in the words shown next to the field.
    enum Refusal: Error, Equatable, Sendable {
        case empty, tooLarge, notAnImage

        var message: String {
            switch self {
            case .empty: "This file is empty. Choose a PNG, JPEG or SVG image."
            case .tooLarge: "This file is larger than 512 KiB, the most a logo may be."
            case .notAnImage: "This file is not a PNG, JPEG or SVG image, whatever its name says. Choose one of those."
            }
        }
    }

    var digest: String { Hex.string(SHA256.hash(data: contents)) }

    /// The image in `data`, or why it is refused.
    static func read(_ data: Data) throws(Refusal) -> LogoImage {
        guard !data.isEmpty else { throw .empty }
        guard data.count <= maxBytes else { throw .tooLarge }
        switch sniff(data) {
        case .png: return LogoImage(kind: .png, contents: data)
        case .jpeg: return LogoImage(kind: .jpeg, contents: data)
        case .svg:
            guard let clean = SVGSanitizer.sanitize(data) else { throw .notAnImage }
            guard clean.count <= maxBytes else { throw .tooLarge }
            return LogoImage(kind: .svg, contents: clean)
        case nil: throw .notAnImage
        }
    }

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// What the bytes look like: a PNG or JPEG signature, or text that may be an SVG
    /// (`SVGSanitizer` decides).
    static func sniff(_ data: Data) -> Kind? {
        let head = [UInt8](data.prefix(8))
        if head == pngSignature { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        return SVGSanitizer.looksLikeMarkup(data) ? .svg : nil
    }

    /// "12 KiB" (whole KiB, at least 1), or "812 bytes".
    static func sizeText(_ bytes: Int64) -> String {
        bytes < 1024 ? "\(bytes) byte\(bytes == 1 ? "" : "s")" : "\(max(1, Int64((Double(bytes) / 1024).rounded()))) KiB"
    }
}
