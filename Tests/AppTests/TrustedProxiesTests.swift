@testable import App
import Fluent
import Testing
import Vapor
import VaporTesting

/// Finding 9: behind proxies the client is the rightmost address that is not a proxy of ours.
@Suite struct TrustedProxiesTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false),
        ("172.16.0.0/12", "172.31.255.255", true), ("172.16.0.0/12", "172.32.0.1", false),
        ("192.168.1.0/24", "192.168.1.77", true), ("192.168.1.7", "192.168.1.7", true), ("192.168.1.7", "192.168.1.8", false),
        ("0.0.0.0/0", "203.0.113.9", true), ("::1/128", "::1", true), ("::1/128", "::2", false),
        ("fc00::/7", "fd12:3456::1", true), ("fc00::/7", "fe00::1", false), ("fe80::/10", "fe80::1%eth0", true),
        ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("10.0.0.0/8", "::ffff:10.1.2.3", true), ("::ffff:10.0.0.0/104", "10.9.9.9", true), ("10.0.0.0/8", "2001:db8::1", false),
    ])
    func rangesMatch(_ range: String, _ address: String, _ inside: Bool) throws {
        let cidr = try #require(CIDR(range))
        let ip = try #require(IPAddress(address))
        #expect(cidr.contains(ip) == inside)
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0/8", "010.0.0.1", "1.2.3.4/", "::1/129", "1::2::3", "12345::", "fe80::/x", "", "a.b.c.d", "1.2.3.256"])
    func badRangesAreRefused(_ text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test func addressesPrintInShortForm() throws {
        #expect(try #require(IPAddress("2001:0db8:0:0:0:0:0:1")).description == "2001:db8::1")
        #expect(try #require(IPAddress("::ffff:192.0.2.1")).description == "192.0.2.1")
        #expect(try #require(IPAddress(forwardedValue: " [2001:db8::7]:443")).description == "2001:db8::7")
        #expect(try #require(IPAddress(forwardedValue: "198.51.100.4:8080")).description == "198.51.100.4")
    }

    @Test func theClientIsTheRightmostAddressOutsideTheProxies() throws {
        let proxies = TrustedProxies.default
        let proxy = try #require(IPAddress("10.0.0.5"))
        let outsider = try #require(IPAddress("203.0.113.50"))
        // The client wrote the leftmost value; our proxies appended the rest.
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["6.6.6.6, 198.51.100.7, 10.0.0.9"])?.description == "198.51.100.7")
        // Over several headers, in order.
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["6.6.6.6", "198.51.100.7", "10.0.0.9"])?.description == "198.51.100.7")
        // A peer that is not a proxy of ours is the client whatever it claims.
        #expect(proxies.clientAddress(peer: outsider, forwardedFor: ["198.51.100.7"]) == outsider)
        // Only proxies all the way: the leftmost is as far as we can see.
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["192.168.0.3, 10.0.0.9"])?.description == "192.168.0.3")
        // Garbage stops the walk at the last proxy read.
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["198.51.100.7, nonsense, 10.0.0.9"])?.description == "10.0.0.9")
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: [])?.description == "10.0.0.5")

        #expect(proxies.forwardedScheme(peer: proxy, forwardedProto: ["http, https"]) == "https")
        #expect(proxies.forwardedScheme(peer: proxy, forwardedProto: ["https", "http"]) == "http")
        #expect(proxies.forwardedScheme(peer: outsider, forwardedProto: ["https"]) == nil)
    }

    @Test func trustedProxiesAreConfigured() throws {
        let config = try AppConfig.from(environment: ["TRUSTED_PROXIES": "10.1.0.0/16, 2001:db8::/32"])
        #expect(config.trustedProxies.ranges.map(\.description) == ["10.1.0.0/16", "2001:db8::/32"])
        #expect(try AppConfig.from(environment: [:]).trustedProxies == .default)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["TRUSTED_PROXIES": "10.0.0.0/8, localhost"]) }
    }

    private func failSignIn(_ portal: TestPortal, email: String, forwardedFor: String) async throws -> HTTPResponseStatus {
        let browser = Browser()
        let page = try await portal.visit("/sign-in", browser: browser)
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        headers.add(name: "X-Forwarded-For", value: forwardedFor)
        let body = "email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&password=wrong&csrf_token=\(page.csrfToken ?? "")"
        return try await portal.send(.POST, "/sign-in", headers: headers, cookies: browser, body: ByteBuffer(string: body)).status
    }

    /// Requests made inside the process have no network peer and count as loopback, a proxy of ours by default.
    @Test func aForgedLeftmostForwardedForNeitherEscapesTheLimitNorReachesTheAudit() async throws {
        try await TestPortal.run(adjust: { $0.trustProxy = true; $0.signInFailuresPerIPPerMinute = 3 }) { portal in
            for attempt in 0..<3 {
                let status = try await failSignIn(portal, email: "nobody\(attempt)@example.com", forwardedFor: "203.0.113.\(attempt), 198.51.100.7")
                #expect(status == .unauthorized)
            }
            #expect(try await failSignIn(portal, email: "nobody9@example.com", forwardedFor: "203.0.113.99, 198.51.100.7") == .tooManyRequests)
            let addresses = try await AuditEvent.query(on: portal.db).filter(\.$action == "sign-in.failed").all().map(\.ip)
            #expect(addresses.count == 3 && addresses.allSatisfy { $0 == "198.51.100.7" })
            // Another client behind the same proxy has its own allowance.
            #expect(try await failSignIn(portal, email: "other@example.com", forwardedFor: "198.51.100.8") == .unauthorized)
        }
    }

    @Test func headersFromAPeerOutsideTheProxiesAreIgnored() async throws {
        try await TestPortal.run(adjust: {
            $0.trustProxy = true
            $0.signInFailuresPerIPPerMinute = 2
            $0.trustedProxies = TrustedProxies(ranges: [CIDR("10.0.0.0/8")!])
        }) { portal in
            for attempt in 0..<2 {
                #expect(try await failSignIn(portal, email: "n\(attempt)@example.com", forwardedFor: "198.51.100.\(attempt)") == .unauthorized)
            }
            #expect(try await failSignIn(portal, email: "n3@example.com", forwardedFor: "198.51.100.3") == .tooManyRequests)
            let addresses = try await AuditEvent.query(on: portal.db).filter(\.$action == "sign-in.failed").all().map(\.ip)
            #expect(!addresses.contains { $0.hasPrefix("198.51.100.") })
        }
    }
}
