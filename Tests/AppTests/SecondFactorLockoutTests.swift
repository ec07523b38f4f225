@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting

/// Issue 10, finding 6: second-factor codes cannot be guessed without end.
@Suite struct SecondFactorLockoutTests {
    /// The time the second-factor rules see, moved by the test.
    final class TestClock: Sendable {
        private let value = NIOLockedValueBox(Date())
        var now: Date { value.withLockedValue { $0 } }
        func advance(_ seconds: TimeInterval) { value.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
    }

    private func portal(_ body: @escaping (TestPortal, TestClock) async throws -> Void) async throws {
        // The password limits are not under test here: wrong codes count towards them too.
        try await TestPortal.run(adjust: { $0.signInFailuresPerAccountPerMinute = 1000; $0.signInFailuresPerIPPerMinute = 1000 }) { portal in
            let clock = TestClock()
            portal.app.secondFactorClock = { clock.now }
            try await body(portal, clock)
        }
    }

    /// The password step, a second later than the last one, so that the newest code sent is
    /// the newest by time too.
    private func password(_ portal: TestPortal, _ clock: TestClock, email: String = "ada@example.com", browser: Browser) async throws -> TestingHTTPResponse {
        clock.advance(1)
        let page = try await portal.visit("/sign-in", browser: browser)
        return try await portal.submit("/sign-in", ["email": email, "password": "correct horse battery", "csrf_token": page.csrfToken ?? ""],
                                       browser: browser)
    }

    private func code(_ portal: TestPortal, _ code: String, browser: Browser) async throws -> TestingHTTPResponse {
        try await portal.submit("/sign-in/code", ["code": code, "csrf_token": browser.jar[SessionCookies.csrf] ?? ""], browser: browser)
    }

    private func wrong(than right: String) -> String { right == "000000" ? "111111" : "000000" }

    private func lockEmails(_ portal: TestPortal, to email: String) async throws -> Int {
        try await OutboundMessage.query(on: portal.db).filter(\.$recipient == email).all().filter { $0.subject.contains("is locked") }.count
    }

