@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The account page's tabs beyond the Account tab's switches: owner and staff, activity,
/// subscription, locations, group moves, the owner's password, in the UI and the API.
@Suite struct AccountTabsTests {
    private func newAccount(_ portal: TestPortal, browser: Browser, name: String = "Rosie's Bakery",
                            email: String = "rosie@example.com") async throws -> Account {
        let form = try await portal.visit("/accounts/new", browser: browser)
        let made = try await portal.submit("/accounts", ["name": name, "email": email, "owner_name": "Rosalind",
                                                         "csrf_token": form.csrfToken ?? ""], browser: browser)
        #expect(made.status == .seeOther)
        return try #require(try await Account.query(on: portal.db).filter(\.$email == email).first())
    }

    private func link(in body: String) -> String? {
        body.firstMatch(of: /https?:\/\/[^\s]+\/app\/setup\/[A-Za-z0-9_-]+/).map { String($0.output) }
    }

    @Test func theOwnerIsCreatedWithTheAccountInvitedByEmailAndChoosesAPasswordOnce() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let owner = try #require(try await AccountUsers.owner(of: account, on: portal.db))
            #expect(owner.name == "Rosalind" && owner.email == "rosie@example.com" && owner.status == .invited && owner.passwordHash == nil)
            let invite = try #require(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "rosie@example.com").first())
            #expect(invite.subject == "Your Rosie's Bakery account is ready")
            let url = try #require(link(in: invite.body))
            let path = String(url[url.range(of: "/app/setup/")!.lowerBound...])

