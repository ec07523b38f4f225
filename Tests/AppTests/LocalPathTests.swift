@testable import App
import Fluent
import Testing
import Vapor
import VaporTesting

/// Finding 4: `next` after sign-in only ever names a page of this site.
@Suite struct LocalPathTests {
    @Test(arguments: [
        "/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example",
        "/%5Cevil", "%0d%0a", "/%0d%0aLocation:%20https://evil.example", "javascript:alert(1)", "", " /accounts",
        "/\t/evil.example", "/%252F%252Fevil.example", "/accounts\n", "evil.example", "/%zz", "/a//b", "/%E2%80%AE/evil",
        // A slash followed by a combining mark or an emoji modifier is one Character, but `//` to a browser.
        "//\u{338}evil.example", "//\u{1F3FB}evil.ws", "/%2F%F0%9F%8F%BBevil.ws", "//%CC%B8evil.example", "/\\\u{338}evil.example", "/a//\u{338}b",
    ])
    func refusesAnythingButALocalPath(_ value: String) {
        #expect(LocalPath.validated(value) == nil, "accepted \(value.debugDescription)")
    }

    @Test(arguments: ["/accounts?status=active", "/", "/operators/3f1c", "/accounts?q=caf%C3%A9", "/groups#tree"])
    func acceptsLocalPaths(_ value: String) {
        #expect(LocalPath.validated(value) == value)
    }

    @Test func theRedirectToSignInCarriesOnlyALocalNext() {
        #expect(RequireSignedIn.nextQuery(for: "/accounts") == "?next=/accounts")
        #expect(RequireSignedIn.nextQuery(for: "/") == "")
        #expect(RequireSignedIn.nextQuery(for: "//evil.example") == "")
    }

    @Test(arguments: ["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example",
                      "//\u{1F3FB}evil.example"])
    func signingInWithAHostileNextLandsAtHome(_ next: String) async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(secondFactor: nil)
            portal.partner.secondFactorRequired = false
            try await portal.partner.update(on: portal.db)
            let browser = Browser()
            let page = try await portal.visit("/sign-in?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), browser: browser)
            #expect(!page.text.contains("evil.example"))
            let response = try await portal.submit("/sign-in", ["email": "ada@example.com", "password": "correct horse battery",
                                                                "next": next, "csrf_token": page.csrfToken ?? ""], browser: browser)
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/")
        }
    }

    @Test func signingInWithALocalNextGoesThere() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(secondFactor: nil)
            portal.partner.secondFactorRequired = false
            try await portal.partner.update(on: portal.db)
            let browser = Browser()
            let page = try await portal.visit("/sign-in", browser: browser)
            let response = try await portal.submit("/sign-in", ["email": "ada@example.com", "password": "correct horse battery",
                                                                "next": "/accounts?status=active", "csrf_token": page.csrfToken ?? ""], browser: browser)
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/accounts?status=active")
        }
    }
}
