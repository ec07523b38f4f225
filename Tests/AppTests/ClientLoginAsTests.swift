@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Operators logging in to a client account as its owner or a staff member: who may, the
/// banner, both names on everything done, signing out as, the time limit, locking, the
/// owner's email and consent, and the API's single-use links.
@Suite struct ClientLoginAsTests {
    struct Client {
        let account: Account
        let owner: AccountUser
        let staff: AccountUser
        var uid: String { account.businessUID }
    }

    func client(_ portal: TestPortal, secure: Bool = false, setupCompleted: Bool = false) async throws -> Client {
        let partnerID = try portal.partner.requireID()
        let account = Account(partnerID: partnerID, name: "Blue Bakery Kent", email: "felix@bakery.example", groupID: nil, secure: secure)
        account.setupCompleted = setupCompleted
        account.staffSlots = 3
        try await account.create(on: portal.db)
        let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy", email: "felix@bakery.example")
        owner.status = .active
        owner.passwordHash = try Bcrypt.hash("a quiet orchard in spring", cost: 4)
        try await owner.create(on: portal.db)
        let staff = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .staff, name: "Kim Staff", email: "kim@bakery.example")
        staff.status = .active
        try await staff.create(on: portal.db)
        return Client(account: account, owner: owner, staff: staff)
    }

    /// Presses "Login as" on the account page (or beside a staff member on the Staff tab).
    func loginAs(_ portal: TestPortal, _ client: Client, staff: Bool = false, reason: String = "", browser: Browser) async throws -> TestingHTTPResponse {
        let page = try await portal.visit("/accounts/\(client.uid)", browser: browser)
        let path = staff ? "/accounts/\(client.uid)/staff/\(try client.staff.requireID().uuidString.lowercased())/login-as" : "/accounts/\(client.uid)/login-as"
        return try await portal.submit(path, ["reason": reason, "csrf_token": page.csrfToken ?? ""], browser: browser)
    }

    func entries(_ portal: TestPortal, _ action: String) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: portal.db).filter(\.$action == action).all()
    }

    @Test func supportLogsInAsTheOwnerEditsTheProfileAndSignsOutAsBackToTheAccountPage() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            let accountPage = try await portal.visit("/accounts/\(client.uid)", browser: browser)
            #expect(accountPage.text.contains("/accounts/\(client.uid)/login-as"))

            let started = try await loginAs(portal, client, reason: "ticket 4711", browser: browser)
            #expect(started.status == .seeOther && started.headers.first(name: .location) == "/app")
            #expect(started.setCookie(SessionCookies.workspaceSession) != nil)

            let dashboard = try await portal.visit("/app", browser: browser)
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("<strong>Maya Support</strong> is acting as <strong>Felix Murphy</strong>, owner of Blue Bakery Kent, until"))
            #expect(dashboard.text.contains("action=\"/app/sign-out-as\""))

            // An edit in between is recorded with both names, and shown so in the account's History.
            let profile = try await portal.visit("/app/profile", browser: browser)
            let saved = try await portal.submit("/app/profile", ["name": "Blue Bakery Kent", "phone": "", "address": "", "description": "Sourdough since 1990",
                                                                 "opening_hours": "", "brand_color": "", "logo_url": "", "csrf_token": profile.csrfToken ?? ""],
                                                browser: browser)
            #expect(saved.status == .seeOther)
            let edit = try #require(try await entries(portal, "account.profile-changed").first)
            #expect(edit.actorName == "Felix Murphy" && edit.impersonatorName == "Maya Support")

            // The operator cannot change the owner's password for them.
            #expect(try await portal.visit("/app/password", browser: browser).status == .forbidden)

            let out = try await portal.submit("/app/sign-out-as", ["csrf_token": dashboard.csrfToken ?? ""], browser: browser)
            #expect(out.status == .seeOther && out.headers.first(name: .location) == "/accounts/\(client.uid)")
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            #expect(try await AccountUserSession.query(on: portal.db).count() == 0)

            let start = try #require(try await entries(portal, "account.login-as-started").first)
            #expect(start.actorName == "Maya Support" && start.details.contains("as owner Felix Murphy") && start.details.contains("reason: ticket 4711"))
            let end = try #require(try await entries(portal, "account.login-as-ended").first)
            #expect(end.actorName == "Maya Support" && end.details.contains("signed out as Felix Murphy"))

            // Maya reads the edit in History with both names (Support reads history).
            let history = try await portal.visit("/accounts/\(client.uid)/history", browser: browser)
            #expect(history.text.contains("Felix Murphy") && history.text.contains("Maya Support") && history.text.contains("Sourdough since 1990"))

            // The owner was told by email, and sees the visit under Support access.
            let mail = try #require(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "felix@bakery.example").all()
                .first { $0.subject.contains("logged in to your Blue Bakery Kent account") })
            #expect(mail.body.contains("Maya Support") && mail.body.contains("ticket 4711") && mail.accountID == client.account.id)
            let owner = Browser()
            let signInPage = try await portal.visit("/app/sign-in", browser: owner)
            _ = try await portal.submit("/app/sign-in", ["email": "felix@bakery.example", "password": "a quiet orchard in spring",
                                                         "csrf_token": signInPage.csrfToken ?? ""], browser: owner)
            let support = try await portal.visit("/app/support-access", browser: owner)
            #expect(support.status == .ok && support.text.contains("Maya Support") && support.text.contains("ticket 4711"))
        }
    }

    @Test func loggingInAsAStaffMemberFromTheStaffTab() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            let staffTab = try await portal.visit("/accounts/\(client.uid)/staff", browser: browser)
            #expect(staffTab.text.contains("/accounts/\(client.uid)/staff/\(try client.staff.requireID().uuidString.lowercased())/login-as"))
            #expect(try await loginAs(portal, client, staff: true, browser: browser).headers.first(name: .location) == "/app")
            let dashboard = try await portal.visit("/app", browser: browser)
            #expect(dashboard.text.contains("is acting as <strong>Kim Staff</strong>, staff of Blue Bakery Kent"))
            // Another account's staff id names nobody there.
            let other = try await self.client(portal)
            let fresh = try await portal.signIn(email: "maya@example.com")
            let page = try await portal.visit("/accounts/\(other.uid)", browser: fresh)
            let foreign = try await portal.submit("/accounts/\(other.uid)/staff/\(try client.staff.requireID().uuidString.lowercased())/login-as",
                                                  ["csrf_token": page.csrfToken ?? ""], browser: fresh)
            #expect(foreign.status == .notFound)
        }
    }

    @Test func rolesScopeSecureLockedAndSetupDecideThroughThePageAndTheAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let viewer = try await portal.makeOperator(email: "vic@example.com", name: "Vic Viewer", role: "viewer")
            let support = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let cleared = try await portal.makeOperator(email: "sue@example.com", name: "Sue Secure", role: "support-secure")
            let sales = try await portal.makeOperator(email: "sal@example.com", name: "Sal Sales", role: "sales")
            _ = ada
            let plain = try await client(portal)
            let secure = try await client(portal, secure: true)

            func page(_ email: String, _ client: Client) async throws -> HTTPStatus {
                try await loginAs(portal, client, browser: try await portal.signIn(email: email)).status
            }
            func api(_ op: Operator, _ client: Client) async throws -> HTTPStatus {
                try await portal.api(as: op).call(.POST, "/accounts/\(client.uid)/login-as", json: "{}").status
            }

            // A role without account.impersonate.
            #expect(try await page("vic@example.com", plain) == .forbidden)
            #expect(try await api(viewer, plain) == .forbidden)
            #expect(try await entries(portal, "account.login-as-started").isEmpty)
            // Secure accounts need clearance.
            #expect(try await page("maya@example.com", secure) == .forbidden)
            #expect(try await api(support, secure) == .forbidden)
            #expect(try await page("sue@example.com", secure) == .seeOther)
            #expect(try await api(cleared, secure) == .created)
            // Sales: while the account is in setup, and not after.
            #expect(try await page("sal@example.com", plain) == .seeOther)
            #expect(try await api(sales, plain) == .created)
            plain.account.setupCompleted = true
            try await plain.account.update(on: portal.db)
            #expect(try await page("sal@example.com", plain) == .forbidden)
            #expect(try await api(sales, plain) == .forbidden)
            // Support may still, the setup state aside; a locked account nobody.
            #expect(try await page("maya@example.com", plain) == .seeOther)
            plain.account.locked = true
            try await plain.account.update(on: portal.db)
            #expect(try await page("maya@example.com", plain) == .forbidden)
            #expect(try await api(support, plain) == .forbidden)
            // Templates have nobody to log in as.
            secure.account.isTemplate = true
            try await secure.account.update(on: portal.db)
            #expect(try await page("sue@example.com", secure) == .conflict)

            // The account page shows the same answers: Vic sees no button, Sal a disabled one with the reason.
            let vicsPage = try await portal.visit("/accounts/\(plain.uid)", browser: try await portal.signIn(email: "vic@example.com"))
            #expect(!vicsPage.text.contains("/login-as"))
            plain.account.locked = false
            try await plain.account.update(on: portal.db)
            let salsPage = try await portal.visit("/accounts/\(plain.uid)", browser: try await portal.signIn(email: "sal@example.com"))
            #expect(salsPage.text.contains("only while the account is in setup") && !salsPage.text.contains("action=\"/accounts/\(plain.uid)/login-as\""))
        }
    }

    @Test func noNestingFromALoginAsAnOperatorOrAClient() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let first = try await client(portal)
            let second = try await client(portal)
            // Already logged in to a client account in this browser: not another one.
            let browser = try await portal.signIn(email: "maya@example.com")
            #expect(try await loginAs(portal, first, browser: browser).status == .seeOther)
            #expect(try await loginAs(portal, second, browser: browser).status == .conflict)

            // Logged in as another operator: not a client.
            let ada = try await portal.signIn()
            let operatorPage = try await portal.visit("/operators/\(try maya.requireID().uuidString.lowercased())", browser: ada)
            _ = try await portal.submit("/operators/\(try maya.requireID().uuidString.lowercased())/login-as",
                                        ["reason": "", "csrf_token": operatorPage.csrfToken ?? ""], browser: ada)
            #expect(try await loginAs(portal, second, browser: ada).status == .conflict)

            // The API: a token logged in as another operator gets no link.
            let adaToken = try await portal.api(as: try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first()))
            let asMaya = try await adaToken.call(.POST, "/operators/\(try maya.requireID().uuidString.lowercased())/login-as", json: "{}")
            let token = try #require(try adaToken.object(asMaya)["token"] as? String)
            let nested = try await APIClient(portal: portal, token: token).call(.POST, "/accounts/\(second.uid)/login-as", json: "{}")
            #expect(nested.status == .conflict)
            #expect(nested.headers.contentType?.description.contains("problem+json") == true)
        }
    }

    @Test func aReasonIsAskedForWhenThePartnerRequiresOne() async throws {
        try await TestPortal.run { portal in
            portal.partner.impersonationReasonRequired = true
            try await portal.partner.update(on: portal.db)
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            let page = try await portal.visit("/accounts/\(client.uid)", browser: browser)
            #expect(page.text.contains("name=\"reason\""))
            let missing = try await loginAs(portal, client, reason: "  ", browser: browser)
            #expect(missing.status == .unprocessableEntity && missing.text.contains("your organisation requires a reason"))
            #expect(try await portal.api(as: maya).call(.POST, "/accounts/\(client.uid)/login-as", json: "{}").status == .conflict)
            let given = try await loginAs(portal, client, reason: "call\nfrom the owner", browser: browser)
            #expect(given.status == .seeOther)
            let start = try #require(try await entries(portal, "account.login-as-started").first)
            #expect(start.details.contains("reason: call from the owner"))
        }
    }

    @Test func theTimeLimitEndsTheLoginAsWithAnEntryEvenWhenNobodyComesBack() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, client, browser: browser)
            let access = try #require(try await SupportAccess.query(on: portal.db).first())
            #expect(access.endsAt.timeIntervalSince(access.startedAt) == TimeInterval(portal.partner.impersonationMaxMinutes * 60))

            // Before the end nothing is ended; after it, the sweep ends it once.
            #expect(try await ClientLoginAs.endExpired(now: access.endsAt.addingTimeInterval(-1), on: portal.db) == 0)
            #expect(try await ClientLoginAs.endExpired(now: access.endsAt.addingTimeInterval(1), on: portal.db) == 1)
            #expect(try await ClientLoginAs.endExpired(now: access.endsAt.addingTimeInterval(2), on: portal.db) == 0)
            #expect(try await AccountUserSession.query(on: portal.db).count() == 0)
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            let ends = try await entries(portal, "account.login-as-ended")
            #expect(ends.count == 1 && ends[0].details.contains("time limit reached"))
        }
    }

    @Test func anExpiredSessionIsEndedAtItsNextRequestToo() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, client, browser: browser)
            let access = try #require(try await SupportAccess.query(on: portal.db).first())
            access.endsAt = Date().addingTimeInterval(-1)
            try await access.update(on: portal.db)
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            #expect(try await entries(portal, "account.login-as-ended").count == 1)
        }
    }

    @Test func lockingTheAccountOrLosingTheRoleEndsTheLoginAsAtOnce() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, client, browser: browser)
            let ada = try await portal.signIn()
            let accountTab = try await portal.visit("/accounts/\(client.uid)/account", browser: ada)
            let locked = try await portal.submit("/accounts/\(client.uid)/lock", ["csrf_token": accountTab.csrfToken ?? "", "confirmed": "yes"], browser: ada)
            #expect(try await Account.find(client.account.id, on: portal.db)?.locked == true)
            // The page says what locking did, not just "Saved.".
            #expect(locked.headers.first(name: .location) == "/accounts/\(client.uid)/account")
            #expect(try await portal.visit("/accounts/\(client.uid)/account", browser: ada).text.contains("Locked: the owner and staff are signed out"))
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            #expect(try await entries(portal, "account.login-as-ended").first?.details.contains("the account was locked") == true)

            // Maya's role taken away: her next request in the workspace ends the visit.
            client.account.locked = false
            try await client.account.update(on: portal.db)
            let again = try await portal.signIn(email: "maya@example.com")
            #expect(try await loginAs(portal, client, browser: again).status == .seeOther)
            try await Grant.query(on: portal.db).filter(\.$operator.$id == maya.requireID()).delete()
            #expect(try await portal.visit("/app", browser: again).headers.first(name: .location) == "/app/sign-in")
            #expect(try await entries(portal, "account.login-as-ended").contains { $0.details.contains("no longer allowed") })
        }
    }

    @Test func salesSetsUpAnAccountWhoseOwnerHasNotAcceptedTheInvitationYet() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "sal@example.com", name: "Sal Sales", role: "sales")
            let client = try await client(portal)
            client.owner.status = .invited
            client.owner.passwordHash = nil
            try await client.owner.update(on: portal.db)
            let browser = try await portal.signIn(email: "sal@example.com")
            #expect(try await loginAs(portal, client, browser: browser).status == .seeOther)
            let dashboard = try await portal.visit("/app", browser: browser)
            #expect(dashboard.status == .ok && dashboard.text.contains("<strong>Sal Sales</strong> is acting as <strong>Felix Murphy</strong>"))
            // The owner still cannot sign in without accepting.
            #expect(try await AccountUser.find(client.owner.id, on: portal.db)?.status == .invited)
        }
    }

    @Test func anOperatorLoggedInAsTheOwnerCannotInviteThemselvesAsStaff() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, client, browser: browser)
            let staff = try await portal.visit("/app/staff", browser: browser)
            #expect(staff.text.contains("not an operator logged in as them") && !staff.text.contains("Send invitation"))
            let invite = try await portal.submit("/app/staff", ["csrf_token": staff.csrfToken ?? "", "name": "Maya", "email": "maya@example.com"],
                                                 browser: browser)
            #expect(invite.status == .forbidden)
            #expect(try await AccountUser.query(on: portal.db).filter(\.$email == "maya@example.com").count() == 0)
            let remove = try await portal.submit("/app/staff/remove", ["csrf_token": staff.csrfToken ?? "", "user": try client.staff.requireID().uuidString],
                                                 browser: browser)
            #expect(remove.status == .forbidden)
        }
    }

    @Test func removingTheStaffMemberEndsTheVisitAndKeepsItsRecord() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, client, staff: true, browser: browser)
            // The operators' Staff tab removes Kim while Maya is logged in as Kim.
            let ada = try await portal.signIn()
            let tab = try await portal.visit("/accounts/\(client.uid)/staff", browser: ada)
            _ = try await portal.submit("/accounts/\(client.uid)/remove-staff", ["csrf_token": tab.csrfToken ?? "", "user": try client.staff.requireID().uuidString.lowercased(),
                                                                               "confirmed": "yes"], browser: ada)
            #expect(try await AccountUser.find(client.staff.id, on: portal.db) == nil)
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            let access = try #require(try await SupportAccess.query(on: portal.db).first())
            #expect(access.endedAt != nil && access.endReason == "Kim Staff was removed from the account")
            #expect(try await entries(portal, "account.login-as-ended").count == 1)
        }
    }

    @Test func aLoginLinkOpenedInABrowserAlreadyLoggedInAsSomeoneIsRefused() async throws {
        try await TestPortal.run { portal in
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let first = try await client(portal)
            let second = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, first, browser: browser)
            let api = try await portal.api(as: maya)
            let url = try #require(try api.object(try await api.call(.POST, "/accounts/\(second.uid)/login-as", json: "{}"))["url"] as? String)
            #expect(try await portal.visit(try #require(URL(string: url)?.path), browser: browser).status == .conflict)
            #expect(try await SupportAccess.query(on: portal.db).filter(\.$endedAt == nil).count() == 1)
        }
    }

    @Test func theReasonCannotAddLinesInAnyScript() throws {
        let partner = Partner(slug: "p", name: "P")
        let user = AccountUser(partnerID: UUID(), accountID: UUID(), role: .owner, name: "Felix", email: "f@example.com")
        let reason = try ClientLoginAs.reason("routine\u{2028}\u{2029}IMPORTANT\u{85}call\u{9B}now\r\nplease", for: user, partner: partner)
        #expect(reason == "routine  IMPORTANT call now  please")
    }

    /// The API document's `maxLength: 500` is on what was sent: control characters that are
    /// turned into spaces and trimmed still count (schemathesis sent 501 with two in front).
    @Test func theReasonsLimitCountsWhatWasSentBeforeItIsCleaned() throws {
        let partner = Partner(slug: "p", name: "P")
        let user = AccountUser(partnerID: UUID(), accountID: UUID(), role: .owner, name: "Felix", email: "f@example.com")
        let limit = Impersonation.maxReasonLength
        #expect(try ClientLoginAs.reason(String(repeating: "a", count: limit), for: user, partner: partner)?.count == limit)
        #expect(throws: OperatorInput.Errors.self) {
            try ClientLoginAs.reason("\u{94}\u{86}" + String(repeating: "a", count: limit - 1), for: user, partner: partner)
        }
        #expect(throws: OperatorInput.Errors.self) {
            try ClientLoginAs.reason("  " + String(repeating: "a", count: limit - 1), for: user, partner: partner)
        }
    }

    @Test func signingOutOfThePortalEndsTheLoginAsHeldInTheSameBrowser() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let browser = try await portal.signIn(email: "maya@example.com")
            _ = try await loginAs(portal, client, browser: browser)
            let home = try await portal.visit("/", browser: browser)
            _ = try await portal.submit("/sign-out", ["csrf_token": home.csrfToken ?? ""], browser: browser)
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            #expect(try await entries(portal, "account.login-as-ended").first?.details.contains("the operator signed out") == true)
        }
    }

    @Test func theOwnersEmailFollowsThePartnersPolicy() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "sue@example.com", name: "Sue Secure", role: "support-secure")
            let plain = try await client(portal)
            let secure = try await client(portal, secure: true)
            func notices() async throws -> Int {
                try await OutboundMessage.query(on: portal.db).all().filter { $0.subject.contains("support logged in") }.count
            }
            for (policy, expected) in [(LoginAsOwnerNotice.never, 0), (.secureOnly, 1), (.always, 3)] {
                portal.partner.loginAsOwnerNotice = policy
                try await portal.partner.update(on: portal.db)
                for client in [plain, secure] {
                    _ = try await loginAs(portal, client, browser: try await portal.signIn(email: "sue@example.com"))
                }
                #expect(try await notices() == expected, "\(policy)")
            }
        }
    }

    @Test func withConsentRequiredTheOwnerGrantsSeesAndRevokesAccess() async throws {
        try await TestPortal.run { portal in
            portal.partner.loginAsConsentRequired = true
            try await portal.partner.update(on: portal.db)
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let operatorBrowser = try await portal.signIn(email: "maya@example.com")
            let before = try await portal.visit("/accounts/\(client.uid)", browser: operatorBrowser)
            #expect(before.text.contains("Ask the owner to grant access"))
            #expect(try await loginAs(portal, client, browser: operatorBrowser).status == .conflict)
            #expect(try await portal.api(as: maya).call(.POST, "/accounts/\(client.uid)/login-as", json: "{}").status == .conflict)

            // The owner grants access for a day.
            let owner = Browser()
            let signInPage = try await portal.visit("/app/sign-in", browser: owner)
            _ = try await portal.submit("/app/sign-in", ["email": "felix@bakery.example", "password": "a quiet orchard in spring",
                                                         "csrf_token": signInPage.csrfToken ?? ""], browser: owner)
            let support = try await portal.visit("/app/support-access", browser: owner)
            #expect(support.text.contains("only after you grant access"))
            let granted = try await portal.submit("/app/support-access", ["length": "day", "csrf_token": support.csrfToken ?? ""], browser: owner)
            #expect(granted.status == .ok && granted.text.contains("Access granted."))
            #expect(try await portal.visit("/accounts/\(client.uid)", browser: operatorBrowser).text.contains("Access granted until"))
            #expect(try await loginAs(portal, client, browser: operatorBrowser).status == .seeOther)

            // Logged in as the owner, Maya cannot grant access herself.
            let asOwner = try await portal.visit("/app/support-access", browser: operatorBrowser)
            #expect(asOwner.text.contains("not an operator logged in as them"))
            #expect(try await portal.submit("/app/support-access", ["length": "until-revoked", "csrf_token": asOwner.csrfToken ?? ""],
                                            browser: operatorBrowser).status == .forbidden)

            // Staff cannot grant either.
            let grant = try #require(try await AccessGrant.query(on: portal.db).first())
            let revoked = try await portal.submit("/app/support-access/revoke", ["grant": try grant.requireID().uuidString.lowercased(),
                                                                                 "csrf_token": support.csrfToken ?? ""], browser: owner)
            #expect(revoked.status == .ok && revoked.text.contains("Access revoked."))
            // Revoking ends the visit under way, with its entry.
            #expect(try await portal.visit("/app", browser: operatorBrowser).headers.first(name: .location) == "/app/sign-in")
            #expect(try await entries(portal, "account.login-as-ended").first?.details.contains("the owner revoked access") == true)
            #expect(try await entries(portal, "account.support-access-granted").first?.actorName == "Felix Murphy")
            #expect(try await loginAs(portal, client, browser: try await portal.signIn(email: "maya@example.com")).status == .conflict)
        }
    }

    @Test func theAPIsLinkWorksOnceWithinAMinute() async throws {
        try await TestPortal.run { portal in
            let maya = try await portal.makeOperator(email: "maya@example.com", name: "Maya Support", role: "support")
            let client = try await client(portal)
            let api = try await portal.api(as: maya)
            let created = try await api.call(.POST, "/accounts/\(client.uid)/login-as",
                                             json: "{\"userId\": \"\(try client.staff.requireID().uuidString)\", \"reason\": \"ticket 9\"}")
            #expect(created.status == .created)
            let body = try api.object(created)
            #expect(body["userName"] as? String == "Kim Staff" && body["role"] as? String == "staff")
            let url = try #require(body["url"] as? String)
            let path = try #require(URL(string: url)?.path)
            #expect(path.hasPrefix("/app/login-as/"))

            let browser = Browser()
            let opened = try await portal.visit(path, browser: browser)
            #expect(opened.status == .seeOther && opened.headers.first(name: .location) == "/app")
            #expect(try await portal.visit("/app", browser: browser).text.contains("<strong>Maya Support</strong> is acting as <strong>Kim Staff</strong>"))
            // Once only.
            #expect(try await portal.visit(path, browser: Browser()).status == .gone)
            let start = try #require(try await entries(portal, "account.login-as-started").first)
            #expect(start.details.contains("via API link") && start.details.contains("reason: ticket 9"))

            // A link older than a minute opens nothing.
            let late = try await api.call(.POST, "/accounts/\(client.uid)/login-as", json: "{}")
            let lateToken = try #require((try api.object(late)["url"] as? String)?.split(separator: "/").last.map(String.init))
            #expect(try await ClientLoginAs.redeem(lateToken, partner: portal.partner, ip: "", now: Date().addingTimeInterval(61), on: portal.db) == nil)

            // Unknown staff ids and malformed ones are refused as such.
            // The account exists; an unknown person named in the body is a conflict, not a missing account.
            #expect(try await api.call(.POST, "/accounts/\(client.uid)/login-as", json: "{\"userId\": \"\(UUID().uuidString)\"}").status == .conflict)
            #expect(try await api.call(.POST, "/accounts/\(client.uid)/login-as", json: "{\"userId\": \"nope\"}").status == .badRequest)
        }
    }

    @Test func anotherPartnersOperatorFindsNothing() async throws {
        try await TestPortal.run { portal in
            let other = try await portal.makePartner(slug: "other", name: "Other Partner", domains: ["other.test"])
            let otto = try await portal.makeOperator(email: "otto@example.com", name: "Otto Admin", partner: other)
            let client = try await client(portal)
            #expect(try await portal.api(as: otto, host: "other.test").call(.POST, "/accounts/\(client.uid)/login-as", json: "{}").status == .notFound)
        }
    }
}
