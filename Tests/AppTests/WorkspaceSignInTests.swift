@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Owners and staff sign in to the client workspace at `/app`: sessions of their own, the
/// operators' limits and CSRF rules, locked accounts refused at once, temporary passwords
/// replaced first, and a reset link by email.
@Suite struct WorkspaceSignInTests {
    static let password = "a quiet orchard in spring"

    @discardableResult
    func client(_ portal: TestPortal, mustChange: Bool = false) async throws -> (Account, AccountUser) {
        let partnerID = try portal.partner.requireID()
        let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
        try await account.create(on: portal.db)
        let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy", email: "felix@bakery.example")
        owner.status = .active
        owner.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
        owner.mustChangePassword = mustChange
        try await owner.create(on: portal.db)
        let booking = AccountBooking()
        booking.partnerID = partnerID
        booking.accountID = try account.requireID()
        booking.externalID = "b-1"
        booking.occurredAt = Date().addingTimeInterval(-86_400)
        try await booking.create(on: portal.db)
        return (account, owner)
    }

    /// Kim, an active staff member of `account` with the same password as the owner.
    func staffMember(_ portal: TestPortal, of account: Account) async throws {
        let staff = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .staff, name: "Kim Staff", email: "kim@bakery.example")
        staff.status = .active
        staff.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
        try await staff.create(on: portal.db)
    }

    func signIn(_ portal: TestPortal, _ browser: Browser, email: String = "felix@bakery.example", password: String = password) async throws -> TestingHTTPResponse {
        let page = try await portal.visit("/app/sign-in", browser: browser)
        return try await portal.submit("/app/sign-in", ["email": email, "password": password, "csrf_token": page.csrfToken ?? ""], browser: browser)
    }

    @Test func anOwnerSignsInSeesTheirDashboardInThePartnersBrandAndSignsOut() async throws {
        try await TestPortal.run { portal in
            try await client(portal)
            let browser = Browser()
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            #expect(try await signIn(portal, browser, password: "not the password").status == .unauthorized)
            let signedIn = try await signIn(portal, browser)
            #expect(signedIn.status == .seeOther && signedIn.headers.first(name: .location) == "/app")
            let cookie = try #require(signedIn.setCookie(SessionCookies.workspaceSession))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let dashboard = try await portal.visit("/app", browser: browser)
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("Blue Bakery") && dashboard.text.contains("Felix Murphy"))
            #expect(dashboard.text.contains("Bookings, last 3 months"))
            #expect(!dashboard.text.contains(Layout.productName))
            let csrf = try #require(dashboard.csrfToken)
            #expect(try await portal.submit("/app/sign-out", ["csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await portal.visit("/app", browser: browser).status == .seeOther)
            #expect(try await AccountUserSession.query(on: portal.db).count() == 0)
        }
    }

    @Test func formsNeedTheirTokenAndTheOperatorsSessionOpensNothingHere() async throws {
        try await TestPortal.run { portal in
            try await client(portal)
            let browser = Browser()
            _ = try await portal.visit("/app/sign-in", browser: browser)
            let forged = try await portal.submit("/app/sign-in", ["email": "felix@bakery.example", "password": Self.password], browser: browser)
            #expect(forged.status == .forbidden)
            try await portal.makeOperator()
            let operatorBrowser = try await portal.signIn()
            #expect(try await portal.visit("/app", browser: operatorBrowser).headers.first(name: .location) == "/app/sign-in")
        }
    }

    @Test func lockingTheAccountEndsItsSessionsAtOnceAndRefusesSignIn() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            let browser = Browser()
            #expect(try await signIn(portal, browser).status == .seeOther)
            #expect(try await portal.visit("/app", browser: browser).status == .ok)
            let ada = try await portal.makeOperator()
            try await AccountAdministration.apply(.lock, to: account, by: try await AccessLoader.actor(for: ada, on: portal.db), context: .system, on: portal.db)
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/sign-in")
            let refused = try await signIn(portal, Browser())
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("This account is locked"))
            #expect(try await AccountUserSession.query(on: portal.db).count() == 0)
        }
    }

    @Test func aTemporaryPasswordMustBeReplacedBeforeAnythingElse() async throws {
        try await TestPortal.run { portal in
            let (_, owner) = try await client(portal, mustChange: true)
            let browser = Browser()
            #expect(try await signIn(portal, browser).headers.first(name: .location) == "/app/password")
            #expect(try await portal.visit("/app", browser: browser).headers.first(name: .location) == "/app/password")
            let page = try await portal.visit("/app/password", browser: browser)
            #expect(page.status == .ok && page.text.contains("Choose your own password"))
            let csrf = try #require(page.csrfToken)
            let weak = try await portal.submit("/app/password", ["csrf_token": csrf, "current_password": Self.password,
                                                                 "password": "Password123!", "password_confirmation": "Password123!"], browser: browser)
            #expect(weak.status == .unprocessableEntity)
            let wrong = try await portal.submit("/app/password", ["csrf_token": csrf, "current_password": "nope nope nope",
                                                                  "password": "lanterns over the harbour", "password_confirmation": "lanterns over the harbour"],
                                                browser: browser)
            #expect(wrong.status == .unprocessableEntity)
            let saved = try await portal.submit("/app/password", ["csrf_token": csrf, "current_password": Self.password,
                                                                  "password": "lanterns over the harbour", "password_confirmation": "lanterns over the harbour"],
                                                browser: browser)
            #expect(saved.headers.first(name: .location) == "/app")
            #expect(try await portal.visit("/app", browser: browser).status == .ok)
            #expect(try await AccountUser.find(owner.id, on: portal.db)?.mustChangePassword == false)
            #expect(try await signIn(portal, Browser(), password: "lanterns over the harbour").headers.first(name: .location) == "/app")
        }
    }

    @Test func forgotPasswordEmailsAWorkingLinkAndSaysTheSameForAnyAddress() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            let browser = Browser()
            let page = try await portal.visit("/app/forgot-password", browser: browser)
            let csrf = try #require(page.csrfToken)
            let known = try await portal.submit("/app/forgot-password", ["csrf_token": csrf, "email": "felix@bakery.example"], browser: browser)
            let unknown = try await portal.submit("/app/forgot-password", ["csrf_token": csrf, "email": "nobody@bakery.example"], browser: browser)
            #expect(known.status == .ok && unknown.status == .ok)
            #expect(known.text.contains("If an account uses that address") && unknown.text.contains("If an account uses that address"))
            let sent = try await OutboundMessage.query(on: portal.db).all()
            #expect(sent.count == 1 && sent.first?.recipient == "felix@bakery.example" && sent.first?.accountID == account.id)
            let body = try #require(sent.first?.body)
            let token = try #require(body.components(separatedBy: "/app/setup/").last?.split(whereSeparator: \.isWhitespace).first.map(String.init))
            let form = try await portal.visit("/app/setup/\(token)", browser: browser)
            #expect(form.status == .ok)
            let chosen = try await portal.submit("/app/setup/\(token)", ["csrf_token": form.csrfToken ?? "", "password": "lanterns over the harbour",
                                                                         "password_confirmation": "lanterns over the harbour"], browser: browser)
            #expect(chosen.status == .ok)
            #expect(try await signIn(portal, Browser(), password: "lanterns over the harbour").headers.first(name: .location) == "/app")
        }
    }

    @Test func wrongPasswordsAreLimitedLikeTheOperators() async throws {
        try await TestPortal.run(adjust: { $0.signInFailuresPerAccountPerMinute = 3 }) { portal in
            try await client(portal)
            for _ in 0..<3 { #expect(try await signIn(portal, Browser(), password: "guess guess guess").status == .unauthorized) }
            #expect(try await signIn(portal, Browser()).status == .tooManyRequests)
        }
    }
}

