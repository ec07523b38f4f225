import Fluent
import Foundation

/// The widget a business embeds on its own web site: a script that adds a "Book now" button
/// opening the business page, and that tells the portal where it is shown (the account's
/// Sites, which the Activity tab lists).
enum WidgetScript {
    /// Everything the script needs, written into it as JSON: no text reaches the script
    /// any other way.
    struct Config: Encodable, Sendable, Equatable {
        /// The business page, absolute: the button opens it.
        let page: String
        /// Where the script reports the embedding page from the browser.
        let seen: String
        let label: String
        let background: String
        let color: String
    }

    static func config(for account: Account, partner: Partner?, baseURL: String) -> Config {
        let brand = BrandColor.sanitized(account.brandColor ?? partner?.brandColor ?? Partner.defaultBrandColor)
        return Config(page: baseURL + SiteURL.businessPage(key: BusinessPages.key(of: account)).path,
                      seen: baseURL + SiteURL.widgetSeen(uid: account.businessUID).path,
                      label: "Book now", background: brand, color: BrandColor.textColor(on: brand))
    }

    /// The script. It works under a strict Content-Security-Policy on the embedding site: no
    /// eval, no markup or style text; the button is made with DOM calls and styled through
    /// `element.style`, which CSP does not restrict.
    static func source(_ config: Config) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        return """
        (function () {
          "use strict";
          var config = \(json);
          var script = document.currentScript;

          function place() {
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = config.label;
            var style = button.style;
            style.backgroundColor = config.background;
            style.color = config.color;
            style.border = "0";
            style.borderRadius = "6px";
            style.padding = "10px 18px";
            style.font = "600 16px/1.25 system-ui, sans-serif";
            style.cursor = "pointer";
            button.addEventListener("click", function () {
              window.open(config.page, "_blank", "noopener");
            });
            if (script && script.parentNode && document.body && document.body.contains(script)) {
              script.parentNode.insertBefore(button, script.nextSibling);
            } else {
              document.body.appendChild(button);
            }
          }

          // The script itself may come from a cache (it is cacheable for a few minutes), and
          // then the portal never hears where it was shown. This small request is never
          // cached and carries the page's Origin, so the site is recorded all the same; the
          // portal limits how often it writes anything for it.
          function ping() {
            if (typeof fetch !== "function") { return; }
            fetch(config.seen, { method: "GET", mode: "cors", credentials: "omit", cache: "no-store" })
              .catch(function () {});
          }

          if (document.body) { place(); } else { document.addEventListener("DOMContentLoaded", place); }
          ping();
        })();

        """
    }

    /// What the owner pastes into their site. Shown as text, never written as markup.
    static func embedSnippet(for account: Account, baseURL: String) -> String {
        "<script src=\"\(baseURL + SiteURL.widgetScript(uid: account.businessUID).path)\" async></script>"
    }

    static let notFound = "/* There is no booking widget at this address: copy the snippet again from your dashboard. */\n"
}

/// The embedding sites of an account's widget, as the script's requests report them. Anyone
/// can send such a request with any header, so what is written is limited: a known site's
/// last visit moves at most once a minute, and an account takes at most a few new sites an
/// hour and a bounded number in all.
enum WidgetSites {
    static let refreshInterval: TimeInterval = 60
    static let newSitesPerHour = 20
    static let maxSites = 500

    /// The embedding page's host, from `Origin`, else from `Referer`; nil when neither names a
    /// valid host (an opaque "null" origin, a file, an address without a dot).
    static func embeddingHost(origin: String?, referer: String?) -> String? {
        if let origin = origin?.trimmingCharacters(in: .whitespaces), !origin.isEmpty {
            return origin == "null" ? nil : AccountActivity.normalizeHost(origin)
        }
        guard let referer = referer?.trimmingCharacters(in: .whitespaces), !referer.isEmpty else { return nil }
        return AccountActivity.normalizeHost(referer)
    }

    /// Records that the widget of `account` was shown on `host`, within the limits; returns
    /// whether anything was written.
    @discardableResult
    static func record(host: String, account: Account, now: Date = Date(), on db: any Database) async throws -> Bool {
        let accountID = try account.requireID(), partnerID = account.partnerID
        let sites = { AccountSite.query(on: db).filter(\.$partnerID == partnerID).filter(\.$accountID == accountID) }
        if let known = try await sites().filter(\.$host == host).first() {
            guard known.lastSeenAt < now.addingTimeInterval(-refreshInterval) else { return false }
            try await sites().filter(\.$id == known.requireID()).filter(\.$lastSeenAt < now.addingTimeInterval(-refreshInterval))
                .set(\.$lastSeenAt, to: now).update()
            try await AccountActivityClock.touch(accountID: accountID, partnerID: partnerID, at: now, on: db)
            return true
        }
        // Counted before writing, so two requests at once may each take the last place: the
        // bound is loose by the number of concurrent requests, which is enough against a flood.
        guard try await sites().filter(\.$firstSeenAt > now.addingTimeInterval(-3_600)).count() < newSitesPerHour,
              try await sites().count() < maxSites
        else { return false }
        let inserted = try await db.sql.insert(into: AccountSite.schema)
            .columns("id", "partner_id", "account_id", "host", "first_seen_at", "last_seen_at")
            .values(UUID(), partnerID, accountID, host, now, now)
            .ignoringConflicts(with: ["account_id", "host"]).returning("id").all()
        guard !inserted.isEmpty else { return false }
        try await AccountActivityClock.touch(accountID: accountID, partnerID: partnerID, at: now, on: db)
        return true
    }
}
