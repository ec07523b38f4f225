@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Templates that push later changes to the accounts made from them: the preview lists exactly
/// the differences, a push changes exactly the chosen parts of the chosen accounts, an account
/// the operator may not change is left alone and reported, a push stopped half-way finishes
/// without changing any account twice, a detached account is left alone, and the API does the same.
@Suite struct TemplatePushTests {
    struct Fixture {
        var template: Account
        var alpha: Account  // made from the template, differs in plan, slots and tags
        var beta: Account   // made from the template, already like it
        var gamma: Account  // made from the template, differs in branding only
        var other: Account  // not made from the template
    }

    private func fixture(_ portal: TestPortal) async throws -> Fixture {
        let partnerID = try portal.partner.requireID()
        func account(_ name: String, from template: Account?) async throws -> Account {
            let account = Account(partnerID: partnerID, name: name, email: "\(name.lowercased())@example.com", groupID: nil, secure: false)
            account.templateSourceID = template?.id
            try await account.create(on: portal.db)
            return account
        }
        let template = try await account("Salon Template", from: nil)
        template.isTemplate = true
        (template.plan, template.staffSlots, template.brandColor, template.openingHours) = ("Pro", 3, "#0B6E4F", "Mon–Fri 9–5")
        try await template.update(on: portal.db)
        for tag in ["salon", "spring"] { try await AccountTag(partnerID: partnerID, accountID: template.requireID(), tag: tag).create(on: portal.db) }
        let alpha = try await account("Alpha", from: template)
        (alpha.plan, alpha.staffSlots, alpha.brandColor, alpha.openingHours) = ("Basic", 1, "#0B6E4F", "Mon–Fri 9–5")
        try await alpha.update(on: portal.db)
        try await AccountTag(partnerID: partnerID, accountID: alpha.requireID(), tag: "salon").create(on: portal.db)
        try await AccountTag(partnerID: partnerID, accountID: alpha.requireID(), tag: "own").create(on: portal.db)
        let beta = try await account("Beta", from: template)
        (beta.plan, beta.staffSlots, beta.brandColor, beta.openingHours) = ("Pro", 3, "#0B6E4F", "Mon–Fri 9–5")
        try await beta.update(on: portal.db)
        for tag in ["salon", "spring"] { try await AccountTag(partnerID: partnerID, accountID: beta.requireID(), tag: tag).create(on: portal.db) }
        let gamma = try await account("Gamma", from: template)
        (gamma.plan, gamma.staffSlots, gamma.brandColor, gamma.openingHours) = ("Pro", 3, "#111111", "Mon–Fri 9–5")
        try await gamma.update(on: portal.db)
        for tag in ["salon", "spring"] { try await AccountTag(partnerID: partnerID, accountID: gamma.requireID(), tag: tag).create(on: portal.db) }
        let other = try await account("Other", from: nil)
        return Fixture(template: template, alpha: alpha, beta: beta, gamma: gamma, other: other)
    }

    private func actor(_ portal: TestPortal, _ op: Operator) async throws -> Actor {
        try #require(try await AccessLoader.actor(operatorID: op.requireID(), partnerID: portal.partner.requireID(), on: portal.db))
    }

    private func runJob(_ portal: TestPortal, batchSize: Int = TemplatePushJob.batchSize) async throws {
        for _ in 0..<50 {
            try await TemplatePushJob.runDue(now: Date(), on: portal.db, logger: portal.app.logger, batchSize: batchSize, budget: .seconds(30))
            if try await TemplatePush.query(on: portal.db).filter(\.$state ~~ [.queued, .running]).count() == 0 { return }
        }
        Issue.record("the push job did not finish")
    }

    private func reload(_ portal: TestPortal, _ account: Account) async throws -> (Account, [String]) {
        let fresh = try #require(try await Account.find(account.id, on: portal.db))
        return (fresh, try await AccountLabels.tags(of: fresh, on: portal.db).sorted())
    }

