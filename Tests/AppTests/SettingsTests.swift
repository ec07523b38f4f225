@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The Settings page: who may open it, and each section changed through its form taking effect
/// where it is used, audited with before → after, bad input answered next to the field.
@Suite struct SettingsTests {
    /// The security form as the page sends it, with the current defaults and `changes`.
    static func securityForm(csrf: String, _ changes: [String: String] = [:], methods: [String] = ["totp", "email", "sms"]) -> [(String, String)] {
        var fields = ["second_factor": "required", "idle_timeout": "60", "absolute_timeout": "720", "impersonation_reason": "optional",
                      "impersonation_minutes": "60", "login_as_consent": "optional", "login_as_notice": "always",
                      "client_authenticator": "optional", "csrf_token": csrf]
        fields.merge(changes) { $1 }
        return fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + methods.map { ("methods[]", $0) }
    }

    static func partner(_ portal: TestPortal) async throws -> Partner {
        try #require(try await Partner.find(portal.partner.id, on: portal.db))
    }

    static func entries(_ action: String, _ portal: TestPortal) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: portal.db).filter(\.$action == action).all()
    }

    @Test func onlyOperatorsWithSettingsManageOverThePartnerOpenSettings() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin")
            try await portal.makeOperator(email: "sam@example.com", name: "Sam Support", role: "support")
            let admin = try await portal.signIn()
            let page = try await portal.visit("/settings", browser: admin)
            #expect(page.status == .ok)
            #expect(page.text.contains("Save security settings") && page.text.contains("Save retention")
                    && page.text.contains("Save branding") && page.text.contains("Add domain"))
            #expect(page.text.contains(#"<a href="/settings" aria-current="page">Settings</a>"#))

            let capture = LogCapture()
            portal.app.logger = capture.logger
            let support = try await portal.signIn(email: "sam@example.com")
            let home = try await portal.visit("/", browser: support)
            #expect(!home.text.contains(#"href="/settings""#), "no Settings in the navigation without settings.manage")
            #expect(try await portal.visit("/settings", browser: support).status == .forbidden)
            let csrf = try #require(home.csrfToken)
            let refused = try await portal.submit("/settings/retention", ["retention_days": "45", "csrf_token": csrf], browser: support)
            #expect(refused.status == .forbidden)
            #expect(try await Self.partner(portal).historyRetentionDays == 183)
            #expect(capture.lines.contains { $0.contains("access denied") && $0.contains("settings.manage") && $0.contains("/settings/retention") })
        }
    }

    @Test func aGroupScopedAdminDoesNotReachThePartnersSettings() async throws {
        try await TestPortal.run { portal in
            let op = try await portal.makeOperator(role: "admin")
            let actor = try #require(try await AccessLoader.actor(operatorID: op.requireID(), partnerID: portal.partner.requireID(), on: portal.db))
            #expect(AccessPolicy.mayManageSettings(actor) == .allow)
            let scoped = Actor(operatorID: actor.operatorID, partnerID: actor.partnerID, isActive: true,
                               grants: actor.grants.map { ActorGrant(role: $0.role, scope: .group(UUID())) }, hasAssignments: false)
            #expect(AccessPolicy.mayManageSettings(scoped) == .deny(.outOfScope(.settingsManage)))
            let blocked = Actor(operatorID: actor.operatorID, partnerID: actor.partnerID, isActive: false, grants: actor.grants, hasAssignments: false)
            #expect(AccessPolicy.mayManageSettings(blocked) == .deny(.blocked))
        }
    }

    @Test func aNewBrandColourShowsOnTheSignInPageAndIsAudited() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let saved = try await portal.submit("/settings/branding", ["name": "Blue Reseller", "color": "#0f766e", "csrf_token": csrf],
                                                browser: browser)
            #expect(saved.status == .seeOther)
            #expect(saved.headers.first(name: .location) == "/settings")
            #expect(try await portal.visit("/settings", browser: browser).text.contains("Brand updated: every page and email shows the new name and colour."))

            let signIn = try await portal.send(.GET, "/sign-in")
            #expect(signIn.text.contains("--brand:#0F766E;--brand-text:#FFFFFF"))
            #expect(signIn.text.contains("Blue Reseller"))
            let entry = try #require(try await Self.entries("settings.branding-changed", portal).first)
            #expect(entry.details == "name: Acme Partners → Blue Reseller\ncolour: #4F46E5 → #0F766E")
            #expect(entry.actorName == "Ada Admin" && entry.targetType == "partner")
        }
    }

    @Test func aColourTooFaintForTextIsRefusedNextToTheFieldWithTheTypedTextKept() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let refused = try await portal.submit("/settings/branding", ["name": "Grey Partners", "color": "#7F7F7F", "csrf_token": csrf],
                                                  browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains(##"id="field-color" name="color" type="text" value="#7F7F7F""##))
            #expect(refused.text.contains(#"<div class="error" id="field-color-error">Text on this colour would be hard to read"#))
            #expect(refused.text.contains(#"value="Grey Partners""#), "the other fields keep what was typed")
            let partner = try await Self.partner(portal)
            #expect(partner.brandColor == Partner.defaultBrandColor && partner.name == "Acme Partners" && partner.logoURL == nil)
            #expect(try await Self.entries("settings.branding-changed", portal).isEmpty)
        }
    }

    @Test func aNewRetentionIsWhatTheRetentionJobUses() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let saved = try await portal.submit("/settings/retention", ["retention_days": "45", "csrf_token": csrf], browser: browser)
            #expect(saved.status == .seeOther)
            #expect(try await Self.partner(portal).historyRetentionDays == 45)
            let entry = try #require(try await Self.entries("settings.retention-changed", portal).first)
            #expect(entry.details == "history retention days: 183 → 45")

            let now = Date()
            for (days, label) in [(50.0, "older than 45 days"), (40.0, "within 45 days")] {
                try await AuditEvent(partnerID: portal.partner.requireID(), actorID: nil, actorName: "Ada", action: "account.lock",
                                     targetType: "account", targetID: UUID().uuidString, targetLabel: label, details: "", ip: "",
                                     at: now.addingTimeInterval(-days * 86_400)).create(on: portal.db)
            }
            #expect(try await HistoryRetention.prune(now: now, signer: portal.auditSigner, on: portal.db) == 1)
            let left = try await AuditEvent.query(on: portal.db).filter(\.$targetType == "account").all().map(\.targetLabel)
            #expect(left == ["within 45 days"])
        }
    }

    @Test(arguments: ["29", "731", "forever", ""])
    func aRetentionOutsideTheRangeIsRefusedNextToTheField(days: String) async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let refused = try await portal.submit("/settings/retention", ["retention_days": days, "csrf_token": csrf], browser: browser)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains(#"id="field-retention_days-error">Enter a whole number of days from 30 to 730."#))
            if !days.isEmpty { #expect(refused.text.contains(#"value="\#(days)""#)) }
            #expect(try await Self.partner(portal).historyRetentionDays == 183)
        }
    }

    @Test func theSecondFactorRuleAppliesAtTheNextSignIn() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "neo@example.com", name: "Neo New", role: "support", secondFactor: nil)
            func passwordStep() async throws -> String? {
                let browser = Browser()
                let form = try await portal.visit("/sign-in", browser: browser)
                let answer = try await portal.submit("/sign-in", ["email": "neo@example.com", "password": "correct horse battery",
                                                                  "csrf_token": form.csrfToken ?? ""], browser: browser)
                return answer.headers.first(name: .location)
            }
            #expect(try await passwordStep() == "/sign-in/enrol", "required: an operator without a method must set one up")

            let admin = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: admin).csrfToken)
            let saved = try await portal.submitMulti("/settings/security", Self.securityForm(csrf: csrf, ["second_factor": "optional",
                                                                                                           "idle_timeout": "30"],
                                                                                              methods: ["totp"]), browser: admin)
            #expect(saved.status == .seeOther)
            let partner = try await Self.partner(portal)
            #expect(!partner.secondFactorRequired && partner.secondFactorMethods == "totp" && partner.idleTimeoutMinutes == 30)
            #expect(try await passwordStep() == "/", "optional: straight in with the password")

            let entry = try #require(try await Self.entries("settings.security-changed", portal).first)
            #expect(entry.details.split(separator: "\n").sorted() == [
                "idle timeout minutes: 60 → 30", "second factor methods: totp,email,sms → totp", "second factor: required → optional",
            ])
        }
    }

    @Test func everySecurityFieldIsSavedAndBadOnesAreRefusedNextToThem() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            let refused = try await portal.submitMulti("/settings/security", Self.securityForm(csrf: csrf, [
                "idle_timeout": "4", "absolute_timeout": "50000", "impersonation_minutes": "481", "login_as_notice": "sometimes",
            ], methods: []), browser: browser)
            #expect(refused.status == .unprocessableEntity)
            for field in ["idle_timeout", "absolute_timeout", "impersonation_minutes", "login_as_notice", "methods"] {
                #expect(refused.text.contains(#"id="field-\#(field)-error""#), "\(field)")
            }
            #expect(refused.text.contains(#"value="50000""#) && refused.text.contains(#"value="481""#))
            #expect(try await Self.entries("settings.security-changed", portal).isEmpty)

            let saved = try await portal.submitMulti("/settings/security", Self.securityForm(csrf: csrf, [
                "absolute_timeout": "1440", "impersonation_reason": "required", "impersonation_minutes": "15",
                "login_as_consent": "required", "login_as_notice": "secure", "client_authenticator": "required",
            ], methods: ["email", "totp"]), browser: browser)
            #expect(saved.status == .seeOther)
            let partner = try await Self.partner(portal)
            #expect(partner.absoluteTimeoutMinutes == 1440 && partner.impersonationReasonRequired && partner.impersonationMaxMinutes == 15)
            #expect(partner.loginAsConsentRequired && partner.loginAsOwnerNotice == .secureOnly && partner.clientSecondFactorRequired)
            #expect(partner.secondFactorMethods == "totp,email")
            let page = try await portal.visit("/settings", browser: browser)
            #expect(page.text.contains(#"id="notice-secure" name="login_as_notice" value="secure" checked"#))
        }
    }

    @Test func anAddedDomainAnswersAndARemovedOneStops() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            _ = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let browser = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/settings", browser: browser).csrfToken)
            #expect(try await portal.send(.GET, "/sign-in", host: "new.example").status == .ok, "answered by the default partner's fallback")

            let added = try await portal.submit("/settings/domains", ["host": "  Acme.Example. ", "csrf_token": csrf], browser: browser)
            #expect(added.status == .seeOther)
            // The address in use is kept, so the portal still answers where it was opened.
            #expect(try await PartnerSettings.hosts(partnerID: portal.partner.requireID(), on: portal.db) == ["acme.example", "portal.test"])
            #expect(try await portal.send(.GET, "/sign-in", host: "acme.example").text.contains("Acme Partners"))
            #expect(try await portal.send(.GET, "/sign-in", host: "new.example").status == .notFound, "no fallback once it has domains")

            let page = try await portal.visit("/settings", browser: browser)
            #expect(page.text.contains("In use now"))
            #expect(page.text.contains(#"<input type="hidden" name="host" value="acme.example"/>"#))
            #expect(!page.text.contains(#"name="host" value="portal.test""#), "no remove form for the address in use")

            let theirs = try await portal.submit("/settings/domains", ["host": "globex.example", "csrf_token": csrf], browser: browser)
            #expect(theirs.status == .conflict)
            #expect(theirs.text.contains("globex.example already belongs to another portal."))
            #expect(theirs.text.contains(#"value="globex.example""#))
            let notAHost = try await portal.submit("/settings/domains", ["host": "https://x.example/path", "csrf_token": csrf], browser: browser)
            #expect(notAHost.status == .unprocessableEntity)
            #expect(notAHost.text.contains(#"id="field-host-error""#))
            let current = try await portal.submit("/settings/domains/remove", ["host": "portal.test", "csrf_token": csrf], browser: browser)
            #expect(current.status == .conflict)
            #expect(current.text.contains("portal.test is the address you are using"))

            let removed = try await portal.submit("/settings/domains/remove", ["host": "acme.example", "csrf_token": csrf], browser: browser)
            #expect(removed.status == .seeOther)
            #expect(try await portal.send(.GET, "/sign-in", host: "acme.example").status == .notFound)
            #expect(try await portal.send(.GET, "/sign-in", host: "globex.example").text.contains("Globex"))
            let details = try await Self.entries("settings.domains-changed", portal).map(\.details).sorted()
            #expect(details == ["domains: acme.example, portal.test → portal.test", "domains: none → acme.example, portal.test"])
        }
    }

    @Test func brandContrastAndHostNamesAreCheckedAsTheDocumentSays() throws {
        #expect(BrandColor.contrast(on: "#FFFFFF") > 15 && BrandColor.contrast(on: "#000000") > 18)
        #expect(BrandColor.contrast(on: "#4F46E5") >= 4.5)
        #expect(BrandColor.contrast(on: "#7F7F7F") < 4.5)
        #expect(try SettingsInput.host(" Portal.Example.COM. ").get() == "portal.example.com")
        for bad in ["", "a_b.example", "-a.example", "exämple.com", "a..b", "https://a.example"] {
            #expect((try? SettingsInput.host(bad).get()) == nil, "\(bad)")
        }
    }
}