/// The onboarding wizard on the workspace dashboard.
extension WorkspaceSignInTests {
    @Test func theWizardRecordsEachStepOnceAndTheLastCompletesSetup() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            let browser = Browser()
            #expect(try await signIn(portal, browser).status == .seeOther)
            let dashboard = try await portal.visit("/app", browser: browser)
            #expect(dashboard.text.contains("Getting started") && dashboard.text.contains("0 of \(PlanCatalogue.defaultSteps.count) steps done"))
            let csrf = try #require(dashboard.csrfToken)
            #expect(try await portal.submit("/app/onboarding", ["csrf_token": csrf, "step": "no-such-step"], browser: browser).status == .notFound)
            let first = PlanCatalogue.defaultSteps[0].code
            for _ in 0..<2 { #expect(try await portal.submit("/app/onboarding", ["csrf_token": csrf, "step": first], browser: browser).status == .seeOther) }
            #expect(try await AccountOnboardingStep.query(on: portal.db).filter(\.$step == first).count() == 1)
            #expect(try await Account.find(account.id, on: portal.db)?.setupCompleted == false)
            for step in PlanCatalogue.defaultSteps.dropFirst() {
                #expect(try await portal.submit("/app/onboarding", ["csrf_token": csrf, "step": step.code], browser: browser).status == .seeOther)
            }
            #expect(try await Account.find(account.id, on: portal.db)?.setupCompleted == true)
            let entries = try await AuditEvent.query(on: portal.db).filter(\.$action ~~ ["account.onboarding-step-done", "account.setup-completed"]).all()
            #expect(entries.filter { $0.action == "account.onboarding-step-done" }.count == PlanCatalogue.defaultSteps.count)
            #expect(entries.filter { $0.action == "account.setup-completed" }.count == 1)
            #expect(try await portal.visit("/app", browser: browser).text.contains("Every step is done"))
        }
    }
}

