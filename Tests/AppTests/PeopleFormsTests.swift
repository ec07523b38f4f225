@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Operators, grants, groups and the first admin, as a new partner meets them: scopes named,
/// forms that offer only what the server accepts, time zones, moving and deleting groups.
@Suite struct PeopleFormsTests {
    // MARK: - Fixtures

    private func group(_ portal: TestPortal, _ name: String, under parent: AccountGroup? = nil) async throws -> AccountGroup {
        let group = AccountGroup(partnerID: try portal.partner.requireID(), parent: parent, name: name)
        try await group.create(on: portal.db)
        return group
    }

    @discardableResult
    private func account(_ portal: TestPortal, _ name: String, in group: AccountGroup?, secure: Bool = false) async throws -> Account {
        let account = Account(partnerID: try portal.partner.requireID(), name: name, email: "\(name.lowercased().filter(\.isLetter))@example.com",
                              groupID: group?.id, secure: secure)
        try await account.create(on: portal.db)
        return account
    }

    /// An operator holding exactly `grants`.
    private func operatorWith(_ portal: TestPortal, _ email: String, _ grants: [(String, Grant.ScopeKind, UUID?)]) async throws -> Operator {
        let op = try await portal.makeOperator(email: email, name: email.components(separatedBy: "@")[0].capitalized, role: "viewer")
        try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).delete()
        for (role, scope, id) in grants {
            try await Grant(partnerID: try portal.partner.requireID(), operatorID: op.requireID(), role: role, scope: scope, scopeID: id).create(on: portal.db)
        }
        return try #require(try await Operator.query(on: portal.db).filter(\.$id == op.requireID()).with(\.$grants).first())
    }

    private func actor(_ portal: TestPortal, _ op: Operator) async throws -> Actor {
        let reloaded = try #require(try await Operator.query(on: portal.db).filter(\.$id == op.requireID()).with(\.$grants).first())
        return try await AccessLoader.actor(for: reloaded, on: portal.db)
    }

    /// The `value`s of the options of the select with this id.
    private func optionValues(_ html: String, select id: String) -> [String] {
        var inside = false
        var values: [String] = []
        for token in HTMLTokenizer.tokens(html) {
            guard case .start(let tag) = token else {
                if case .end(let name) = token, name == "select" { inside = false }
                continue
            }
            if tag.name == "select" { inside = tag.value("id") == id }
            if inside, tag.name == "option", let value = tag.value("value") { values.append(value) }
        }
        return values
    }

    private func selectedValue(_ html: String, select id: String) -> String? {
        var inside = false
        for token in HTMLTokenizer.tokens(html) {
            if case .end(let name) = token, name == "select" { inside = false }
            guard case .start(let tag) = token else { continue }
            if tag.name == "select" { inside = tag.value("id") == id }
            if inside, tag.name == "option", tag.attributeNames.contains("selected") { return tag.value("value") }
        }
        return nil
    }

    // MARK: - Scopes by name

    @Test func theOperatorPageNamesEveryScopeAndEscapesAHostileGroupName() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let hostile = #"East"><img src=x onerror=alert(1)>"#
            let north = try await group(portal, "North")
            let east = try await group(portal, hostile, under: north)
            let bakery = try await account(portal, "Bakery", in: north)
            let target = try await operatorWith(portal, "sam@example.com", [("viewer", .group, east.id), ("support", .account, bakery.id),
                                                                            ("marketing", .all, nil)])
            let browser = try await portal.signIn()
            let page = try await portal.visit("/operators/\(try target.requireID().uuidString.lowercased())", browser: browser)
            #expect(page.status == .ok)
            let texts = HTMLTokenizer.tokens(page.text).compactMap { token -> String? in if case .text(let text) = token { text } else { nil } }
            #expect(texts.contains("Group North › \(hostile)"))
            #expect(texts.contains("Account Bakery (\(bakery.businessUID))"))
            #expect(texts.contains(ScopeNames.allAccounts))
            #expect(!texts.contains { $0.contains("group:") || $0.contains("account:") })
            #expect(!page.text.contains("<img src=x"))
            #expect(!HTMLTokenizer.tags(page.text).contains { $0.name == "img" })
            // The grants form opens on the scopes they hold, named the same way.
            #expect(Set(["scope1", "scope2", "scope3"].compactMap { selectedValue(page.text, select: $0) })
                    == Set(["all", "group:" + (try east.requireID()).uuidString.lowercased(), "account:" + (try bakery.requireID()).uuidString.lowercased()]))

            // The audit entry of a change names the scopes too.
            let csrf = try #require(page.csrfToken)
            let saved = try await portal.submit("/operators/\(try target.requireID().uuidString.lowercased())/grants",
                                                ["csrf_token": csrf, "role1": "viewer", "scope1": "group:" + (try north.requireID()).uuidString.lowercased()],
                                                browser: browser)
            #expect(saved.status == .seeOther)
            let shown = try await portal.visit(saved.headers.first(name: .location) ?? "", browser: browser)
            #expect(shown.text.contains("The roles were updated"))
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.grants-changed").first())
            #expect(entry.details.contains("Viewer over Group North › \(hostile)"))
            #expect(entry.details.contains("Support over Account Bakery (\(bakery.businessUID))"))
            #expect(entry.details.hasSuffix("→ Viewer over Group North"))
        }
    }

    // MARK: - The forms offer what the server accepts

    @Test func theInviteAndGrantsFormsOfferExactlyWhatTheServerAccepts() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            try await portal.makeOperator()
            let north = try await group(portal, "North")
            let leeds = try await group(portal, "Leeds", under: north)
            let south = try await group(portal, "South")
            let kinds: [(String, [(String, Grant.ScopeKind, UUID?)])] = [
                ("admin@example.net", [("admin", .all, nil)]),
                ("manager@example.net", [("system-manager", .all, nil)]),
                ("groupadmin@example.net", [("account-admin", .group, north.id)]),
                ("mixed@example.net", [("account-admin", .group, leeds.id), ("viewer-secure", .group, south.id), ("support", .all, nil)]),
                ("viewer@example.net", [("viewer", .all, nil)]),
            ]
            let roles = try await AccessLoader.roles(partnerID: partnerID, on: portal.db)
            let scopes: [(Grant.ScopeKind, UUID?, String)] = [(.all, nil, "all"), (.assigned, nil, "assigned")]
                + [north, leeds, south].map { (.group, $0.id, "group:" + $0.id!.uuidString.lowercased()) }
            var offeredSomething = 0
            for (email, grants) in kinds {
                let op = try await operatorWith(portal, email, grants)
                let actor = try await actor(portal, op)
                // What the server accepts, asked one grant at a time.
                var acceptedRoles = Set<String>(), acceptedScopes = Set<String>()
                for role in roles.keys {
                    for (kind, id, value) in scopes {
                        do {
                            try await OperatorAdministration.authorizeGrants([.init(role: role, scope: kind, scopeID: id)], partnerID: partnerID,
                                                                             by: actor, on: portal.db)
                            acceptedRoles.insert(role)
                            acceptedScopes.insert(value)
                        } catch is PortalError {}
                    }
                }
                let choices = try await OperatorsController.grantChoices(actor: actor, on: portal.db)
                #expect(Set(choices.roles.map(\.id)) == acceptedRoles, "\(email)")
                #expect(Set(choices.scopes.map(\.id)) == acceptedScopes, "\(email)")
                offeredSomething += acceptedRoles.isEmpty ? 0 : 1
                if email == "manager@example.net" { #expect(!acceptedRoles.contains("admin") && acceptedRoles.contains("support")) }
                if email == "groupadmin@example.net" {
                    #expect(acceptedScopes == Set(["group:" + north.id!.uuidString.lowercased(), "group:" + leeds.id!.uuidString.lowercased()]))
                    #expect(!acceptedRoles.contains("viewer-secure"))
                }
            }
            #expect(offeredSomething == 4) // the viewer may invite nobody

            // The page lists the same options, and what it lists goes through.
            let browser = try await portal.signIn(email: "groupadmin@example.net")
            let form = try await portal.visit("/operators/new", browser: browser)
            let groupAdmin = try await actor(portal, try #require(try await Operator.query(on: portal.db).filter(\.$email == "groupadmin@example.net").with(\.$grants).first()))
            let choices = try await OperatorsController.grantChoices(actor: groupAdmin, on: portal.db)
            #expect(optionValues(form.text, select: "role1") == [""] + choices.roles.map(\.id))
            #expect(optionValues(form.text, select: "scope1") == choices.scopes.map(\.id))
            let sent = try await portal.submit("/operators", ["csrf_token": form.csrfToken ?? "", "name": "Nia", "email": "nia@example.com",
                                                              "role1": try #require(choices.roles.first?.id), "scope1": try #require(choices.scopes.first?.id)],
                                               browser: browser)
            #expect(sent.status == .seeOther)
            let refused = try await portal.submit("/operators", ["csrf_token": form.csrfToken ?? "", "name": "Oz", "email": "oz@example.com",
                                                                 "role1": "support", "scope1": "all"], browser: browser)
            #expect(refused.status == .forbidden)
        }
    }

    // MARK: - Time zones

    @Test func timeZonesDefaultToUTCAreSearchableAndCheckedOnTheServer() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let form = try await portal.visit("/operators/new", browser: browser)
            let tags = HTMLTokenizer.tags(form.text)
            let field = try #require(tags.first { $0.name == "input" && $0.value("name") == "time_zone" })
            #expect(field.value("value") == "UTC")                      // never Africa/Abidjan for sorting first
            #expect(field.value("list") == TimeZoneField.listID && field.value("data-time-zone") == "browser")
            let zones = tags.filter { $0.name == "option" && $0.value("value")?.contains("/") == true }.compactMap { $0.value("value") }
            #expect(zones.contains("Europe/London") && zones.contains("America/New_York"), "\(zones.count) zones listed of \(TimeZoneField.zones.count)")
            let script = try #require(tags.first { $0.name == "script" })
            #expect(script.value("src") == "/assets/time-zone.js")
            #expect(form.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
            let served = try await portal.visit("/assets/time-zone.js", browser: Browser())
            #expect(served.status == .ok && served.headers.contentType?.subType == "javascript")
            #expect(served.text.contains("resolvedOptions().timeZone") && served.text.contains("data-time-zone"))

            let csrf = form.csrfToken ?? ""
            let bad = try await portal.submit("/operators", ["csrf_token": csrf, "name": "Tom", "email": "tom@example.com", "role1": "viewer",
                                                             "scope1": "all", "time_zone": "Mars/Olympus_Mons"], browser: browser)
            #expect(bad.status == .unprocessableEntity)
            let error = try #require(HTMLTokenizer.tags(bad.text).first { $0.value("id") == "field-time_zone-error" })
            #expect(error.name == "div" && bad.text.contains(TimeZoneField.invalidMessage))
            let kept = try #require(HTMLTokenizer.tags(bad.text).first { $0.name == "input" && $0.value("name") == "time_zone" })
            #expect(kept.value("value") == "Mars/Olympus_Mons" && kept.value("data-time-zone") == nil) // chosen: the script leaves it alone
            #expect(try await Operator.query(on: portal.db).filter(\.$email == "tom@example.com").count() == 0)

            let good = try await portal.submit("/operators", ["csrf_token": csrf, "name": "Tom", "email": "tom@example.com", "role1": "viewer",
                                                              "scope1": "all", "time_zone": "Europe/London"], browser: browser)
            #expect(good.status == .seeOther)
            let tom = try #require(try await Operator.query(on: portal.db).filter(\.$email == "tom@example.com").first())
            #expect(tom.timeZone == "Europe/London")

            // The operator page edits it the same way.
            let path = "/operators/\(try tom.requireID().uuidString.lowercased())"
            let page = try await portal.visit(path, browser: browser)
            let edit = try #require(HTMLTokenizer.tags(page.text).first { $0.name == "input" && $0.value("name") == "time_zone" })
            #expect(edit.value("value") == "Europe/London" && edit.value("data-time-zone") == nil)
            let wrong = try await portal.submit(path, ["csrf_token": csrf, "name": "Tom", "email": "tom@example.com", "time_zone": "Nowhere"], browser: browser)
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains(TimeZoneField.invalidMessage))
            let right = try await portal.submit(path, ["csrf_token": csrf, "name": "Tom", "email": "tom@example.com", "time_zone": "Asia/Tokyo"], browser: browser)
            #expect(right.status == .seeOther)
            #expect(try await Operator.find(tom.id, on: portal.db)?.timeZone == "Asia/Tokyo")
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.edited").first())
            #expect(entry.details == "time zone: Europe/London → Asia/Tokyo")
            #expect(try await portal.visit(path, browser: browser).text.contains("The profile was updated."))
            #expect(TimeZoneField.check("UTC") == .success("UTC") && TimeZoneField.check(" ") == .success("UTC"))
        }
    }

    // MARK: - Moving a group

    @Test func theMovePageOffersTopLevelAndOpensOnTheCurrentParent() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let north = try await group(portal, "North")
            let leeds = try await group(portal, "Leeds", under: north)
            let centre = try await group(portal, "Centre", under: leeds)
            let south = try await group(portal, "South")
            let browser = try await portal.signIn()
            func id(_ group: AccountGroup) -> String { group.id!.uuidString.lowercased() }

            let moveLeeds = try await portal.visit("/groups/\(id(leeds))/move", browser: browser)
            let offered = optionValues(moveLeeds.text, select: "move-parent")
            #expect(Set(offered) == Set(["", id(north), id(south)]))       // never itself or Centre below it
            #expect(!offered.contains(id(leeds)) && !offered.contains(id(centre)))
            #expect(selectedValue(moveLeeds.text, select: "move-parent") == id(north))
            #expect(moveLeeds.text.contains("Top level"))

            let moveNorth = try await portal.visit("/groups/\(id(north))/move", browser: browser)
            #expect(selectedValue(moveNorth.text, select: "move-parent") == "")
            #expect(Set(optionValues(moveNorth.text, select: "move-parent")) == Set(["", id(south)]))

            // Sending the form as it opened changes nothing.
            let csrf = moveLeeds.csrfToken ?? ""
            #expect(try await portal.submit("/groups/\(id(leeds))/move", ["csrf_token": csrf, "parent": id(north)], browser: browser).status == .seeOther)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "group.moved").count() == 0)
            #expect(try await portal.submit("/groups/\(id(leeds))/move", ["csrf_token": csrf, "parent": ""], browser: browser).status == .seeOther)
            #expect(try await AccountGroup.find(leeds.id, on: portal.db)?.parentID == nil)
        }
    }

    // MARK: - Deleting a group with what it holds

    @Test func deletingAGroupMovesItsAccountsAndSubgroupsInOneAuditedStep() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let north = try await group(portal, "North")
            let leeds = try await group(portal, "Leeds", under: north)
            let centre = try await group(portal, "Centre", under: leeds)
            let south = try await group(portal, "South")
            let bakery = try await account(portal, "Bakery", in: north)
            let florist = try await account(portal, "Florist", in: north)
            let cafe = try await account(portal, "Cafe", in: centre)
            let browser = try await portal.signIn()
            let northID = north.id!.uuidString.lowercased()

            let page = try await portal.visit("/groups/\(northID)/delete", browser: browser)
            #expect(page.status == .ok)
            #expect(page.text.contains("It holds 2 accounts and 1 subgroup"))
            let destinations = optionValues(page.text, select: "delete-destination")
            #expect(Set(destinations) == Set(["", "top", south.id!.uuidString.lowercased()]))   // never North or below it
            let csrf = page.csrfToken ?? ""

            let unchosen = try await portal.submit("/groups/\(northID)/delete", ["csrf_token": csrf], browser: browser)
            #expect(unchosen.status == .unprocessableEntity && unchosen.text.contains("Choose where its accounts and subgroups go."))
            let inside = try await portal.submit("/groups/\(northID)/delete", ["csrf_token": csrf, "destination": leeds.id!.uuidString], browser: browser)
            #expect(inside.status == .conflict)
            #expect(try await AccountGroup.find(north.id, on: portal.db) != nil)

            let done = try await portal.submit("/groups/\(northID)/delete", ["csrf_token": csrf, "destination": south.id!.uuidString.lowercased()],
                                               browser: browser)
            #expect(done.status == .seeOther)
            #expect(try await AccountGroup.find(north.id, on: portal.db) == nil)
            for moved in [bakery, florist] { #expect(try await Account.find(moved.id, on: portal.db)?.groupID == south.id) }
            #expect(try await Account.find(cafe.id, on: portal.db)?.groupID == centre.id)
            let leedsNow = try #require(try await AccountGroup.find(leeds.id, on: portal.db))
            let centreNow = try #require(try await AccountGroup.find(centre.id, on: portal.db))
            #expect(leedsNow.parentID == south.id && leedsNow.path == south.path + leeds.id!.uuidString.lowercased() + "/")
            #expect(centreNow.path == leedsNow.path + centre.id!.uuidString.lowercased() + "/")
            let tree = try await portal.visit("/groups", browser: browser)
            #expect(tree.text.contains("Deleted the group and moved 2 accounts and 1 subgroup to South."))

            let events = try await AuditEvent.query(on: portal.db).sort(\.$at).all()
            #expect(events.filter { $0.action == "account.moved" }.map(\.details).sorted() == ["group: North → South", "group: North → South"])
            #expect(Set(events.filter { $0.action == "account.moved" }.compactMap(\.subjectAccountID)) == Set([bakery.id, florist.id].compactMap { $0 }))
            #expect(events.first { $0.action == "group.moved" }?.details == "parent: North → South")
            #expect(events.first { $0.action == "group.deleted" }?.details == "moved 2 accounts and 1 subgroup to South")
        }
    }

    @Test func deletingIsRefusedWholeWhenSomeAccountMayNotBeMoved() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin-secure")
            let north = try await group(portal, "North")
            let south = try await group(portal, "South")
            let open = try await account(portal, "Open Shop", in: north)
            let vault = try await account(portal, "Vault", in: north, secure: true)
            _ = try await operatorWith(portal, "manager@example.net", [("system-manager", .all, nil)])
            let browser = try await portal.signIn(email: "manager@example.net")
            let northID = north.id!.uuidString.lowercased()
            let page = try await portal.visit("/groups/\(northID)/delete", browser: browser)
            #expect(page.text.contains("It holds 1 account"))   // the secure one is not theirs to see
            let refused = try await portal.submit("/groups/\(northID)/delete", ["csrf_token": page.csrfToken ?? "", "destination": "top"], browser: browser)
            #expect(refused.status == .forbidden)
            // Of the secure account they cannot see, not even that it exists, or how many there are.
            #expect(refused.text.contains("Some accounts in “North” cannot be moved by you. Nothing was changed."))
            #expect(!refused.text.contains("2 accounts") && !refused.text.contains("secure clearance"))
            #expect(try await AccountGroup.find(north.id, on: portal.db) != nil)
            #expect(try await Account.find(open.id, on: portal.db)?.groupID == north.id)
            #expect(try await Account.find(vault.id, on: portal.db)?.groupID == north.id)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action ~~ ["account.moved", "group.deleted"]).count() == 0)

            // Grants over a group keep it, whoever asks.
            let admin = try await actor(portal, try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").with(\.$grants).first()))
            _ = try await operatorWith(portal, "scoped@example.net", [("viewer", .group, south.id)])
            await #expect(throws: PortalError.self) { try await GroupService.delete(south, movingTo: .top, by: admin, on: portal.db) }
            try await GroupService.delete(north, movingTo: .top, by: admin, on: portal.db)
            #expect(try await Account.find(vault.id, on: portal.db)?.groupID == nil)
        }
    }

    @Test func theAPIDeletesAGroupMovingWhatItHolds() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator(role: "admin-secure"))
            let north = try await group(portal, "North")
            let leeds = try await group(portal, "Leeds", under: north)
            let shop = try await account(portal, "Shop", in: north, secure: true)
            let path = "/groups/\(north.id!.uuidString.lowercased())"
            let refused = try await api.call(.DELETE, path)
            #expect(refused.status == .conflict)
            #expect(try refused.json(Problem.self).detail?.contains("Choose where they go") == true)
            #expect(try await api.call(.DELETE, path + "?moveTo=somewhere").status == .badRequest)
            #expect(try await api.call(.DELETE, path + "?moveTo=\(leeds.id!.uuidString.lowercased())").status == .conflict)
            #expect(try await api.call(.DELETE, path + "?moveTo=top").status == .noContent)
            #expect(try await Account.find(shop.id, on: portal.db)?.groupID == nil)
            #expect(try await AccountGroup.find(leeds.id, on: portal.db)?.parentID == nil)
            #expect(try await AccountGroup.find(leeds.id, on: portal.db)?.path == "/\(leeds.id!.uuidString.lowercased())/")
        }
    }

    // MARK: - The first admin

    @Test func theFirstAdminHoldsAdminSecureAndSeesSecureAccounts() async throws {
        try await TestPortal.run { portal in
            let vault = try await account(portal, "Vault", in: nil, secure: true)
            let token = try await SetupLinks.issueFirstAdmin(partnerID: try portal.partner.requireID(), now: Date(), on: portal.db)
            let path = SiteURL.setup(token: token.value).path
            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            let created = try await portal.submit(path, ["name": "Grace Hopper", "email": "grace@example.com", "password": "a long enough passphrase",
                                                         "password_confirmation": "a long enough passphrase", "csrf_token": form.csrfToken ?? ""],
                                                  browser: browser)
            #expect(created.status == .seeOther)
            let grace = try #require(try await Operator.query(on: portal.db).with(\.$grants).first())
            #expect(grace.grants.map(\.role) == [OperatorService.firstAdminRole] && grace.grants.map(\.scope) == [.all])
            let actor = try await AccessLoader.actor(for: grace, on: portal.db)
            #expect(AccessPolicy.decide(actor, .accountView, .account(try await AccessLoader.facts(for: vault, actor: actor, on: portal.db))).isAllowed)
            #expect(try await AccountVisibility.count(for: actor, on: portal.db) == 1)
            #expect(AccessPolicy.decide(actor, .operatorsManageAdmins, .partner(try portal.partner.requireID())).isAllowed)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.created").first())
            #expect(entry.details.contains("Admin Secure"))
        }
    }

    @Test func theCommandLinesFirstAdminHoldsAdminSecureAndLaterAdminsWhatWasAsked() async throws {
        try await TestPortal.run { portal in
            func create(_ email: String, role: String) async throws {
                var context = CommandContext(console: Terminal(), input: CommandInput(arguments: [
                    "portal", "--partner", Partner.defaultSlug, "--email", email, "--name", "Someone", "--role", role]))
                context.application = portal.app
                try await CreateOperatorCommand().run(using: &context)
            }
            try await create("first@example.com", role: "admin")
            try await create("second@example.com", role: "admin")
            let roles = try await Operator.query(on: portal.db).with(\.$grants).all()
                .reduce(into: [String: [String]]()) { $0[$1.email] = $1.grants.map(\.role) }
            #expect(roles["first@example.com"] == ["admin-secure"])
            #expect(roles["second@example.com"] == ["admin"])
        }
    }

    // MARK: - Group counts per reader

    @Test func theGroupsPageCountsOnlyWhatTheReaderMaySee() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(role: "admin-secure")
            let north = try await group(portal, "North")
            let leeds = try await group(portal, "Leeds", under: north)
            let south = try await group(portal, "South")
            for name in ["Anvil", "Bolt"] { try await account(portal, name, in: north) }
            try await account(portal, "Crypt", in: north, secure: true)
            try await account(portal, "Dock", in: leeds)
            try await account(portal, "Eel", in: south)
            let manager = try await operatorWith(portal, "manager@example.net", [("system-manager", .all, nil)])
            let scoped = try await operatorWith(portal, "scoped@example.net", [("viewer-secure", .group, leeds.id)])
            let ada = try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").with(\.$grants).first())

            let everything = try await GroupsController.visibleAccountCounts(for: try await actor(portal, ada), on: portal.db)
            #expect(everything == [north.id!: 3, leeds.id!: 1, south.id!: 1])
            let uncleared = try await GroupsController.visibleAccountCounts(for: try await actor(portal, manager), on: portal.db)
            #expect(uncleared == [north.id!: 2, leeds.id!: 1, south.id!: 1])
            let inLeeds = try await GroupsController.visibleAccountCounts(for: try await actor(portal, scoped), on: portal.db)
            #expect(inLeeds == [leeds.id!: 1])

            // The page says the same: North holds 2 for the manager, 4 with its subgroup.
            let browser = try await portal.signIn(email: "manager@example.net")
            let page = try await portal.visit("/groups", browser: browser)
            #expect(page.text.contains("2 accounts") && page.text.contains("3 with subgroups") && !page.text.contains("4 with subgroups"))
            let adaPage = try await portal.visit("/groups", browser: try await portal.signIn())
            #expect(adaPage.text.contains("3 accounts") && adaPage.text.contains("4 with subgroups"))
        }
    }
}
