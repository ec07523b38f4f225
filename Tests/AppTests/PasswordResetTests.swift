@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// "Forgot password?" for operators, through the pages: the request, the emailed link, the new
/// password and the sign-in after it; the same answer for every address; the limits; and the
/// blocked operator's message.
@Suite struct PasswordResetTests {
    static let newPassword = "a brand new passphrase"

    /// Asks for a link on `/forgot-password` as a browser would, from `client` when given
    /// (the portal trusts the loopback proxy in those tests).
    @discardableResult
    static func requestLink(_ email: String, _ portal: TestPortal, browser: Browser = Browser(), host: String = "portal.test",
                            client: String? = nil) async throws -> TestingHTTPResponse {
        let form = try await portal.visit("/forgot-password", browser: browser, host: host)
        #expect(form.status == .ok)
        let fields = ["email": email, "csrf_token": form.csrfToken ?? ""]
        guard let client else { return try await portal.submit("/forgot-password", fields, browser: browser, host: host) }
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        headers.add(name: "X-Forwarded-For", value: client)
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await portal.send(.POST, "/forgot-password", host: host, headers: headers, cookies: browser, body: ByteBuffer(string: body))
    }

    /// Runs the job that decides and sends what the page stored.
    @discardableResult
    static func handleRequests(_ portal: TestPortal, at now: Date = Date()) async throws -> Int? {
        try await JobRunnerTests.runJob("password-resets", at: now, portal)
    }

    static func resetMessages(to recipient: String, _ portal: TestPortal) async throws -> [OutboundMessage] {
        try await OutboundMessage.query(on: portal.db).filter(\.$recipient == recipient).sort(\.$createdAt).all()
            .filter { $0.subject.hasPrefix("Reset your") }
    }

    /// The link in an email, whole.
    static func link(in message: OutboundMessage) throws -> String {
        let range = try #require(message.body.range(of: #"https?://[^\s/]+/setup/[A-Za-z0-9_-]+"#, options: .regularExpression))
        return String(message.body[range])
    }

    /// A page's text without what differs on every answer (the style nonce) and with the
    /// address typed replaced, to compare two answers.
    static func comparable(_ text: String, _ address: String? = nil) -> String {
        let stable = text.replacing(/nonce="[^"]*"/, with: "nonce")
        return address.map { stable.replacingOccurrences(of: $0, with: "ADDRESS") } ?? stable
    }

    static func path(of link: String) throws -> String {
        try #require(URL(string: link)).path
    }

    @Test func theEmailedLinkSetsANewPasswordAndTheSecondFactorIsStillAsked() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator(secondFactor: .email)
            try await portal.makeOperator(email: "grace@example.com", name: "Grace Admin")
            let elsewhere = try await portal.signIn() // Ada's other session, on another device

            let signIn = try await portal.visit("/sign-in", browser: Browser())
            #expect(signIn.text.contains(#"<a href="/forgot-password">Forgot password?</a>"#))

            let answer = try await Self.requestLink(" Ada@Example.com ", portal)
            #expect(answer.status == .ok)
            #expect(answer.text.contains("If an operator account here uses that address, we emailed it a link"))
            // The page only stored the request; the job sends.
            #expect(try await Self.resetMessages(to: "ada@example.com", portal).isEmpty)
            #expect(try await Self.handleRequests(portal) == 1)
            let message = try #require(try await Self.resetMessages(to: "ada@example.com", portal).first)
            #expect(message.subject == "Reset your Acme Partners operator portal password")
            #expect(message.body.contains("expires in 60 minutes"))
            // The development mailbox shows it to whoever manages the settings.
            let mailbox = try await portal.visit("/dev/mailbox", browser: try await portal.signIn(email: "grace@example.com"))
            #expect(mailbox.text.contains("Reset your Acme Partners operator portal password"))