    @Test func thePreviewListsExactlyTheDifferences() async throws {
        try await TestPortal.run { portal in
            let f = try await fixture(portal)
            let ada = try await actor(portal, try await portal.makeOperator())
            let preview = try await TemplatePushes.preview(f.template, parts: [.subscription, .tags, .branding], by: ada, on: portal.db)
            #expect(preview.accounts == 3 && preview.changing == 2 && preview.refused == 0)
            #expect(preview.byPart == [.subscription: 1, .tags: 1, .branding: 1])
            let lines = Dictionary(uniqueKeysWithValues: preview.lines.map { ($0.name, $0.changes) })
            #expect(Set(lines.keys) == ["Alpha", "Gamma"])
            #expect(lines["Alpha"] == [.init(part: .subscription, field: "plan", before: "Basic", after: "Pro"),
                                       .init(part: .subscription, field: "staff slots", before: "1", after: "3"),
                                       .init(part: .tags, field: "tags", before: "own, salon", after: "own, salon, spring")])
            #expect(lines["Gamma"] == [.init(part: .branding, field: "brand colour", before: "#111111", after: "#0B6E4F")])
            // Only the parts asked about.
            let tagsOnly = try await TemplatePushes.preview(f.template, parts: [.tags], by: ada, on: portal.db)
            #expect(tagsOnly.lines.map(\.name) == ["Alpha"] && tagsOnly.changing == 1)
        }
    }

    @Test func aPushChangesExactlyTheChosenPartsOfTheChosenAccountsOnceEach() async throws {
        try await TestPortal.run { portal in
            let f = try await fixture(portal)
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let page = try await portal.visit("/accounts/\(f.template.businessUID)/push?part=tags&part=branding&scope=chosen&account=\(f.alpha.businessUID)&account=\(f.beta.businessUID)", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("1 account would change."))
            #expect(page.text.contains("<strong>tags: </strong>own, salon → own, salon, spring"))
            #expect(!page.text.contains("#111111"))  // Gamma is not chosen
            let started = try await portal.submitMulti("/accounts/\(f.template.businessUID)/push",
                                                       [("part", "tags"), ("part", "branding"), ("scope", "chosen"), ("account", f.alpha.businessUID),
                                                        ("account", f.beta.businessUID), ("csrf_token", page.csrfToken ?? "")], browser: browser)
            #expect(started.status == .seeOther)
            let progressPath = try #require(started.headers.first(name: .location))
            #expect(progressPath.hasPrefix("/template-pushes/"))
            let running = try await portal.visit(progressPath, browser: browser)
            #expect(running.text.contains("data-updates") && running.text.contains("0 of 2 accounts"))
            try await runJob(portal)
            let (alpha, alphaTags) = try await reload(portal, f.alpha)
            #expect(alphaTags == ["own", "salon", "spring"])
            #expect(alpha.plan == "Basic" && alpha.staffSlots == 1)  // the subscription was not chosen
            let (gamma, _) = try await reload(portal, f.gamma)
            #expect(gamma.brandColor == "#111111")  // Gamma was not chosen
            let push = try #require(try await TemplatePush.query(on: portal.db).first())
            #expect(push.state == .done && push.changed == 1 && push.unchanged == 1 && push.refused == 0)
            let done = try await portal.visit(progressPath, browser: browser)
            #expect(done.text.contains("Changed 1 account; 1 already as the template."))
            let history = try await AuditEvent.query(on: portal.db).filter(\.$action == "account.template-pushed").all()
            #expect(history.map(\.targetID) == [f.alpha.id?.uuidString.lowercased()])
            #expect(history.first?.details.contains("tags: own, salon → own, salon, spring") == true)
            // Pushing again changes nothing.
            _ = try await TemplatePushes.start(f.template, parts: [.tags, .branding], ids: nil, by: try await actor(portal, ada),
                                               context: AuditContext(actor: AuditActor(id: ada.id, name: ada.name), ip: ""), on: portal.db)
            try await runJob(portal)
            let second = try #require(try await TemplatePush.query(on: portal.db).sort(\.$createdAt, .descending).first())
            #expect(second.changed == 1 && second.unchanged == 2)  // Gamma's branding now; Alpha and Beta as they are
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.template-pushed").count() == 2)
            #expect(try await reload(portal, f.other).0.brandColor == nil)
        }
    }

    @Test func anAccountTheOperatorMayNotChangeIsLeftAloneAndReported() async throws {
        try await TestPortal.run { portal in
            let f = try await fixture(portal)
            // A Designer manages templates and branding and tags, but not plans.
            let dee = try await portal.makeOperator(email: "dee@example.com", name: "Dee Designer", role: "designer")
            let designer = try await actor(portal, dee)
            let preview = try await TemplatePushes.preview(f.template, parts: [.subscription, .branding], by: designer, on: portal.db)
            #expect(preview.changing == 1 && preview.refused == 1)
            #expect(preview.lines.first { $0.name == "Alpha" }?.refusal?.hasPrefix("Plan and staff slots:") == true)
            _ = try await TemplatePushes.start(f.template, parts: [.subscription, .branding], ids: nil, by: designer,
                                               context: AuditContext(actor: AuditActor(id: dee.id, name: dee.name), ip: ""), on: portal.db)
            let logs = LogCapture()
            portal.app.logger = logs.logger
            try await runJob(portal)
            let push = try #require(try await TemplatePush.query(on: portal.db).first())
            #expect(push.changed == 1 && push.refused == 1 && push.unchanged == 1)
            #expect(try await reload(portal, f.alpha).0.plan == "Basic")
            #expect(try await reload(portal, f.gamma).0.brandColor == "#0B6E4F")
            let refused = try await TemplatePushes.results(push, refusedOnly: true, limit: 10, on: portal.db)
            #expect(refused.map(\.accountName) == ["Alpha"])
            #expect(logs.lines.contains { $0.contains("access denied") && $0.contains(f.alpha.businessUID) })
        }
    }

    @Test func aPushStoppedHalfWayFinishesWithoutChangingAnyAccountTwice() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let ada = try await portal.makeOperator()
            let template = Account(partnerID: partnerID, name: "Template", email: "t@example.com", groupID: nil, secure: false)
            template.isTemplate = true
            template.openingHours = "Always"
            try await template.create(on: portal.db)
            for index in 0..<25 {
                let account = Account(partnerID: partnerID, name: "Shop \(index)", email: "shop\(index)@example.com", groupID: nil, secure: false)
                account.templateSourceID = template.id
                try await account.create(on: portal.db)
            }
            let push = try await TemplatePushes.start(template, parts: [.businessPage], ids: nil, by: try await actor(portal, ada),
                                                      context: AuditContext(actor: AuditActor(id: ada.id, name: ada.name), ip: ""), on: portal.db)
            // Two runs read the push in the same state, as two instances would after a lost lease.
            let stale = try #require(try await TemplatePush.find(push.id, on: portal.db))
            let ahead = try #require(try await TemplatePush.find(push.id, on: portal.db))
            #expect(try await TemplatePushJob.step(ahead, now: Date(), batchSize: 10, on: portal.db, logger: portal.app.logger) == 10)
            #expect(try await TemplatePushJob.step(stale, now: Date(), batchSize: 10, on: portal.db, logger: portal.app.logger) == 0)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.template-pushed").count() == 10)
            try await runJob(portal, batchSize: 10)
            let done = try #require(try await TemplatePush.find(push.id, on: portal.db))
            #expect(done.state == .done && done.changed == 25 && done.done == 25)
            let entries = try await AuditEvent.query(on: portal.db).filter(\.$action == "account.template-pushed").all()
            #expect(entries.count == 25 && Set(entries.compactMap(\.targetID)).count == 25)
            #expect(try await Account.query(on: portal.db).filter(\.$openingHours == "Always").count() == 26)
        }
    }

    @Test func aDetachedAccountIsLeftAloneAndTheAPIPushesToo() async throws {
        try await TestPortal.run { portal in
            let f = try await fixture(portal)
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            #expect(try await api.call(.POST, "/accounts/\(f.gamma.businessUID)/detach-template").status == .noContent)
            #expect(try await api.call(.POST, "/accounts/\(f.gamma.businessUID)/detach-template").status == .conflict)
            let preview = try api.object(try await api.call(.GET, "/accounts/\(f.template.businessUID)/template-push?part=branding&part=tags"))
            #expect(preview["accounts"] as? Int == 2 && preview["changing"] as? Int == 1)
            let items = try #require(preview["items"] as? [[String: Any]])
            #expect(items.map { $0["name"] as? String } == ["Alpha"])
            let started = try await api.call(.POST, "/accounts/\(f.template.businessUID)/template-push", json: #"{"parts":["branding","tags"]}"#)
            #expect(started.status == .accepted)
            let id = try #require(try api.object(started)["id"] as? String)
            try await runJob(portal)
            let done = try api.object(try await api.call(.GET, "/template-pushes/\(id)"))
            #expect(done["state"] as? String == "done" && done["changed"] as? Int == 1 && done["total"] as? Int == 2)
            #expect(try await reload(portal, f.gamma).0.brandColor == "#111111")
            #expect(try await api.call(.POST, "/accounts/\(f.template.businessUID)/template-push", json: #"{"parts":["tags"],"accounts":["nope"]}"#).status == .badRequest)
            #expect(try await api.call(.GET, "/accounts/\(f.alpha.businessUID)/template-push").status == .conflict)  // not a template
            #expect(try await api.call(.GET, "/template-pushes/\(UUID().uuidString)").status == .notFound)
            // A preview names at most 100 accounts in its address, each a short UID.
            let many = (0...100).map { "account=\($0)" }.joined(separator: "&")
            #expect(try await api.call(.GET, "/accounts/\(f.template.businessUID)/template-push?\(many)").status == .badRequest)
            #expect(try await api.call(.GET, "/accounts/\(f.template.businessUID)/template-push?account=\(String(repeating: "a", count: 33))").status == .badRequest)
        }
    }

    @Test func theTemplatesContentsAreEditedOnItsPushPage() async throws {
        try await TestPortal.run { portal in
            let f = try await fixture(portal)
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let accountTab = try await portal.visit("/accounts/\(f.template.businessUID)/account", browser: browser)
            #expect(accountTab.text.contains("href=\"/accounts/\(f.template.businessUID)/push\""))
            let page = try await portal.visit("/accounts/\(f.template.businessUID)/push", browser: browser)
            let bad = try await portal.submitMulti("/accounts/\(f.template.businessUID)/template-content",
                                                   [("brand_color", "teal"), ("logo_url", ""), ("description", "Cuts"), ("opening_hours", "Mon\nTue"),
                                                    ("step", "business-details"), ("csrf_token", page.csrfToken ?? "")], browser: browser)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("id=\"field-brand_color-error\">Use a colour such as #4F46E5."))
            let saved = try await portal.submitMulti("/accounts/\(f.template.businessUID)/template-content",
                                                     [("brand_color", "#222222"), ("logo_url", ""), ("description", "Cuts"), ("opening_hours", "Mon\nTue"),
                                                      ("services", "Cut\r\nColour"), ("step", "business-details"), ("csrf_token", page.csrfToken ?? "")],
                                                     browser: browser)
            #expect(saved.status == .seeOther)
            let template = try await reload(portal, f.template).0
            #expect(template.brandColor == "#222222" && template.openingHours == "Mon\nTue" && template.onboardingSteps == "business-details")
            #expect(template.services == "Cut\nColour")
            let derived = try await portal.visit("/accounts/\(f.alpha.businessUID)/account", browser: browser)
            #expect(derived.text.contains("Made from the template Salon Template"))
        }
    }

    @Test func servicesAreCopiedAtCreationPushedAndSetThroughTheAPI() async throws {
        try await TestPortal.run { portal in
            let f = try await fixture(portal)
            let adaOperator = try await portal.makeOperator()
            let ada = try await actor(portal, adaOperator)
            let api = try await portal.api(as: adaOperator)
            // Set through the API: the services, and the colour cleared with null.
            let bad = try await api.call(.PATCH, "/accounts/\(f.template.businessUID)/template-contents", json: #"{"services":["Cut","cut"]}"#)
            #expect(bad.status == .badRequest)
            let unknownStep = try await api.call(.PATCH, "/accounts/\(f.template.businessUID)/template-contents", json: #"{"onboardingSteps":["nope"]}"#)
            #expect(unknownStep.status == .badRequest)
            let badColour = try await api.call(.PATCH, "/accounts/\(f.template.businessUID)/template-contents", json: #"{"brandColor":"teal"}"#)
            #expect(badColour.status == .badRequest && badColour.text.contains("brandColor: Use a colour"))
            let set = try await api.call(.PATCH, "/accounts/\(f.template.businessUID)/template-contents",
                                         json: #"{"services":["Haircut, 30 min","Colour"],"brandColor":null}"#)
            #expect(set.status == .ok)
            let contents = try api.object(set)
            #expect(contents["services"] as? [String] == ["Haircut, 30 min", "Colour"])
            #expect(contents["brandColor"] == nil && contents["openingHours"] as? String == "Mon–Fri 9–5" && contents["onboardingSteps"] == nil)
            let read = try api.object(try await api.call(.GET, "/accounts/\(f.template.businessUID)/template-contents"))
            #expect(read["services"] as? [String] == ["Haircut, 30 min", "Colour"])
            #expect(try await api.call(.GET, "/accounts/\(f.alpha.businessUID)/template-contents").status == .conflict)  // not a template
            #expect(try await api.call(.GET, "/accounts/NOPE-123/template-contents").status == .notFound)
            let changed = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.template-changed").first())
            #expect(changed.details.contains("services: — → “Haircut, 30 min”, “Colour”"))
            // Without "Edit branding" on the template, its contents cannot be changed.
            let campaign = try await portal.makeOperator(email: "cam@example.com", name: "Cam Paign", role: "campaign-manager")
            let refused = try await portal.api(as: campaign).call(.PATCH, "/accounts/\(f.template.businessUID)/template-contents", json: #"{"services":[]}"#)
            #expect(refused.status == .forbidden)

            // A new account made from the template starts with them.
            let made = try await AccountService.create(.init(name: "Delta", email: "delta@example.com", groupID: nil, secure: false,
                                                             templateUID: f.template.businessUID),
                                                       by: ada, partner: portal.partner, baseURL: "http://portal.test", on: portal.db)
            #expect(made.services == "Haircut, 30 min\nColour")
            #expect(try await reload(portal, made).0.services == "Haircut, 30 min\nColour")

            // A push of the services part changes only the services.
            let template = try await reload(portal, f.template).0
            let preview = try await TemplatePushes.preview(template, parts: [.services], by: ada, on: portal.db)
            #expect(preview.changing == 3 && Set(preview.lines.map(\.name)) == ["Alpha", "Beta", "Gamma"])
            #expect(preview.lines.first?.changes == [.init(part: .services, field: "services", before: "—", after: "“Haircut, 30 min”, “Colour”")])
            let started = try await api.call(.POST, "/accounts/\(f.template.businessUID)/template-push", json: #"{"parts":["services"]}"#)
            #expect(started.status == .accepted)
            try await runJob(portal)
            let (gamma, _) = try await reload(portal, f.gamma)
            #expect(gamma.services == "Haircut, 30 min\nColour" && gamma.brandColor == "#111111")
            let (alpha, _) = try await reload(portal, f.alpha)
            #expect(alpha.services == "Haircut, 30 min\nColour" && alpha.plan == "Basic")
            #expect(try await reload(portal, f.other).0.services == nil)
            let pushed = try await AuditEvent.query(on: portal.db).filter(\.$action == "account.template-pushed").all()
            #expect(pushed.count == 3 && pushed.allSatisfy { $0.details.contains("services: — → “Haircut, 30 min”, “Colour”") })
        }
    }
}
