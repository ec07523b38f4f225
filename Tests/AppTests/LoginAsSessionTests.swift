@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Finding 11 (login-as): a new session token when it starts and when it ends, and an end
/// entry for every way it ends.
@Suite struct LoginAsSessionTests {
    private func loginAs(_ portal: TestPortal, _ target: Operator, browser: Browser) async throws -> TestingHTTPResponse {
        let id = try target.requireID().uuidString.lowercased()
        let page = try await portal.visit("/operators/\(id)", browser: browser)
        return try await portal.submit("/operators/\(id)/login-as", ["reason": "ticket 1", "csrf_token": page.csrfToken ?? ""], browser: browser)
    }

    private func endEntries(_ portal: TestPortal) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.impersonation-ended").all()
    }

    private func replay(_ portal: TestPortal, token: String) async throws -> TestingHTTPResponse {
        let old = Browser()
        old.jar[SessionCookies.session] = token
        return try await portal.visit("/", browser: old)
    }

    @Test func startingAndSigningOutAsIssueNewTokensAndTheOldOnesStopWorking() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            let beforeStart = try #require(browser.session)

            #expect(try await loginAs(portal, sam, browser: browser).status == .seeOther)
            let during = try #require(browser.session)
            #expect(during != beforeStart)
            #expect(try await replay(portal, token: beforeStart).status == .seeOther) // refused: sent to sign in
            let home = try await portal.visit("/", browser: browser)
            #expect(home.status == .ok && home.text.contains("impersonation-banner"))

            let back = try await portal.submit("/sign-out-as", ["csrf_token": home.csrfToken ?? ""], browser: browser)
            #expect(back.status == .seeOther)
            let after = try #require(browser.session)
            #expect(after != during && after != beforeStart)
            #expect(try await replay(portal, token: during).status == .seeOther)
            let mine = try await portal.visit("/", browser: browser)
            #expect(mine.status == .ok && !mine.text.contains("impersonation-banner") && mine.text.contains("Ada Admin"))
            #expect(try await endEntries(portal).map(\.details) == ["signed out as"])
        }
    }

    @Test func anExpiredLoginAsEndsOnceWithAnEntryAndANewToken() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            #expect(try await loginAs(portal, sam, browser: browser).status == .seeOther)
            let during = try #require(browser.session)
            let session = try #require(try await PortalSession.query(on: portal.db).filter(\.$impersonatorID == ada.id).first())
            // A short limit, so that the session itself has not idled out when it passes.
            session.impersonationExpiresAt = Date().addingTimeInterval(5)
            try await session.update(on: portal.db)
            let later = Date().addingTimeInterval(10)

            // Two requests find it expired at the same moment: one ends it, the other gets nothing.
            async let first = SessionStore.resume(token: during, partner: portal.partner, now: later, ip: "192.0.2.1", on: portal.db)
            async let second = SessionStore.resume(token: during, partner: portal.partner, now: later, ip: "192.0.2.1", on: portal.db)
            let results = try await [first, second]
            #expect(results.compactMap { $0 }.count <= 1)
            let entries = try await endEntries(portal)
            #expect(entries.count == 1)
            #expect(entries.first?.details == "time limit reached" && entries.first?.impersonatorID == ada.id && entries.first?.ip == "192.0.2.1")
            #expect(try await SessionStore.resume(token: during, partner: portal.partner, now: later, on: portal.db) == nil)
            let handedBack = try #require(try await PortalSession.find(session.requireID(), on: portal.db))
            #expect(handedBack.impersonatorID == nil && handedBack.$operator.id == ada.id && handedBack.tokenDigest != SecretToken.digest(of: during))
        }
    }

    @Test func theBrowserThatFindsItExpiredGetsTheNewToken() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            #expect(try await loginAs(portal, sam, browser: browser).status == .seeOther)
            let during = try #require(browser.session)
            let session = try #require(try await PortalSession.query(on: portal.db).filter(\.$impersonatorID == ada.id).first())
            session.impersonationExpiresAt = Date().addingTimeInterval(-1)
            try await session.update(on: portal.db)

            let page = try await portal.visit("/", browser: browser)
            #expect(page.status == .ok && !page.text.contains("impersonation-banner") && page.text.contains("Ada Admin"))
            let renewed = try #require(browser.session)
            #expect(renewed != during)
            #expect(try await replay(portal, token: during).status == .seeOther)
            #expect(try await portal.visit("/", browser: browser).status == .ok)
            #expect(try await endEntries(portal).count == 1)
        }
    }

    @Test func blockingTheImpersonatorEndsTheLoginAsWithAnEntry() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let otto = try await portal.makeOperator(email: "otto@example.com", name: "Otto Admin")
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let browser = try await portal.signIn()
            #expect(try await loginAs(portal, sam, browser: browser).status == .seeOther)
            // And an API token acting as Sam, made by Ada.
            _ = try await Impersonation.startToken(target: sam, by: try SignedIn(operator: ada, credential: .apiToken(id: UUID())), reason: nil,
                                                   partner: portal.partner, context: .system, on: portal.db)

            let ottoActor = try await AccessLoader.actor(for: otto, on: portal.db)
            let adaNow = try #require(try await Operator.query(on: portal.db).filter(\.$id == ada.requireID()).with(\.$grants).first())
            try await OperatorAdministration.block(adaNow, by: ottoActor, context: .system, on: portal.db)

            let entries = try await endEntries(portal)
            #expect(entries.count == 2)
            #expect(entries.allSatisfy { $0.details == "Ada Admin was blocked" && $0.impersonatorID == ada.id && $0.actorID == sam.id })
            #expect(try await portal.visit("/", browser: browser).status == .seeOther)
            #expect(try await PortalSession.query(on: portal.db).filter(\.$impersonatorID == ada.id).count() == 0)
        }
    }
}