            let link = try Self.link(in: message)
            let token = try #require(try await OneTimeToken.query(on: portal.db).filter(\.$purpose == .passwordReset).first())
            #expect(token.expiresAt.timeIntervalSince(token.createdAt) == 3600)
            let browser = Browser()
            let form = try await portal.visit(try Self.path(of: link), browser: browser)
            #expect(form.status == .ok)
            #expect(form.text.contains("Choose a new password"))
            let weak = try await portal.submit(try Self.path(of: link), ["password": "password1234", "password_confirmation": "password1234",
                                                                          "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.text.contains("id=\"field-password-error\""))
            let saved = try await portal.submit(try Self.path(of: link), ["password": Self.newPassword, "password_confirmation": Self.newPassword,
                                                                           "csrf_token": form.csrfToken ?? ""], browser: browser)
            // The new password leads to the code, not past it.
            #expect(saved.status == .seeOther)
            #expect(saved.headers.first(name: .location) == "/sign-in/code")
            #expect(browser.session == nil)
            #expect(try await portal.visit("/", browser: browser).status == .seeOther)
            // (The code and the "password changed" notice are written at the same moment: take the code's.)
            let codeMessage = try #require(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "ada@example.com")
                .sort(\.$createdAt, .descending).all().first { $0.subject.hasSuffix("is your Acme Partners sign-in code") })
            let code = try #require(codeMessage.subject.firstMatch(of: /\d{6}/).map { String($0.output) })
            let codePage = try await portal.visit("/sign-in/code", browser: browser)
            let entered = try await portal.submit("/sign-in/code", ["code": code, "csrf_token": codePage.csrfToken ?? ""], browser: browser)
            #expect(entered.status == .seeOther)
            #expect(try await portal.visit("/", browser: browser).status == .ok)

            // Every other session ended; the old password is gone, the new one signs in (with a code).
            #expect(try await portal.visit("/", browser: elsewhere).status == .seeOther)
            let stranger = Browser()
            let page = try await portal.visit("/sign-in", browser: stranger)
            let old = try await portal.submit("/sign-in", ["email": "ada@example.com", "password": "correct horse battery",
                                                           "csrf_token": page.csrfToken ?? ""], browser: stranger)
            #expect(old.status == .unauthorized)
            _ = try await portal.signIn(password: Self.newPassword)

            // Told by email, audited both ways.
            let notices = try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "ada@example.com").all()
            let changed = try #require(notices.first { $0.subject == "Your Acme Partners operator portal password was changed" })
            #expect(changed.body.contains("signed out everywhere"))
            let actions = try await AuditEvent.query(on: portal.db).filter(\.$targetID == ada.requireID().uuidString.lowercased()).all().map(\.action)
            #expect(actions.contains("operator.password-reset-requested"))
            #expect(actions.contains("operator.password-reset"))

            // The link worked once.
            let again = try await portal.visit(try Self.path(of: link), browser: Browser())
            #expect(again.status == .gone)
            #expect(again.text.contains("Link no longer valid"))
            #expect(again.text.contains("Forgot password?"))
        }
    }

    @Test func unknownBlockedInvitedAndOtherPartnersAddressesGetTheSameAnswerAndNoEmail() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "bo@example.com", name: "Bo Blocked", role: "support", status: .blocked)
            try await portal.makeOperator(email: "ivy@example.com", name: "Ivy Invited", password: nil, role: "support")
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await portal.makeOperator(email: "them@globex.example", name: "Theirs", partner: globex)

            let browser = Browser()
            let addresses = ["ada@example.com", "nobody@example.com", "bo@example.com", "ivy@example.com", "them@globex.example"]
            var answers: [String: (HTTPResponseStatus, String)] = [:]
            for address in addresses {
                let response = try await Self.requestLink(address, portal, browser: browser)
                answers[address] = (response.status, Self.comparable(response.text, address))
            }
            let known = try #require(answers["ada@example.com"])
            for address in addresses {
                #expect(answers[address]?.0 == known.0, "\(address)")
                #expect(answers[address]?.1 == known.1, "\(address) gets another page")
            }
            // The same work for each: one stored request, nothing sent or issued before the job.
            #expect(try await PasswordResetRequest.query(on: portal.db).count() == addresses.count)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 0)
            #expect(try await OneTimeToken.query(on: portal.db).count() == 0)

            #expect(try await Self.handleRequests(portal) == addresses.count)
            #expect(try await OutboundMessage.query(on: portal.db).all().map(\.recipient) == ["ada@example.com"])
            let refused = try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.password-reset-requested").all()
                .filter { $0.details.hasPrefix("no link sent") }
            #expect(Set(refused.map(\.targetLabel)) == ["nobody@example.com", "Bo Blocked <bo@example.com>", "Ivy Invited <ivy@example.com>",
                                                        "them@globex.example"])
            #expect(refused.allSatisfy { $0.partnerID == portal.partner.id })
            // Handled once: a second run sends nothing more.
            #expect(try await Self.handleRequests(portal) == 0)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 1)

            // On Globex's own domain, its operator gets a link pointing there.
            try await Self.requestLink("them@globex.example", portal, host: "globex.example")
            #expect(try await Self.handleRequests(portal) == 1)
            let theirs = try #require(try await Self.resetMessages(to: "them@globex.example", portal).first)
            #expect(theirs.partnerID == globex.id)
            #expect(try Self.link(in: theirs).hasPrefix("http://globex.example/setup/"))
        }
    }

    @Test func aLinkNeverPointsAtAHostTheRequestMadeUp() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            // The default partner answers any host until it has a domain: the link uses the
            // installation's address instead of the one in the request.
            try await Self.requestLink("ada@example.com", portal, host: "attacker.example")
            #expect(try await Self.handleRequests(portal) == 1)
            let link = try Self.link(in: try #require(try await Self.resetMessages(to: "ada@example.com", portal).first))
            #expect(link.hasPrefix("http://localhost:8080/setup/"))
            #expect(!link.contains("attacker"))
        }
        try await TestPortal.run(adjust: { $0.publicURL = "https://portal.example.com" }) { portal in
            try await portal.makeOperator()
            try await Self.requestLink("ada@example.com", portal, host: "attacker.example")
            #expect(try await Self.handleRequests(portal) == 1)
            let link = try Self.link(in: try #require(try await Self.resetMessages(to: "ada@example.com", portal).first))
            #expect(link.hasPrefix("https://portal.example.com/setup/"))
        }
        // On a partner's own domain, a port in the Host header is the asker's to choose: the
        // link keeps the registered name and drops a port that is not this server's.
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await portal.makeOperator(email: "them@globex.example", name: "Theirs", partner: globex)
            try await Self.requestLink("them@globex.example", portal, host: "globex.example:8081")
            #expect(try await Self.handleRequests(portal) == 1)
            let link = try Self.link(in: try #require(try await Self.resetMessages(to: "them@globex.example", portal).first))
            #expect(link.hasPrefix("http://globex.example/setup/"))
        }
    }

    @Test func requestsSentAtOnceStillGetNoMoreLinksThanTheLimit() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            // As if they all passed the page's count at the same moment: stored side by side.
            let partnerID = try portal.partner.requireID()
            for _ in 0..<(PasswordResets.requestsPerAddress + 4) {
                try await PasswordResetRequest(partnerID: partnerID, email: "ada@example.com", ip: "203.0.113.9",
                                               linkBase: "http://localhost:8080", requestedAt: Date()).create(on: portal.db)
            }
            #expect(try await Self.handleRequests(portal) == PasswordResets.requestsPerAddress + 4)
            #expect(try await Self.resetMessages(to: "ada@example.com", portal).count == PasswordResets.requestsPerAddress)
            let refusals = try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.password-reset-requested").all()
                .filter { $0.details.contains(PasswordResets.Refusal.tooManyLinks.rawValue) }
            #expect(refusals.count == 4)
        }
    }

    @Test func requestsAreLimitedPerAddressAndPerClientWithTheSameAnswer() async throws {
        try await TestPortal.run(adjust: { $0.trustProxy = true }) { portal in
            try await portal.makeOperator()
            let browser = Browser()
            var answers: [String] = []
            for _ in 1...PasswordResets.requestsPerAddress {
                answers.append(Self.comparable(try await Self.requestLink("ada@example.com", portal, browser: browser, client: "203.0.113.1").text))
            }
            // Over the address's limit, from this client and from another: the same page, nothing stored.
            let limited = try await Self.requestLink("ada@example.com", portal, browser: browser, client: "203.0.113.1")
            let limitedElsewhere = try await Self.requestLink("ada@example.com", portal, browser: browser, client: "198.51.100.7")
            #expect(limited.status == .ok && limitedElsewhere.status == .ok)
            #expect(Self.comparable(limited.text) == answers[0] && Self.comparable(limitedElsewhere.text) == answers[0])
            #expect(try await PasswordResetRequest.query(on: portal.db).count() == PasswordResets.requestsPerAddress)

            // One client over its limit across addresses; another client is not held back by it.
            for index in 1...PasswordResets.requestsPerClient {
                try await Self.requestLink("person\(index)@example.com", portal, browser: browser, client: "192.0.2.9")
            }
            let overClient = try await Self.requestLink("one-more@example.com", portal, browser: browser, client: "192.0.2.9")
            #expect(Self.comparable(overClient.text, "one-more@example.com") == Self.comparable(answers[0], "ada@example.com"))
            #expect(try await PasswordResetRequest.query(on: portal.db).filter(\.$email == "one-more@example.com").count() == 0)
            try await Self.requestLink("one-more@example.com", portal, browser: browser, client: "192.0.2.10")
            #expect(try await PasswordResetRequest.query(on: portal.db).filter(\.$email == "one-more@example.com").count() == 1)

            // Three links went out, and only the newest works.
            try await Self.handleRequests(portal)
            let messages = try await Self.resetMessages(to: "ada@example.com", portal)
            #expect(messages.count == PasswordResets.requestsPerAddress)
            #expect(try await portal.visit(try Self.path(of: try Self.link(in: messages[0])), browser: Browser()).status == .gone)
            #expect(try await portal.visit(try Self.path(of: try Self.link(in: messages[messages.count - 1])), browser: Browser()).status == .ok)

            // The window passes: the address may ask again.
            try await portal.db.sql.update(PasswordResetRequest.schema).set("requested_at", to: Date().addingTimeInterval(-PasswordResets.window - 1)).run()
            try await Self.requestLink("ada@example.com", portal, browser: browser, client: "203.0.113.1")
            #expect(try await PasswordResetRequest.query(on: portal.db).filter(\.$handledAt == nil).count() == 1)
        }
    }

    @Test func aLimitedRequestIsLogged() async throws {
        try await TestPortal.run { portal in
            let capture = LogCapture()
            var outcomes: [PasswordResets.Outcome] = []
            for _ in 0...PasswordResets.requestsPerAddress {
                outcomes.append(try await PasswordResets.request(partner: portal.partner, email: "ada@example.com", ip: "203.0.113.1",
                                                                 linkBase: "http://portal.test", now: Date(), on: portal.db, logger: capture.logger))
            }
            #expect(outcomes == Array(repeating: .queued, count: PasswordResets.requestsPerAddress) + [.throttled])
            #expect(capture.lines.contains { $0.hasPrefix("notice password reset request throttled") && $0.contains("limit=address") })
        }
    }

    @Test func requestsAreKeptADayThenDeleted() async throws {
        try await TestPortal.run { portal in
            try await Self.requestLink("nobody@example.com", portal)
            let now = Date()
            #expect(try await Self.handleRequests(portal, at: now) == 1)
            #expect(try await Self.handleRequests(portal, at: now.addingTimeInterval(PasswordResets.keptFor - 60)) == 0)
            #expect(try await PasswordResetRequest.query(on: portal.db).count() == 1)
            #expect(try await Self.handleRequests(portal, at: now.addingTimeInterval(PasswordResets.keptFor + 1)) == 0)
            #expect(try await PasswordResetRequest.query(on: portal.db).count() == 0)
        }
    }

    @Test func anInvalidAddressIsShownNextToTheField() async throws {
        try await TestPortal.run { portal in
            let response = try await Self.requestLink("not an address", portal)
            #expect(response.status == .unprocessableEntity)
            #expect(response.text.contains("id=\"field-email-error\""))
            #expect(response.text.contains("value=\"not an address\""))
            #expect(try await PasswordResetRequest.query(on: portal.db).count() == 0)
        }
    }

    @Test func anExpiredLinkIsRefusedWithAClearPage() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await Self.requestLink("ada@example.com", portal)
            try await Self.handleRequests(portal)
            let link = try Self.link(in: try #require(try await Self.resetMessages(to: "ada@example.com", portal).first))
            try await portal.db.sql.update(OneTimeToken.schema).set("expires_at", to: Date().addingTimeInterval(-1)).run()
            let browser = Browser()
            _ = try await portal.visit("/sign-in", browser: browser) // picks up a CSRF cookie
            let page = try await portal.visit(try Self.path(of: link), browser: browser)
            #expect(page.status == .gone)
            #expect(page.text.contains("This link has expired or was already used"))
            let post = try await portal.submit(try Self.path(of: link), ["password": Self.newPassword, "password_confirmation": Self.newPassword,
                                                                          "csrf_token": browser.jar[SessionCookies.csrf] ?? ""], browser: browser)
            #expect(post.status == .gone)
            _ = try await portal.signIn() // the old password still works
        }
    }

    @Test func usingALinkEndsEveryOtherResetLinkOfTheOperator() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            // An older link made another way (say, by an admin) is still open next to the new one.
            let older = try await SetupLinks.issue(.passwordReset, operatorID: ada.requireID(), partnerID: partnerID,
                                                   lifetime: SetupLinks.passwordResetLifetime, now: Date(), on: portal.db)
            let newer = SecretToken.generate()
            try await OneTimeToken(partnerID: partnerID, operatorID: ada.requireID(), purpose: .passwordReset, tokenDigest: newer.digest,
                                   now: Date(), lifetime: PasswordResets.linkLifetime).create(on: portal.db)
            let browser = Browser()
            let form = try await portal.visit(SiteURL.setup(token: newer.value).path, browser: browser)
            _ = try await portal.submit(SiteURL.setup(token: newer.value).path, ["password": Self.newPassword, "password_confirmation": Self.newPassword,
                                                                                 "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(try await portal.visit(SiteURL.setup(token: older.value).path, browser: Browser()).status == .gone)
            #expect(try await OneTimeToken.query(on: portal.db).filter(\.$usedAt == nil).count() == 0)
        }
    }

    @Test func aBlockedOperatorIsToldOnlyAfterTheRightPassword() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "ada@example.com", name: "Ada Admin")
            try await portal.makeOperator(email: "max@example.com", name: "Max Admin", role: "admin-secure")
            try await portal.makeOperator(email: "bo@example.com", name: "Bo Blocked", role: "support", status: .blocked)
            let browser = Browser()
            let csrf = try #require(try await portal.visit("/sign-in", browser: browser).csrfToken)

            let wrong = try await portal.submit("/sign-in", ["email": "bo@example.com", "password": "not the password", "csrf_token": csrf], browser: browser)
            let unknown = try await portal.submit("/sign-in", ["email": "nobody@example.com", "password": "not the password", "csrf_token": csrf], browser: browser)
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.text.contains(SignInView.invalidCredentials))
            #expect(Self.comparable(wrong.text, "bo@example.com") == Self.comparable(unknown.text, "nobody@example.com"))
            #expect(!wrong.text.contains("blocked"))

            let right = try await portal.submit("/sign-in", ["email": "bo@example.com", "password": "correct horse battery", "csrf_token": csrf], browser: browser)
            #expect(right.status == .forbidden)
            #expect(right.text.contains("Your access to the Acme Partners operator portal is blocked"))
            #expect(right.text.contains("ask an admin of Acme Partners: Ada Admin or Max Admin."))
            #expect(!right.text.contains(SignInView.invalidCredentials))
            #expect(browser.session == nil && browser.jar[SignInFlow.cookie] == nil)
            // Counted as a failure like any other, so the message is no way round the limits.
            #expect(try await SignInAttempt.query(on: portal.db).filter(\.$email == "bo@example.com").filter(\.$succeeded == false).count() == 2)
        }
    }

    @Test func theBlockedMessageNamesWhomToAsk() {
        #expect(SignInView.blocked(partner: "Acme", admins: []).hasSuffix("ask an admin of Acme."))
        #expect(SignInView.blocked(partner: "Acme", admins: ["Ada"]).hasSuffix("ask an admin of Acme: Ada."))
        #expect(SignInView.blocked(partner: "Acme", admins: ["Ada", "Bo"]).hasSuffix("ask an admin of Acme: Ada or Bo."))
        #expect(SignInView.blocked(partner: "Acme", admins: ["Ada", "Bo", "Cy", "Di"]).hasSuffix("ask an admin of Acme: Ada, Bo or Cy (or another admin)."))
    }
}