/// The business profile the owner keeps in the workspace.
extension WorkspaceSignInTests {
    @Test func whileLinksAreScreenedTheBusinessNameCannotCarryOne() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            let owner = Browser()
            #expect(try await signIn(portal, owner).status == .seeOther)
            let page = try await portal.visit("/app/profile", browser: owner)
            var fields = ["csrf_token": page.csrfToken ?? "", "name": "Get deals at evil.com", "phone": "", "address": "", "description": "",
                          "opening_hours": "", "brand_color": "", "logo_url": ""]
            let refused = try await portal.submit("/app/profile", fields, browser: owner)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("cannot hold a web address"))
            #expect(try await Account.find(account.id, on: portal.db)?.name == "Blue Bakery")
            // Once an operator enables send links, it may.
            account.sendLinksEnabled = true
            try await account.update(on: portal.db)
            fields["name"] = "Blue Bakery (bluebakery.com)"
            #expect(try await portal.submit("/app/profile", fields, browser: owner).status == .seeOther)
        }
    }

    @Test func theOwnerEditsTheBusinessProfileAndStaffMayOnlyReadIt() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            try await staffMember(portal, of: account)

            let owner = Browser()
            #expect(try await signIn(portal, owner).status == .seeOther)
            let page = try await portal.visit("/app/profile", browser: owner)
            #expect(page.status == .ok && page.text.contains("Save profile"))
            let csrf = try #require(page.csrfToken)
            let fields = ["csrf_token": csrf, "name": "Blue Bakery Kent", "phone": "", "address": "1 High Street",
                          "description": "Sourdough and\r\ncroissants.", "opening_hours": "Mon–Fri 8:00–16:00\nSat 9:00–13:00",
                          "brand_color": "#aa3300", "logo_url": "https://cdn.example.com/logo.png"]
            var bad = fields
            bad["logo_url"] = "javascript:alert(1)"
            bad["brand_color"] = "red"
            let refused = try await portal.submit("/app/profile", bad, browser: owner)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("field-logo_url-error") && refused.text.contains("field-brand_color-error"))
            // What was typed stays in the form.
            #expect(refused.text.contains("Blue Bakery Kent"))
            #expect(try await Account.find(account.id, on: portal.db)?.name == "Blue Bakery")
            #expect(try await portal.submit("/app/profile", fields, browser: owner).status == .seeOther)
            let saved = try #require(try await Account.find(account.id, on: portal.db))
            #expect(saved.name == "Blue Bakery Kent" && saved.brandColor == "#AA3300" && saved.logoURL == "https://cdn.example.com/logo.png")
            #expect(saved.businessDescription == "Sourdough and\ncroissants." && saved.openingHours == "Mon–Fri 8:00–16:00\nSat 9:00–13:00")
            let history = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.profile-changed").first())
            #expect(history.actorName == "Felix Murphy" && history.details.contains("name: Blue Bakery → Blue Bakery Kent"))

            let staffBrowser = Browser()
            #expect(try await signIn(portal, staffBrowser, email: "kim@bakery.example").status == .seeOther)
            let read = try await portal.visit("/app/profile", browser: staffBrowser)
            #expect(read.status == .ok && read.text.contains("Only the owner") && !read.text.contains("Save profile"))
            var staffFields = fields
            staffFields["csrf_token"] = try #require(read.csrfToken)
            staffFields["name"] = "Kim's Bakery"
            #expect(try await portal.submit("/app/profile", staffFields, browser: staffBrowser).status == .forbidden)
            #expect(try await Account.find(account.id, on: portal.db)?.name == "Blue Bakery Kent")
        }
    }
}

