@testable import App
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite struct ErrorHandlingTests {
    struct DatabaseExploded: Error, CustomStringConvertible { var description: String { "secret internals: table xyz" } }

    @Test func unexpectedErrorsBecome500WithoutInternals() async throws {
        try await TestPortal.run { portal in
            // A route that fails the way a bug would, on both sides of the house.
            portal.app.grouped(PartnerMiddleware()).get("boom") { _ -> String in throw DatabaseExploded() }
            portal.app.grouped(PartnerMiddleware()).get("api", "v1", "boom") { _ -> String in throw DatabaseExploded() }

            let page = try await portal.send(.GET, "/boom")
            #expect(page.status == .internalServerError)
            #expect(page.headers.contentType == .html)
            #expect(page.text.contains("Something went wrong on our side"))
            #expect(!page.text.contains("secret internals"))

            let api = try await portal.send(.GET, "/api/v1/boom")
            #expect(api.status == .internalServerError)
            let problem = try api.json(Problem.self)
            #expect(problem.status == 500)
            #expect(!(problem.detail ?? "").contains("secret internals"))
            #expect(problem.detail?.contains(api.headers.first(name: "X-Request-ID") ?? "missing") == true)
        }
    }

    @Test func htmlNotFoundAndForbiddenPages() async throws {
        try await TestPortal.run { portal in
            let missing = try await portal.send(.GET, "/no-such-page")
            #expect(missing.status == .notFound)
            #expect(missing.headers.contentType == .html)
            #expect(missing.text.contains("<p class=\"code\">404</p>"))

            let forbidden = try await portal.send(.POST, "/sign-in")
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.text.contains("<p class=\"code\">403</p>"))
        }
    }

    @Test func pagesCarrySecurityHeaders() async throws {
        try await TestPortal.run { portal in
            let page = try await portal.send(.GET, "/sign-in")
            let csp = try #require(page.headers.first(name: "Content-Security-Policy"))
            #expect(csp.contains("frame-ancestors 'none'"))
            #expect(csp.contains("style-src 'self' 'nonce-"))
            #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(page.headers.first(name: .cacheControl) == "no-store")
            // The nonce in the header is the one on the page's style block.
            let nonce = try #require(csp.components(separatedBy: "'nonce-").last?.prefix { $0 != "'" })
            #expect(page.text.contains("<style nonce=\"\(nonce)\">"))
        }
    }
}

@Suite struct SessionTimeoutTests {
    @Test func idleAndExpiredSessionsEnd() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let session = try #require(try await PortalSession.query(on: portal.db).first())

            // Idle past the partner's idle timeout.
            session.lastSeenAt = Date().addingTimeInterval(-Double(portal.partner.idleTimeoutMinutes * 60 + 5))
            try await session.update(on: portal.db)
            #expect(try await portal.visit("/", browser: browser).status == .seeOther)
            #expect(try await PortalSession.query(on: portal.db).count() == 0)

            // Past the absolute lifetime, however active.
            let again = try await portal.signIn()
            let second = try #require(try await PortalSession.query(on: portal.db).first())
            second.expiresAt = Date().addingTimeInterval(-1)
            try await second.update(on: portal.db)
            #expect(try await portal.visit("/", browser: again).status == .seeOther)
        }
    }
}
