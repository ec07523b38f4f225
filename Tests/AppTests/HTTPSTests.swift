@testable import App
import Fluent
import Testing
import Vapor
import VaporTesting

/// Finding 11 (HTTPS): HSTS and `__Host-` cookies whenever the request is HTTPS, today's
/// names over plain HTTP.
@Suite struct HTTPSTests {
    private static let https: HTTPHeaders = ["X-Forwarded-Proto": "https"]

    private func send(_ portal: TestPortal, _ method: HTTPMethod, _ path: String, form: [String: String]? = nil,
                      headers extra: HTTPHeaders, browser: Browser) async throws -> TestingHTTPResponse {
        var headers = extra
        var body: ByteBuffer? = nil
        if let form {
            headers.contentType = .urlEncodedForm
            body = ByteBuffer(string: form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&"))
        }
        let response = try await portal.send(method, path, headers: headers, cookies: browser, body: body)
        browser.absorb(response)
        return response
    }

    private func signIn(_ portal: TestPortal, headers: HTTPHeaders) async throws -> (Browser, [TestingHTTPResponse]) {
        let browser = Browser()
        let page = try await send(portal, .GET, "/sign-in", headers: headers, browser: browser)
        let password = try await send(portal, .POST, "/sign-in", form: ["email": "ada@example.com", "password": "correct horse battery",
                                                                      "csrf_token": page.csrfToken ?? ""], headers: headers, browser: browser)
        let code = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
        let done = try await send(portal, .POST, "/sign-in/code", form: ["code": code, "csrf_token": page.csrfToken ?? ""], headers: headers, browser: browser)
        #expect(done.status == .seeOther)
        return (browser, [page, password, done])
    }

    @Test func overHTTPSThroughATrustedProxyCookiesAreHostPrefixedAndHSTSIsSent() async throws {
        try await TestPortal.run(adjust: { $0.trustProxy = true }) { portal in
            try await portal.makeOperator()
            let (browser, responses) = try await signIn(portal, headers: Self.https)
            for response in responses {
                #expect(response.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
            }
            let csrf = try #require(responses[0].setCookie("__Host-portal_csrf"))
            let challenge = try #require(responses[1].setCookie("__Host-portal_challenge"))
            let session = try #require(responses[2].setCookie("__Host-portal_session"))
            for cookie in [csrf, challenge, session] {
                #expect(cookie.contains("Secure") && cookie.contains("Path=/") && cookie.contains("HttpOnly") && !cookie.lowercased().contains("domain="))
            }
            for response in responses {
                #expect(response.setCookie(SessionCookies.session) == nil && response.setCookie(SessionCookies.csrf) == nil)
            }
            #expect(browser.jar["__Host-portal_session"] != nil)
            let home = try await send(portal, .GET, "/", headers: Self.https, browser: browser)
            #expect(home.status == .ok && home.text.contains("Ada Admin"))

            // Over HTTPS a cookie under the plain name could have been planted; it is not read.
            let planted = Browser()
            planted.jar[SessionCookies.session] = try #require(browser.jar["__Host-portal_session"])
            #expect(try await send(portal, .GET, "/", headers: Self.https, browser: planted).status == .seeOther)
        }
    }

    @Test func overPlainHTTPNamesStayAndNoHSTS() async throws {
        try await TestPortal.run(adjust: { $0.trustProxy = true }) { portal in
            try await portal.makeOperator()
            let (browser, responses) = try await signIn(portal, headers: [:])
            for response in responses {
                #expect(response.headers.first(name: "Strict-Transport-Security") == nil)
            }
            #expect(responses[0].setCookie(SessionCookies.csrf).map { !$0.contains("Secure") } == true)
            #expect(responses[2].setCookie(SessionCookies.session) != nil)
            #expect(browser.jar.keys.allSatisfy { !$0.hasPrefix("__Host-") })
        }
    }

    @Test func aProtoHeaderFromAnUntrustedPeerIsIgnored() async throws {
        try await TestPortal.run(adjust: { $0.trustProxy = true; $0.trustedProxies = TrustedProxies(ranges: [CIDR("10.0.0.0/8")!]) }) { portal in
            let response = try await portal.send(.GET, "/sign-in", headers: Self.https)
            #expect(response.headers.first(name: "Strict-Transport-Security") == nil)
            #expect(response.setCookie(SessionCookies.csrf) != nil)
        }
    }
}
