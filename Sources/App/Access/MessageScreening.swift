import Foundation

/// The 30-day screening of new accounts' outbound messages (seed 001 §3.6): to keep the
/// platform from being used for spam, a reply or announcement sent during an account's first
/// 30 days may not hold an external link, unless an operator enabled "send links" on it.
///
/// A link is any of, compared without regard to case after Unicode compatibility folding
/// (so `ｅｖｉｌ．ｃｏｍ` and `evil。com` read as `evil.com`):
/// - a scheme and its slashes, `http://`, `ftp://`, `https:/` and the like, anywhere;
/// - `www.` at the start of a host;
/// - a host: two or more labels of letters (any script), digits and hyphens, found wherever it
///   stands in the text (`see:evil.com`, `evil.com,now`, `evil.com/@promo`), whose last label is
///   a two-letter country code, a punycode label (`xn--…`) or a generic top-level domain in
///   use (`example.com`, `shop.example.co.uk/offer`, `evil.zip`).
/// An email address (`name@host`, nothing else attached) is not a link.
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
        "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "app", "dev", "xyz", "online", "site", "shop", "store",
        "top", "club", "link", "click", "live", "life", "email", "page", "blog", "tech", "website", "space", "fun", "pro",
        "mobi", "name", "cloud", "art", "design", "agency", "company", "digital", "media", "news", "world", "today", "rocks",
        "vip", "win", "bid", "loan", "work", "men", "date", "download", "stream", "icu", "cyou", "buzz", "monster", "zip", "mov",
        "support", "help", "services", "solutions", "network", "systems", "group", "global", "center", "zone", "one", "plus",
        "ltd", "inc", "llc", "gdn", "sbs", "cfd", "bond", "rest", "bar", "lol", "wtf", "porn", "sex", "xxx", "adult", "casino",
        "bet", "poker", "games", "game", "party", "review", "trade", "webcam", "science", "accountant", "faith", "racing",
        "cricket", "host", "press", "ink", "wiki", "run", "fit", "city", "best", "cam", "quest", "beauty", "hair", "skin",
        "makeup", "boutique", "fashion", "shopping", "sale", "deals", "discount", "coupons", "promo", "gift", "gifts", "money",
        "finance", "cash", "credit", "loans", "bank", "insure", "tax", "capital", "fund", "investments", "exchange", "market",
        "markets", "trading", "crypto", "tokyo", "london", "nyc", "berlin", "paris", "amsterdam", "africa", "asia", "new",
        "google", "amazon", "apple", "microsoft", "goog", "youtube", "web", "studio", "social", "chat", "video", "photo",
        "photos", "pics", "pictures", "show", "events", "tickets", "travel", "tours", "holiday", "hotel", "menu", "restaurant",
        "cafe", "pizza", "bio", "eco", "green", "energy", "solar", "auto", "car", "cars", "bike", "taxi", "delivery", "express",
        "direct",
    ]

    /// A scheme and at least one slash: `http://`, `ftp://`, `https:/`.
    private nonisolated(unsafe) static let scheme = /[a-z][a-z0-9+.\-]*:\/+/

    /// Whether `text` holds an external link by the rule above.
    static func containsLink(_ text: String) -> Bool {
        // Full-width letters and dots become their plain forms; the ideographic full stops too.
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
            .replacingOccurrences(of: "\u{3002}", with: ".").replacingOccurrences(of: "\u{FF61}", with: ".")
        if folded.contains(scheme) { return true }
        // Hosts are runs of letters, digits, hyphens and dots; anything else ends one. An `@`
        // is kept so that email addresses can be told apart.
        let runs = folded.split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "@") }
        return runs.contains { run in
            let parts = run.split(separator: "@", omittingEmptySubsequences: false)
            // `name@host` is an address; `@`s elsewhere do not hide a host beside them.
            let hosts = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty ? [] : parts
            return hosts.contains { isHost($0.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))) }
        }
    }

    private static func isHost(_ candidate: String) -> Bool {
        if candidate.hasPrefix("www.") && candidate.count > 4 { return true }
        let labels = candidate.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }),
              let last = labels.last
        else { return false }
        let tld = String(last)
        return (tld.count == 2 && tld.allSatisfy { $0.isASCII && $0.isLetter }) || tld.hasPrefix("xn--") || genericTopLevelDomains.contains(tld)
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