/// Staff as the owner manages them in the workspace.
extension WorkspaceSignInTests {
    @Test func theOwnerInvitesStaffWithinTheSlotsAndRemovesThem() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            account.staffSlots = 1
            try await account.update(on: portal.db)
            let owner = Browser()
            #expect(try await signIn(portal, owner).status == .seeOther)
            let page = try await portal.visit("/app/staff", browser: owner)
            #expect(page.status == .ok && page.text.contains("0 of 1 staff slots in use"))
            let csrf = try #require(page.csrfToken)
            let bad = try await portal.submit("/app/staff", ["csrf_token": csrf, "name": "Kim", "email": "not an email"], browser: owner)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("field-email-error") && bad.text.contains("value=\"Kim\""))
            #expect(try await portal.submit("/app/staff", ["csrf_token": csrf, "name": "Kim Staff", "email": "kim@bakery.example"], browser: owner).status == .seeOther)
            let full = try await portal.submit("/app/staff", ["csrf_token": csrf, "name": "Lee Staff", "email": "lee@bakery.example"], browser: owner)
            #expect(full.status == .conflict && full.text.contains("All 1 staff slots are in use"))
            let invite = try #require(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "kim@bakery.example").first())
            #expect(invite.accountID == account.id)
            let kim = try #require(try await AccountUser.query(on: portal.db).filter(\.$email == "kim@bakery.example").first())
            #expect(try await portal.submit("/app/staff/remove", ["csrf_token": csrf, "user": try kim.requireID().uuidString], browser: owner).status == .seeOther)
            #expect(try await AccountUser.find(kim.id, on: portal.db) == nil)
            let history = try await AuditEvent.query(on: portal.db).filter(\.$action ~~ ["account.staff-added", "account.staff-removed"]).all()
            #expect(history.count == 2 && history.allSatisfy { $0.actorName == "Felix Murphy" })
        }
    }

    @Test func theOwnerSendsAnInvitationAgainOnlyWhileItIsNotAccepted() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            account.staffSlots = 2
            try await account.update(on: portal.db)
            let owner = Browser()
            #expect(try await signIn(portal, owner).status == .seeOther)
            let csrf = try #require(try await portal.visit("/app/staff", browser: owner).csrfToken)
            _ = try await portal.submit("/app/staff", ["csrf_token": csrf, "name": "Kim Staff", "email": "kim@bakery.example"], browser: owner)
            let kim = try #require(try await AccountUser.query(on: portal.db).filter(\.$email == "kim@bakery.example").first())
            let firstLink = try #require(try await AccountUserToken.query(on: portal.db).filter(\.$accountUserID == kim.requireID()).first())
            let page = try await portal.visit("/app/staff", browser: owner)
            #expect(page.text.contains("action=\"/app/staff/resend\""))
            let again = try await portal.submit("/app/staff/resend", ["csrf_token": csrf, "user": try kim.requireID().uuidString], browser: owner)
            #expect(again.status == .ok && again.text.contains("Invitation sent again."))
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "kim@bakery.example").count() == 2)
            // The first link no longer works.
            #expect(try await AccountUserToken.find(firstLink.id, on: portal.db)?.usedAt != nil)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.staff-invite-resent").first()?.actorName == "Felix Murphy")
            // Accepted: nothing to send again.
            kim.status = .active
            try await kim.update(on: portal.db)
            let accepted = try await portal.submit("/app/staff/resend", ["csrf_token": csrf, "user": try kim.requireID().uuidString], browser: owner)
            #expect(accepted.status == .conflict && accepted.text.contains("accepted the invitation already"))
            // Someone else's id is nobody here.
            #expect(try await portal.submit("/app/staff/resend", ["csrf_token": csrf, "user": UUID().uuidString], browser: owner).status == .notFound)
        }
    }

    @Test func twoInvitesAtOnceNeverExceedTheSlots() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            account.staffSlots = 1
            try await account.update(on: portal.db)
            let context = AuditContext(actor: AuditActor(id: nil, name: "Felix Murphy"), ip: "")
            async let first: AccountUser? = try? AccountUsers.inviteStaff(name: "Kim Staff", email: "kim@bakery.example", to: account, context: context,
                                                                          partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            async let second: AccountUser? = try? AccountUsers.inviteStaff(name: "Lee Staff", email: "lee@bakery.example", to: account, context: context,
                                                                           partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            let made = [await first, await second].compactMap { $0 }
            #expect(made.count == 1)
            #expect(try await AccountUser.query(on: portal.db).filter(\.$role == .staff).count() == 1)
        }
    }

    @Test func staffMayNotInviteOrRemove() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            try await staffMember(portal, of: account)
            let browser = Browser()
            #expect(try await signIn(portal, browser, email: "kim@bakery.example").status == .seeOther)
            let page = try await portal.visit("/app/staff", browser: browser)
            #expect(page.status == .ok && page.text.contains("Only the owner") && !page.text.contains("Send invitation"))
            let csrf = try #require(page.csrfToken)
            #expect(try await portal.submit("/app/staff", ["csrf_token": csrf, "name": "Lee Staff", "email": "lee@bakery.example"], browser: browser).status == .forbidden)
            #expect(try await AccountUser.query(on: portal.db).count() == 2)
        }
    }
}
