import Foundation

/// An http or https address outside the portal (a partner kit link, a partner's logo, an
/// address in a message). Anything else, `javascript:` included, is refused when made.
struct ExternalURL: Sendable, Equatable {
    let value: String

    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) || $0 == "\\" }),
              let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return nil }
        value = trimmed
    }
}

/// Where a link or a form may point, other than a bare `SiteURL` or `ExternalURL`.
struct LinkTarget: Sendable, Equatable {
    let value: String

    private init(value: String) { self.value = value }

    /// A portal page with a query string made by the page's own code (values already
    /// percent-encoded): it cannot change the scheme or host, the path starts with "/".
    static func site(_ url: SiteURL, query: String = "") -> LinkTarget {
        LinkTarget(value: url.path + (query.isEmpty || query.hasPrefix("?") ? query : "?" + query))
    }

    /// A place on the same page.
    static func fragment(_ id: StaticString) -> LinkTarget { LinkTarget(value: "#\(id)") }

    /// A place on a portal page, by an element id the page's own code chose (letters,
    /// digits and "-" only; anything else is left out).
    static func site(_ url: SiteURL, fragment: String) -> LinkTarget {
        let id = String(fragment.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            .map(Character.init))
        return LinkTarget(value: url.path + (id.isEmpty ? "" : "#" + id))
    }

    static func external(_ url: ExternalURL) -> LinkTarget { LinkTarget(value: url.value) }

    /// A path on this site from elsewhere (a `next` address): only "/…", never "//…", a
    /// backslash or a control character, before and after percent-decoding.
    static func localPath(_ path: String) -> LinkTarget? {
        // Bytes, not Characters: "/" followed by a combining mark is one Character that is not "/".
        func isLocal(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return bytes.first == UInt8(ascii: "/") && bytes.dropFirst().first != UInt8(ascii: "/") && !bytes.contains(UInt8(ascii: "\\"))
                && !text.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }
        }
        guard isLocal(path), isLocal(path.removingPercentEncoding ?? "") else { return nil }
        return LinkTarget(value: path)
    }

    /// The `otpauth://` address that opens an authenticator app with a new key.
    static func authenticatorApp(_ uri: String) -> LinkTarget? {
        guard uri.hasPrefix("otpauth://"), !uri.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else { return nil }
        return LinkTarget(value: uri)
    }
}
