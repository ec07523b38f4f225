@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The widget `/w/{businessUID}.js`: a cacheable script without cookies that adds a "Book
/// now" button, and records the embedding site (from `Origin`, else `Referer`) in the
/// account's Sites once, within limits, from the script and from its ping.
@Suite struct WidgetTests {
    func business(_ portal: TestPortal, adjust: (Account) -> Void = { _ in }) async throws -> Account {
        try await BusinessPageTests.business(portal, adjust: adjust)
    }

    func sites(_ portal: TestPortal, of account: Account) async throws -> [AccountSite] {
        try await AccountSite.query(on: portal.db).filter(\.$accountID == account.requireID()).all()
    }

    /// The JSON the script was given.
    func config(_ script: String) throws -> [String: String] {
        let start = try #require(script.range(of: "var config = "))
        let end = try #require(script.range(of: ";\n", range: start.upperBound..<script.endIndex))
        let json = Data(script[start.upperBound..<end.lowerBound].utf8)
        return try #require(try JSONSerialization.jsonObject(with: json) as? [String: String])
    }

    @Test func theScriptIsCacheableJavaScriptWithoutCookiesThatOpensTheBusinessPage() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            let response = try await portal.send(.GET, "/w/\(account.businessUID).js",
                                                 headers: ["Cookie": "portal_csrf=abc; portal_session=xyz", "Origin": "https://www.bakery.example"])
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentType) == "text/javascript; charset=utf-8")
            #expect(response.headers.first(name: .cacheControl) == "public, max-age=300")
            #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(response.headers.first(name: "Cross-Origin-Resource-Policy") == "cross-origin")
            #expect(response.headers[.setCookie].isEmpty)
            let config = try config(response.text)
            #expect(config["page"] == "http://portal.test/b/blue-bakery")
            #expect(config["seen"] == "http://portal.test/w/\(account.businessUID)/seen")
            #expect(config["label"] == "Book now" && config["background"] == "#AA3300")
            // Works under the embedding site's CSP: no eval, no markup or style text.
            for banned in ["eval(", "new Function", "innerHTML", "outerHTML", "document.write", "setAttribute", "cssText", "<"] {
                #expect(!response.text.contains(banned), "\(banned)")
            }
            #expect(response.text.contains("document.createElement(\"button\")"))
        }
    }

    @Test func aHostHeaderThatIsNotAHostNameNeverReachesTheScript() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            // A Host header that is not a host name never reaches the script (PartnerMiddleware).
            let response = try await portal.send(.GET, "/w/\(account.businessUID).js", host: "portal.test\";alert(1);//")
            #expect(response.status == .badRequest && !response.text.contains("alert(1)"))
        }
    }

    enum Hidden: String, CaseIterable { case unknown, locked, template, otherPartner, noSuffix }

    @Test(arguments: Hidden.allCases)
    func hiddenAccountsHaveNoWidget(_ hidden: Hidden) async throws {
        try await TestPortal.run { portal in
            var uid = "unknown-uid"
            switch hidden {
            case .unknown: _ = try await business(portal)
            case .locked: uid = try await business(portal) { $0.locked = true }.businessUID
            case .template: uid = try await business(portal) { $0.isTemplate = true }.businessUID
            case .otherPartner:
                let other = try await portal.makePartner(slug: "other", name: "Other Brand", domains: ["other.test"])
                uid = try await BusinessPageTests.business(portal, partner: other).businessUID
            case .noSuffix: uid = try await business(portal).businessUID
            }
            let path = hidden == .noSuffix ? "/w/\(uid)" : "/w/\(uid).js"
            let response = try await portal.send(.GET, path, headers: ["Origin": "https://www.bakery.example"])
            #expect(response.status == .notFound)
            #expect(response.headers.first(name: .contentType) == "text/javascript; charset=utf-8")
            #expect(response.text.hasPrefix("/*") && response.text.hasSuffix("*/\n"))
            if hidden != .noSuffix {
                #expect(try await portal.send(.GET, "/w/\(uid)/seen", headers: ["Origin": "https://www.bakery.example"]).status == .notFound)
            }
            #expect(try await AccountSite.query(on: portal.db).count() == 0)
        }
    }

    @Test func theEmbeddingSiteIsRecordedOnceForTheScriptAndItsPing() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            let origin: HTTPHeaders = ["Origin": "https://WWW.Bakery.example:8443"]
            #expect(try await portal.send(.GET, "/w/\(account.businessUID).js", headers: origin).status == .ok)
            let recorded = try #require(try await sites(portal, of: account).first)
            #expect(recorded.host == "www.bakery.example")
            let ping = try await portal.send(.GET, "/w/\(account.businessUID)/seen", headers: origin)
            #expect(ping.status == .noContent && ping.body.readableBytes == 0)
            #expect(ping.headers.first(name: .accessControlAllowOrigin) == "*")
            #expect(ping.headers.first(name: .cacheControl) == "no-store" && ping.headers[.setCookie].isEmpty)
            _ = try await portal.send(.GET, "/w/\(account.businessUID).js", headers: origin)
            let all = try await sites(portal, of: account)
            #expect(all.count == 1)
            #expect(all.first?.lastSeenAt == recorded.lastSeenAt, "last seen moves at most once a minute")
            #expect(try await Account.find(account.id, on: portal.db)?.lastActivityAt != nil)
        }
    }

    @Test func withoutAnOriginTheRefererNamesTheSite() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            _ = try await portal.send(.GET, "/w/\(account.businessUID)/seen", headers: ["Referer": "https://shop.example.com/cakes?ref=1#top"])
            #expect(try await sites(portal, of: account).map(\.host) == ["shop.example.com"])
        }
    }

    @Test(arguments: ["null", "file://", "http://localhost", "https://exa mple.com", "<script>", "http://portal.test:8080", "https://portal.test",
                      "chrome-extension://abcdef", "https://-bad-.example.com"])
    func originsThatNameNoOtherSiteAreIgnored(origin: String) async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            // An Origin, even one naming no site, is what counts: the Referer is not asked then.
            _ = try await portal.send(.GET, "/w/\(account.businessUID).js", headers: ["Origin": origin, "Referer": "https://fallback.example.com/"])
            _ = try await portal.send(.GET, "/w/\(account.businessUID)/seen", headers: ["Origin": origin])
            #expect(try await sites(portal, of: account).isEmpty, "\(origin)")
        }
    }

    @Test func thePartnersOwnDomainsAreNotEmbeddingSites() async throws {
        try await TestPortal.run { portal in
            let partner = try await portal.makePartner(slug: "own", name: "Own Brand", domains: ["own.partner.example", "book.partner.example"])
            let account = try await BusinessPageTests.business(portal, partner: partner)
            for origin in ["https://own.partner.example", "https://book.partner.example"] {
                let response = try await portal.send(.GET, "/w/\(account.businessUID).js", host: "own.partner.example", headers: ["Origin": origin])
                #expect(response.status == .ok)
            }
            _ = try await portal.send(.GET, "/w/\(account.businessUID)/seen", host: "own.partner.example",
                                      headers: ["Referer": "https://own.partner.example/b/blue-bakery"])
            #expect(try await sites(portal, of: account).isEmpty)
            _ = try await portal.send(.GET, "/w/\(account.businessUID)/seen", host: "own.partner.example", headers: ["Origin": "https://shop.example.com"])
            #expect(try await sites(portal, of: account).map(\.host) == ["shop.example.com"])
        }
    }

    @Test func theSiteNamesAreNormalised() {
        #expect(WidgetSites.embeddingHost(origin: "https://Shop.Example.com", referer: nil) == "shop.example.com")
        #expect(WidgetSites.embeddingHost(origin: nil, referer: "http://shop.example.com:8080/a/b") == "shop.example.com")
        #expect(WidgetSites.embeddingHost(origin: "null", referer: "https://shop.example.com/") == nil)
        #expect(WidgetSites.embeddingHost(origin: nil, referer: nil) == nil)
    }

    @Test func aFloodOfSitesIsCappedAndLastSeenMovesOnceAMinute() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            let now = Date()
            for index in 0..<WidgetSites.newSitesPerHour {
                #expect(try await WidgetSites.record(host: "site\(index).example.com", account: account, now: now, on: portal.db))
            }
            #expect(try await WidgetSites.record(host: "one-too-many.example.com", account: account, now: now.addingTimeInterval(60), on: portal.db) == false)
            #expect(try await sites(portal, of: account).count == WidgetSites.newSitesPerHour)
            // An hour on, new sites are taken again.
            let later = now.addingTimeInterval(3_601)
            #expect(try await WidgetSites.record(host: "one-too-many.example.com", account: account, now: later, on: portal.db))
            // A known site: not within the minute, then after it.
            #expect(try await WidgetSites.record(host: "site0.example.com", account: account, now: now.addingTimeInterval(30), on: portal.db) == false)
            #expect(try await WidgetSites.record(host: "site0.example.com", account: account, now: now.addingTimeInterval(61), on: portal.db))
            let site = try #require(try await sites(portal, of: account).first { $0.host == "site0.example.com" })
            #expect(abs(site.lastSeenAt.timeIntervalSince(now.addingTimeInterval(61))) < 1)
            #expect(abs(site.firstSeenAt.timeIntervalSince(now)) < 1)
        }
    }

    @Test func aFloodThroughTheScriptIsCappedToo() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            for index in 0..<(WidgetSites.newSitesPerHour + 5) {
                let response = try await portal.send(.GET, "/w/\(account.businessUID).js", headers: ["Origin": "https://flood\(index).example.com"])
                #expect(response.status == .ok, "the button is served all the same")
            }
            #expect(try await sites(portal, of: account).count == WidgetSites.newSitesPerHour)
        }
    }

    @Test func theDashboardShowsTheEmbedSnippetAndTheOperatorsActivityTabTheSite() async throws {
        try await TestPortal.run { portal in
            let account = try await business(portal)
            let owner = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy",
                                    email: "felix@bakery.example")
            owner.status = .active
            owner.passwordHash = try Bcrypt.hash(WorkspaceSignInTests.password, cost: 4)
            try await owner.create(on: portal.db)
            let browser = Browser()
            let form = try await portal.visit("/app/sign-in", browser: browser)
            _ = try await portal.submit("/app/sign-in", ["email": "felix@bakery.example", "password": WorkspaceSignInTests.password,
                                                         "csrf_token": form.csrfToken ?? ""], browser: browser)
            let dashboard = try await portal.visit("/app", browser: browser)
            #expect(dashboard.status == .ok)
            let snippet = "<script src=\"http://portal.test/w/\(account.businessUID).js\" async></script>"
            let texts = HTMLTokenizer.tokens(dashboard.text).compactMap { if case .text(let text) = $0 { text } else { nil } }
            #expect(texts.contains(snippet))
            #expect(!HTMLTokenizer.tags(dashboard.text).contains { $0.name == "script" })
            #expect(HTMLTokenizer.tags(dashboard.text).contains { $0.name == "a" && $0.value("href") == "/b/blue-bakery" })

            _ = try await portal.send(.GET, "/w/\(account.businessUID)/seen", headers: ["Origin": "https://www.bakery.example"])
            try await portal.makeOperator()
            let operatorBrowser = try await portal.signIn()
            let activity = try await portal.visit("/accounts/\(account.businessUID)/activity", browser: operatorBrowser)
            #expect(activity.status == .ok && activity.text.contains("www.bakery.example"))
        }
    }
}