            let visitor = Browser()
            let page = try await portal.visit(path, browser: visitor)
            #expect(page.status == .ok && page.text.contains("Set a password for rosie@example.com"))
            let weak = try await portal.submit(path, ["password": "short", "password_confirmation": "short", "csrf_token": page.csrfToken ?? ""], browser: visitor)
            #expect(weak.status == .unprocessableEntity)
            let done = try await portal.submit(path, ["password": "a long enough secret", "password_confirmation": "a long enough secret",
                                                      "csrf_token": page.csrfToken ?? ""], browser: visitor)
            #expect(done.status == .ok && done.text.contains("Password saved"))
            let stored = try #require(try await AccountUser.find(owner.id, on: portal.db))
            #expect(stored.status == .active && stored.passwordHash != nil)
            // The link works once.
            #expect(try await portal.visit(path, browser: visitor).status == .gone)
            let staff = try await portal.visit("/accounts/\(account.businessUID)/staff", browser: browser)
            #expect(staff.text.contains("Rosalind") && staff.text.contains("Owner") && staff.text.contains("Active"))
        }
    }

    @Test func lockingEndsTheOwnersAndStaffsSessionsAtOnce() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let owner = try #require(try await AccountUsers.owner(of: account, on: portal.db))
            let staff = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .staff, name: "Sam", email: "sam@rosie.example")
            try await staff.create(on: portal.db)
            let other = try await newAccount(portal, browser: browser, name: "Other", email: "other@example.com")
            let otherOwner = try #require(try await AccountUsers.owner(of: other, on: portal.db))
            for user in [owner, staff, otherOwner] {
                try await AccountUserSession(user: user, tokenDigest: SecretToken.generate().digest, now: Date(), lifetime: 3600).create(on: portal.db)
            }
            let page = try await portal.visit("/accounts/\(account.businessUID)/account", browser: browser)
            #expect(try await portal.submit("/accounts/\(account.businessUID)/lock", ["csrf_token": page.csrfToken ?? "", "confirmed": "yes"], browser: browser).status == .seeOther)
            #expect(try await AccountUserSession.query(on: portal.db).filter(\.$accountID == account.requireID()).count() == 0)
            // Another account's users are not touched.
            #expect(try await AccountUserSession.query(on: portal.db).filter(\.$accountID == other.requireID()).count() == 1)
        }
    }

    @Test func theOwnersPasswordIsResetByALinkShownOnceOrATemporaryPassword() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let owner = try #require(try await AccountUsers.owner(of: account, on: portal.db))
            try await AccountUserSession(user: owner, tokenDigest: SecretToken.generate().digest, now: Date(), lifetime: 3600).create(on: portal.db)
            let path = "/accounts/\(account.businessUID)"
            let tab = try await portal.visit("\(path)/account", browser: browser)
            let byLink = try await portal.submit("\(path)/reset-password", ["method": "link", "csrf_token": tab.csrfToken ?? "", "confirmed": "yes"], browser: browser)
            #expect(byLink.status == .ok && byLink.headers.first(name: .cacheControl) == "no-store")
            let shown = try #require(byLink.text.firstMatch(of: /id="reset-link">([^<]+)</).map { String($0.output.1) })
            let emailed = try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "rosie@example.com").sort(\.$createdAt, .descending).all()
            #expect(emailed.first?.subject == "Reset your Rosie's Bakery password" && emailed.first?.body.contains(shown) == true)
            #expect(try await AccountUserSession.query(on: portal.db).count() == 0)
            // The invite link stopped working when the reset link was made.
            #expect(emailed.count == 2 && link(in: emailed[1].body) != shown)
            let invitePath = try #require(link(in: emailed[1].body)).split(separator: "/app/").last.map { "/app/" + $0 } ?? ""
            #expect(try await portal.visit(invitePath, browser: Browser()).status == .gone)
            #expect(try await portal.visit("/app/" + (shown.split(separator: "/app/").last ?? ""), browser: Browser()).status == .ok)
            // Shown once: the tab does not show it again.
            #expect(!(try await portal.visit("\(path)/account", browser: browser).text.contains(shown)))

            let temporary = try await portal.submit("\(path)/reset-password", ["method": "temporary", "csrf_token": tab.csrfToken ?? "", "confirmed": "yes"], browser: browser)
            let password = try #require(temporary.text.firstMatch(of: /id="temporary-password">([a-z0-9-]+)</).map { String($0.output.1) })
            #expect(password.count == 19)
            let stored = try #require(try await AccountUser.find(owner.id, on: portal.db))
            #expect(stored.mustChangePassword && stored.status == .active)
            #expect(try await portal.app.password.async.verify(password, created: try #require(stored.passwordHash)))
            let history = try await AuditEvent.query(on: portal.db).filter(\.$action == "account.owner-password-reset").all()
            #expect(history.count == 2 && !history.contains { $0.details.contains(password) })

            // The API gives the same, and a viewer may not.
            let api = try await portal.api(as: ada)
            let viaAPI = try await api.call(.POST, "/accounts/\(account.businessUID)/reset-owner-password", json: #"{"method":"link"}"#)
            #expect(try viaAPI.status == .ok && (try api.object(viaAPI)["link"] as? String)?.contains("/app/setup/") == true)
            let vi = try await portal.api(as: try #require(try await Operator.query(on: portal.db).filter(\.$email == "vi@example.com").first()))
            #expect(try await vi.call(.POST, "/accounts/\(account.businessUID)/reset-owner-password", json: #"{"method":"temporary"}"#).status == .forbidden)
            let viewer = try await portal.signIn(email: "vi@example.com")
            let viewerTab = try await portal.visit("\(path)/account", browser: viewer)
            #expect(viewerTab.text.contains("id=\"why-reset-password\""))
            #expect(try await portal.submit("\(path)/reset-password", ["method": "link", "csrf_token": viewerTab.csrfToken ?? ""], browser: viewer).status == .forbidden)
        }
    }

    @Test func theSubscriptionTabEditsPlanAndSlotsFromTheCatalogueAndCountsStaffAgainstSlots() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await portal.makeOperator(email: "aa@example.com", name: "Al", role: "account-admin")
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let path = "/accounts/\(account.businessUID)"
            let tab = try await portal.visit("\(path)/subscription", browser: browser)
            #expect(tab.text.contains("0 of 1 staff slots in use") && tab.text.contains("Premium (15 staff slots)"))
            let csrf = tab.csrfToken ?? ""
            let badPlan = try await portal.submit("\(path)/subscription", ["plan": "Gold", "staff_slots": "3", "csrf_token": csrf], browser: browser)
            #expect(badPlan.status == .unprocessableEntity && badPlan.text.contains("Choose one of the plans") && badPlan.text.contains("value=\"3\""))
            let badSlots = try await portal.submit("\(path)/subscription", ["plan": "Standard", "staff_slots": "many", "csrf_token": csrf], browser: browser)
            #expect(badSlots.status == .unprocessableEntity && badSlots.text.contains("whole number"))
            let saved = try await portal.submit("\(path)/subscription", ["plan": "Standard", "staff_slots": "2", "csrf_token": csrf], browser: browser)
            #expect(saved.headers.first(name: .location) == "\(path)/subscription#main")
            #expect(try await portal.visit("\(path)/subscription", browser: browser).text.contains("Subscription saved: plan Standard, 2 staff slots."))
            var stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.plan == "Standard" && stored.staffSlots == 2)

            // Staff fill the slots; the slots cannot drop below the staff.
            let api = try await portal.api(as: ada)
            for (index, name) in ["Sam", "Kit"].enumerated() {
                let added = try await api.call(.POST, "/accounts/\(account.businessUID)/staff", json: #"{"name":"\#(name)","email":"s\#(index)@rosie.example"}"#)
                #expect(added.status == .created)
            }
            let full = try await api.call(.POST, "/accounts/\(account.businessUID)/staff", json: #"{"name":"Lee","email":"lee@rosie.example"}"#)
            #expect(full.status == .conflict)
            let duplicate = try await api.call(.PUT, "/accounts/\(account.businessUID)/subscription", json: #"{"staffSlots":1}"#)
            #expect(duplicate.status == .conflict)
            #expect(try await api.call(.PUT, "/accounts/\(account.businessUID)/subscription", json: #"{"plan":"Gold"}"#).status == .conflict)
            let changed = try await api.call(.PUT, "/accounts/\(account.businessUID)/subscription", json: #"{"plan":"Premium","staffSlots":15}"#)
            #expect(try changed.status == .ok && (try api.object(changed)["staffSlots"] as? Int) == 15)
            stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.plan == "Premium")
            #expect(try await portal.visit("\(path)/subscription", browser: browser).text.contains("2 of 15 staff slots in use"))
            let history = try await portal.visit("\(path)/history", browser: browser)
            #expect(history.text.contains("moved the account from the plan “Standard” to “Premium”") && history.text.contains("Staff slots: 2 → 15"))
            #expect(history.text.contains("invited “Sam &lt;s0@rosie.example&gt;” as staff"))

            // Account Admin has every account permission but subscription.edit.
            let al = try await portal.signIn(email: "aa@example.com")
            let alTab = try await portal.visit("\(path)/subscription", browser: al)
            #expect(alTab.text.contains("id=\"why-subscription\""))
            #expect(try await portal.submit("\(path)/subscription", ["plan": "Starter", "staff_slots": "2", "csrf_token": alTab.csrfToken ?? ""], browser: al).status == .forbidden)
            #expect(try await Account.find(account.id, on: portal.db)?.plan == "Premium")
        }
    }

    @Test func staffAreAddedWithinSlotsRemovedButNeverTheOwner() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "sup@example.com", name: "Sue", role: "support")
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let path = "/accounts/\(account.businessUID)"
            let tab = try await portal.visit("\(path)/staff", browser: browser)
            let bad = try await portal.submit("\(path)/staff", ["staff_name": " ", "staff_email": "nope", "csrf_token": tab.csrfToken ?? ""], browser: browser)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("id=\"field-staff_name-error\"") && bad.text.contains("value=\"nope\""))
            #expect(try await portal.submit("\(path)/staff", ["staff_name": "Sam", "staff_email": "sam@rosie.example", "csrf_token": tab.csrfToken ?? ""], browser: browser).status == .seeOther)
            let full = try await portal.submit("\(path)/staff", ["staff_name": "Kit", "staff_email": "kit@rosie.example", "csrf_token": tab.csrfToken ?? ""], browser: browser)
            #expect(full.status == .conflict && full.text.contains("All 1 staff slots are in use"))
            let sam = try #require(try await AccountUser.query(on: portal.db).filter(\.$email == "sam@rosie.example").first())
            #expect(sam.role == .staff && sam.status == .invited)
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "sam@rosie.example").count() == 1)
            let owner = try #require(try await AccountUsers.owner(of: account, on: portal.db))
            let refused = try await portal.submit("\(path)/remove-staff", ["user": try owner.requireID().uuidString, "csrf_token": tab.csrfToken ?? ""], browser: browser)
            #expect(refused.status == .conflict)
            // Support may not manage staff.
            let sue = try await portal.signIn(email: "sup@example.com")
            let sueTab = try await portal.visit("\(path)/staff", browser: sue)
            #expect(sueTab.status == .ok && sueTab.text.contains("id=\"why-staff\"") && !sueTab.text.contains("/remove-staff"))
            #expect(try await portal.submit("\(path)/remove-staff", ["user": try sam.requireID().uuidString, "csrf_token": sueTab.csrfToken ?? ""], browser: sue).status == .forbidden)
            #expect(try await portal.submit("\(path)/remove-staff", ["user": try sam.requireID().uuidString, "csrf_token": tab.csrfToken ?? ""], browser: browser).status == .seeOther)
            #expect(try await AccountUser.query(on: portal.db).filter(\.$accountID == account.requireID()).count() == 1)
        }
    }

    @Test func activityPushedThroughTheAPIFillsTheTabAndTheHeaderCountsOnce() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let sue = try await portal.makeOperator(email: "sup@example.com", name: "Sue", role: "support")
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            // Old enough not to count as new, and set up: then activity makes it active.
            try await portal.db.sql.update(Account.schema).set("created_at", to: Date().addingTimeInterval(-90 * 86_400)).set("setup_completed", to: true)
                .where("id", .equal, account.requireID()).run()
            let before = try await portal.visit("/accounts", browser: browser)
            #expect(before.text.contains("<div class=\"label\">Inactive</div><div class=\"value\">1</div>"))

            let api = try await portal.api(as: ada)
            let iso = ISO8601DateFormatter()
            let recent = iso.string(from: Date().addingTimeInterval(-2 * 86_400)), older = iso.string(from: Date().addingTimeInterval(-40 * 86_400))
            let batch = """
                {"bookings":[{"id":"b1","at":"\(recent)"},{"id":"b2","at":"\(older)"}],
                 "payments":[{"id":"p1","at":"\(recent)","amountMinor":12550,"currency":"EUR"}],
                 "onboardingSteps":[{"step":"services","at":"\(older)"}],
                 "sites":[{"host":"Rosies.Example","at":"\(recent)"}]}
                """
            let first = try await api.call(.POST, "/accounts/\(account.businessUID)/activity", json: batch)
            #expect(first.status == .ok)
            #expect(try api.object(first) as NSDictionary == ["bookings": 2, "payments": 1, "onboardingSteps": 1, "sites": 1] as NSDictionary)
            // Sent again: nothing new.
            let again = try await api.call(.POST, "/accounts/\(account.businessUID)/activity", json: batch)
            #expect(try api.object(again) as NSDictionary == ["bookings": 0, "payments": 0, "onboardingSteps": 0, "sites": 0] as NSDictionary)
            #expect(try await AccountBooking.query(on: portal.db).count() == 2)
            let unknownStep = try await api.call(.POST, "/accounts/\(account.businessUID)/activity", json: #"{"onboardingSteps":[{"step":"dance","at":"\#(recent)"}]}"#)
            #expect(unknownStep.status == .conflict)
            let future = try await api.call(.POST, "/accounts/\(account.businessUID)/activity", json: #"{"bookings":[{"id":"f","at":"2999-01-01T00:00:00Z"}]}"#)
            #expect(future.status == .ok)
            let stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(try #require(stored.lastActivityAt) <= Date())

            let after = try await portal.visit("/accounts", browser: browser)
            #expect(after.text.contains("<div class=\"label\">Active</div><div class=\"value\">1</div>"))
            let tab = try await portal.visit("/accounts/\(account.businessUID)/activity", browser: browser)
            #expect(tab.text.contains("<svg class=\"chart\"") && tab.text.contains("2 bookings and 1 payments accepted, worth 125.50 EUR."))
            #expect(tab.text.contains("rosies.example") && tab.text.contains("1 of 6 onboarding steps done"))
            let read = try api.object(try await api.call(.GET, "/accounts/\(account.businessUID)/activity"))
            #expect((read["weeks"] as? [Any])?.count == 13 && (read["sites"] as? [[String: Any]])?.first?["host"] as? String == "rosies.example")

            // Support may read activity but not push it.
            let sueAPI = try await portal.api(as: sue)
            #expect(try await sueAPI.call(.GET, "/accounts/\(account.businessUID)/activity").status == .ok)
            #expect(try await sueAPI.call(.POST, "/accounts/\(account.businessUID)/activity", json: batch).status == .forbidden)
        }
    }

    @Test func locationsDetailsAndGroupMovesAreAllowedAndDeniedPerScope() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await south.create(on: portal.db)
            let al = try await portal.makeOperator(email: "aa@example.com", name: "Al", role: "account-admin")
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == al.requireID()).first())
            grant.scope = .group
            grant.scopeID = north.id
            try await grant.update(on: portal.db)
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let path = "/accounts/\(account.businessUID)"
            let tab = try await portal.visit(path, browser: browser)
            let csrf = tab.csrfToken ?? ""

            let badDetails = try await portal.submit("\(path)/details", ["form": "details", "name": "", "email": "x", "csrf_token": csrf], browser: browser)
            #expect(badDetails.status == .unprocessableEntity && badDetails.text.contains("<details open=\"open\">") && badDetails.text.contains("id=\"field-email-error\""))
            #expect(try await portal.submit("\(path)/details", ["form": "details", "name": "Rosie's Bakes", "email": "hello@rosie.example", "owner_name": "Rosalind",
                                                               "address": "1 Mill Lane\nLeeds", "csrf_token": csrf], browser: browser).status == .seeOther)
            var stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.name == "Rosie's Bakes" && stored.address == "1 Mill Lane, Leeds")
            #expect(try await AccountUsers.owner(of: stored, on: portal.db)?.email == "hello@rosie.example")

            #expect(try await portal.submit("\(path)/locations", ["location_name": "Leeds shop", "location_address": "1 Mill Lane\nLeeds", "csrf_token": csrf], browser: browser).status == .seeOther)
            let noName = try await portal.submit("\(path)/locations", ["location_name": "", "location_address": "x", "csrf_token": csrf], browser: browser)
            #expect(noName.status == .unprocessableEntity && noName.text.contains("id=\"field-location_name-error\""))
            let api = try await portal.api(as: ada)
            let added = try await api.call(.POST, "\(path)/locations".replacingOccurrences(of: "/accounts", with: "/accounts"), json: #"{"name":"York kiosk","address":"Station Road, York"}"#)
            #expect(added.status == .created)
            let listed = try api.array(try await api.call(.GET, "\(path)/locations"))
            #expect(listed.compactMap { $0["name"] as? String } == ["Leeds shop", "York kiosk"])
            let york = try #require(listed.last?["id"] as? String)
            #expect(try await api.call(.DELETE, "\(path)/locations/\(york)").status == .noContent)
            #expect(try await api.call(.DELETE, "\(path)/locations/\(york)").status == .notFound)

            // Moves: Ada anywhere; Al (North only) cannot take an account out of North or into it from outside.
            let moved = try await api.call(.PUT, "\(path)/group", json: #"{"groupId":"\#(try north.requireID().uuidString)"}"#)
            #expect(try moved.status == .ok && (try api.object(moved)["groupId"] as? String) == north.id?.uuidString.lowercased())
            let alAPI = try await portal.api(as: al)
            #expect(try await alAPI.call(.PUT, "\(path)/group", json: #"{"groupId":"\#(try south.requireID().uuidString)"}"#).status == .forbidden)
            #expect(try await alAPI.call(.PUT, "\(path)/group", json: #"{"groupId":null}"#).status == .forbidden)
            #expect(try await api.call(.PUT, "\(path)/group", json: #"{"groupId":"\#(UUID().uuidString)"}"#).status == .conflict)
            stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.groupID == north.id)
            let history = try await portal.visit("\(path)/history", browser: browser)
            #expect(history.text.contains("moved the account into North") && history.text.contains("added the location “Leeds shop, 1 Mill Lane, Leeds”"))
            #expect(history.text.contains("changed the details of the account") && history.text.contains("Name: Rosie's Bakery → Rosie's Bakes"))

            // Read by nickname, the external ID.
            stored.nickname = "rosies"
            try await stored.update(on: portal.db)
            let byNickname = try await api.call(.GET, "/accounts/by-nickname/rosies")
            #expect(try byNickname.status == .ok && (try api.object(byNickname)["businessUid"] as? String) == account.businessUID)
            #expect(try await api.call(.GET, "/accounts/by-nickname/nobody").status == .notFound)
        }
    }

    /// Found by schemathesis: the generated decoders do not check patterns, lengths of query
    /// values, or a required property that may be null.
    @Test func theAPIRefusesWhatItsSchemaRefuses() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let account = try await newAccount(portal, browser: browser)
            let api = try await portal.api(as: ada)
            let uid = account.businessUID
            #expect(try await api.call(.PUT, "/accounts/\(uid)/group", json: "{}").status == .badRequest)
            #expect(try await api.call(.PUT, "/accounts/\(uid)/group", json: #"{"groupId":null}"#).status == .ok)
            let noCurrency = #"{"payments":[{"id":"p","at":"2026-01-01T00:00:00Z","amountMinor":1,"currency":""}]}"#
            #expect(try await api.call(.POST, "/accounts/\(uid)/activity", json: noCurrency).status == .badRequest)
            let controlID = #"{"bookings":[{"id":"a\u0001","at":"2026-01-01T00:00:00Z"}]}"#
            #expect(try await api.call(.POST, "/accounts/\(uid)/activity", json: controlID).status == .badRequest)
            let oddDate = #"{"bookings":[{"id":"b","at":"2000-01-01T19:15:10.0-17:43"}]}"#
            #expect(try await api.call(.POST, "/accounts/\(uid)/activity", json: oddDate).status == .ok)
            #expect(try await api.call(.GET, "/accounts?plan=\(String(repeating: "0", count: 101))").status == .badRequest)
            #expect(try await api.call(.GET, "/audit?action=\(String(repeating: "0", count: 101))").status == .badRequest)
            #expect(try await api.call(.GET, "/audit?to=2000-01-01T19%3A15%3A10.0-17%3A43").status == .ok)
            // The owner's email may not be a staff member's: a conflict (409), not a malformed field.
            #expect(try await api.call(.POST, "/accounts/\(uid)/staff", json: #"{"name":"Sam","email":"sam@rosie.example"}"#).status == .created)
            #expect(try await api.call(.PATCH, "/accounts/\(uid)/details", json: #"{"email":"sam@rosie.example"}"#).status == .conflict)
        }
    }
}
