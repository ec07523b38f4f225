import Foundation

/// The 30-day screening of new accounts' outbound messages (seed 001 §3.6): to keep the
/// platform from being used for spam, a reply or announcement sent during an account's first
/// 30 days may not hold an external link, unless an operator enabled "send links" on it.
///
/// A link is any of, compared without regard to case:
/// - `http://` or `https://` anywhere;
/// - a word starting with `www.`;
/// - a bare web address: a word whose host part (before any `/`, `?`, `#` or `:`) is two or
///   more labels of letters, digits and hyphens, the last one a two-letter country code or a
///   common generic top-level domain (`example.com`, `shop.example.co.uk/offer`).
/// A word is what lies between white space, with brackets, quotes and punctuation around it
/// removed. An email address is not a link, so a word with `@` in it is not read as one.
enum MessageScreening {
    static let period: TimeInterval = 30 * 86_400

    /// When the screening of an account created at `createdAt` ends; an account without a
    /// creation time is screened.
    static func screenedUntil(createdAt: Date?) -> Date {
        createdAt.map { $0.addingTimeInterval(period) } ?? .distantFuture
    }

    static func isScreened(createdAt: Date?, sendLinksEnabled: Bool, now: Date) -> Bool {
        !sendLinksEnabled && now < screenedUntil(createdAt: createdAt)
    }

    private static let genericTopLevelDomains: Set<String> = [
        "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "io", "app", "dev", "xyz", "online", "site", "shop",
        "store", "top", "club", "link", "click", "live", "life", "email", "page", "blog", "tech", "website", "space", "fun",
        "pro", "mobi", "name", "cloud", "art", "design", "agency", "company", "digital", "media", "news", "world", "today",
        "rocks", "vip", "win", "bid", "loan", "work", "men", "date", "download", "stream", "icu", "cyou", "buzz", "monster",
    ]

    private static let hostCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-")

    /// Whether `text` holds an external link by the rule above.
    static func containsLink(_ text: String) -> Bool {
        let lowered = text.lowercased()
        if lowered.contains("http://") || lowered.contains("https://") { return true }
        let words = lowered.split(whereSeparator: { $0.isWhitespace })
        return words.contains { word in
            let trimmed = word.drop(while: { !$0.isLetter && !$0.isNumber }).reversed().drop(while: { !$0.isLetter && !$0.isNumber }).reversed()
            let candidate = String(trimmed)
            if candidate.hasPrefix("www.") { return true }
            if candidate.contains("@") { return false }
            let host = candidate.prefix { !"/?#:".contains($0) }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy(hostCharacters.contains) }),
                  let last = labels.last
            else { return false }
            let tld = String(last)
            return (tld.count == 2 && tld.allSatisfy { $0.isASCII && $0.isLetter }) || genericTopLevelDomains.contains(tld)
        }
    }
}

extension AccessPolicy {
    /// Whether the account may send `text` to its customers now.
    static func maySend(_ text: String, createdAt: Date?, sendLinksEnabled: Bool, now: Date) -> Decision {
        guard MessageScreening.isScreened(createdAt: createdAt, sendLinksEnabled: sendLinksEnabled, now: now),
              MessageScreening.containsLink(text)
        else { return .allow }
        return .deny(.linksScreened)
    }
}