    @Test func tenWrongCodesAcrossFreshChallengesLockTheSecondFactorUntilTheLockEnds() async throws {
        try await portal { portal, clock in
            try await portal.makeOperator()
            let browser = Browser()
            // First pending sign-in: five wrong recovery codes (they count like codes).
            #expect(try await password(portal, clock, browser: browser).headers.first(name: .location) == "/sign-in/code")
            for _ in 1...5 {
                #expect(try await code(portal, "aaaaa-bbbbb", browser: browser).status == .unprocessableEntity)
            }
            // A fresh pending sign-in does not start the count again.
            _ = try await password(portal, clock, browser: browser)
            let sent = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            for _ in 1...4 {
                #expect(try await code(portal, wrong(than: sent), browser: browser).status == .unprocessableEntity)
            }
            let tenth = try await code(portal, wrong(than: sent), browser: browser)
            #expect(tenth.status == .tooManyRequests)
            #expect(tenth.text.contains("Two-step sign-in is locked after too many wrong codes, until"))
            #expect(try await lockEmails(portal, to: "ada@example.com") == 1)

            // While locked, even the right code is refused, with the time it ends.
            _ = try await password(portal, clock, browser: browser)
            let shown = try await portal.visit("/sign-in/code", browser: browser)
            #expect(shown.text.contains("is locked"))
            let right = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            let refused = try await code(portal, right, browser: browser)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text.contains("locked") && refused.headers.first(name: .retryAfter) != nil)
            #expect(browser.session == nil)

            clock.advance(14 * 60)
            #expect(try await code(portal, right, browser: browser).status == .tooManyRequests)

            // After the lock, the right code works, and the count starts again.
            clock.advance(2 * 60)
            _ = try await password(portal, clock, browser: browser)
            let fresh = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
            #expect(try await code(portal, fresh, browser: browser).status == .seeOther)
            #expect(browser.session != nil)
            #expect(try await lockEmails(portal, to: "ada@example.com") == 1)
            let ada = try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first())
            let guardRow = try #require(try await SecondFactorGuard.find(operatorID: ada.requireID(), on: portal.db))
            #expect(guardRow.consecutiveFailures == 0 && guardRow.locks == 0)
            let actions = try await AuditEvent.query(on: portal.db).all().map(\.action)
            #expect(actions.filter { $0 == "sign-in.second-factor-locked" }.count == 1)
        }
    }

    @Test func aRightCodeResetsTheCount() async throws {
        try await portal { portal, clock in
            try await portal.makeOperator()
            for _ in 1...3 {
                let browser = Browser()
                _ = try await password(portal, clock, browser: browser)
                let sent = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
                for _ in 1...5 { _ = try await code(portal, wrong(than: sent), browser: browser) }
                // Five wrong, then right: never ten in a row.
                _ = try await password(portal, clock, browser: browser)
                let right = try #require(try await portal.lastCode(sentTo: "ada@example.com"))
                #expect(try await code(portal, right, browser: browser).status == .seeOther)
            }
            #expect(try await lockEmails(portal, to: "ada@example.com") == 0)
        }
    }

    @Test func eachFurtherLockLastsTwiceAsLongUpToADay() {
        #expect(SecondFactorGuard.lockDuration(forLock: 1) == 15 * 60)
        #expect(SecondFactorGuard.lockDuration(forLock: 2) == 30 * 60)
        #expect(SecondFactorGuard.lockDuration(forLock: 3) == 60 * 60)
        #expect(SecondFactorGuard.lockDuration(forLock: 7) == 16 * 60 * 60)
        #expect(SecondFactorGuard.lockDuration(forLock: 8) == 24 * 60 * 60)
        #expect(SecondFactorGuard.lockDuration(forLock: 50) == 24 * 60 * 60)
    }

    @Test func tooManyWrongCodesFromOneAddressAreAnswered429() async throws {
        try await portal { portal, clock in
            // Four operators, five wrong codes each: no operator reaches a lock, the address does.
            for index in 1...4 {
                try await portal.makeOperator(email: "op\(index)@example.com", name: "Operator \(index)")
                let browser = Browser()
                _ = try await password(portal, clock, email: "op\(index)@example.com", browser: browser)
                let sent = try #require(try await portal.lastCode(sentTo: "op\(index)@example.com"))
                for _ in 1...5 {
                    #expect(try await code(portal, wrong(than: sent), browser: browser).status == .unprocessableEntity)
                }
            }
            try await portal.makeOperator(email: "eve@example.com", name: "Eve Example")
            let browser = Browser()
            _ = try await password(portal, clock, email: "eve@example.com", browser: browser)
            let right = try #require(try await portal.lastCode(sentTo: "eve@example.com"))
            let throttled = try await code(portal, right, browser: browser)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers.first(name: .retryAfter) == "60")
            #expect(throttled.text.contains("Too many wrong codes from your network"))
            #expect(browser.session == nil)

            clock.advance(61)
            #expect(try await code(portal, right, browser: browser).status == .seeOther)
            #expect(browser.session != nil)
        }
    }

    @Test func textMessagesPerOperatorPerHourAreCapped() async throws {
        try await portal { portal, clock in
            let phone = "+44 20 7946 0958"
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam Smith", secondFactor: .sms)
            sam.phone = phone
            sam.phoneVerifiedAt = Date()
            try await sam.update(on: portal.db)
            func texts() async throws -> Int {
                try await OutboundMessage.query(on: portal.db).filter(\.$recipient == phone).filter(\.$channel == .sms).count()
            }
            func resend(_ browser: Browser) async throws -> TestingHTTPResponse {
                try await portal.submit("/sign-in/code/resend", ["csrf_token": browser.jar[SessionCookies.csrf] ?? ""], browser: browser)
            }
            // Two pending sign-ins, each under its own limit of five, share the hourly cap.
            let browser = Browser()
            _ = try await password(portal, clock, email: "sam@example.com", browser: browser)
            #expect(try await resend(browser).status == .seeOther)
            #expect(try await resend(browser).status == .seeOther)
            _ = try await password(portal, clock, email: "sam@example.com", browser: browser)
            #expect(try await resend(browser).status == .seeOther)
            #expect(try await texts() == 5)
            let capped = try await resend(browser)
            #expect(capped.status == .tooManyRequests)
            #expect(capped.text.contains("No more text messages can be sent to you for now"))
            #expect(try await texts() == 5)

            // A new sign-in opens, sends nothing, and says why.
            _ = try await password(portal, clock, email: "sam@example.com", browser: browser)
            #expect(try await texts() == 5)
            #expect(try await portal.visit("/sign-in/code", browser: browser).text.contains("No more text messages"))

            clock.advance(61 * 60)
            _ = try await password(portal, clock, email: "sam@example.com", browser: browser)
            #expect(try await texts() == 6)
            let code = try #require(try await portal.lastCode(sentTo: phone))
            #expect(try await self.code(portal, code, browser: browser).status == .seeOther)
        }
    }

    @Test func triesAreCountedBeforeTheCodeIsCheckedSoCodesSentAtOnceCannotAllBeTried() async throws {
        try await portal { portal, clock in
            try await portal.makeOperator()
            let browser = Browser()
            #expect(try await password(portal, clock, browser: browser).headers.first(name: .location) == "/sign-in/code")
            let challenge = try #require(try await SignInChallenge.query(on: portal.db).first())
            let id = try challenge.requireID()
            let db = portal.db
            let taken = try await withThrowingTaskGroup(of: Int?.self) { group in
                // More tries at once than the attempt has; few enough for a small connection pool.
                for _ in 0..<(SignInChallenge.allowedFailures + 3) {
                    group.addTask { try await CodeAttempts.take(in: SignInChallenge.schema, id: id, on: db) }
                }
                var numbers: [Int] = []
                for try await number in group { if let number { numbers.append(number) } }
                return numbers.sorted()
            }
            // Exactly the attempt's tries, each number once, however the requests interleave.
            #expect(taken == Array(1...(SignInChallenge.allowedFailures + 1)))
        }
    }
}
