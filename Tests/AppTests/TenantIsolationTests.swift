@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// An operator of partner A reaches nothing of partner B's by any URL that takes an id:
/// every such route, in the UI and the API, answers 404. The same routes with A's own ids
/// answer something else, which shows the walk reaches the handlers.
@Suite struct TenantIsolationTests {
    struct Fixture {
        let ids: [String: String]
    }

    /// One of each kind of object for a partner, keyed by the route parameter that names it.
    private func objects(for partner: Partner, portal: TestPortal, email: String) async throws -> Fixture {
        let partnerID = try partner.requireID()
        let group = AccountGroup(partnerID: partnerID, parent: nil, name: "Region")
        try await group.create(on: portal.db)
        let account = Account(partnerID: partnerID, name: "Shop", email: "shop@example.com", groupID: group.id, secure: false)
        account.nickname = "shop-\(partner.slug)"
        account.staffSlots = 5
        try await account.create(on: portal.db)
        try await AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Owner", email: "shop@example.com").create(on: portal.db)
        let staff = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .staff, name: "Staff", email: "staff@example.com")
        try await staff.create(on: portal.db)
        let location = AccountLocation(partnerID: partnerID, accountID: try account.requireID(), name: "Shop", address: "1 Road")
        try await location.create(on: portal.db)
        let (conversation, _) = try await AccountMessages.storeInbound(accountID: try account.requireID(), partnerID: partnerID, customerName: "Dana",
                                                                       customerEmail: "dana@example.com", body: "Hello", channel: .api, now: Date(),
                                                                       on: portal.db)
        let role = CustomRole(partnerID: partnerID, name: "Custom", description: "", permissions: [.accountView], secureClearance: false)
        try await role.create(on: portal.db)
        let op = try await portal.makeOperator(email: email, name: "Someone", role: "viewer", partner: partner)
        let apiToken = try await APITokens.create(name: "theirs", operator: op, now: Date(), on: portal.db)
        // A bulk change's progress is its starter's alone: the admin of the walk, where there is one.
        let starter = try await Operator.query(on: portal.db).filter(\.$partner.$id == partnerID).filter(\.$email == "ada@example.com").first() ?? op
        let bulk = try await BulkOperations.start(BulkChange(action: .unlock, parameter: nil, label: nil), on: .accounts([account.businessUID]),
                                                  by: try #require(try await AccessLoader.actor(operatorID: starter.requireID(), partnerID: partnerID, on: portal.db)),
                                                  context: AuditContext(actor: AuditActor(id: starter.id, name: starter.name), ip: ""), on: portal.db)
        // So is an import (started by an admin of the partner: the admin of the walk, where there is one).
        let importer = starter.email == "ada@example.com" ? starter
            : try await portal.makeOperator(email: "importer@" + (email.split(separator: "@").last.map(String.init) ?? "example.com"),
                                            name: "Importer", role: "admin", partner: partner)
        let upload = try await ImportService.upload(.accounts, fileName: "clients.csv", contents: Data("Name,Email\nShop,shop@example.com\n".utf8),
                                                    by: try #require(try await AccessLoader.actor(operatorID: importer.requireID(), partnerID: partnerID, on: portal.db)),
                                                    context: AuditContext(actor: AuditActor(id: importer.id, name: importer.name), ip: ""),
                                                    baseURL: "https://portal.test", on: portal.db)
        // And a template's push (of a template of its own: the walk's account stays an ordinary one).
        let template = Account(partnerID: partnerID, name: "Template", email: "template@example.com", groupID: group.id, secure: false)
        template.isTemplate = true
        try await template.create(on: portal.db)
        let made = Account(partnerID: partnerID, name: "Made", email: "made@example.com", groupID: group.id, secure: false)
        made.templateSourceID = template.id
        try await made.create(on: portal.db)
        let push = try await TemplatePushes.start(template, parts: [.tags], ids: nil,
                                                  by: try #require(try await AccessLoader.actor(operatorID: importer.requireID(), partnerID: partnerID, on: portal.db)),
                                                  context: AuditContext(actor: AuditActor(id: importer.id, name: importer.name), ip: ""), on: portal.db)
        let token = try await SetupLinks.issueFirstAdmin(partnerID: partnerID, now: Date(), on: portal.db)
        let kitItem = PartnerKitItem(partnerID: partnerID, title: "Brochure", summary: "", kind: .file, fileName: "brochure.pdf",
                                     contentType: "application/pdf", byteSize: 3, createdAt: Date(), createdBy: "Someone")
        try await kitItem.create(on: portal.db)
        try await PartnerKitFile(itemID: try kitItem.requireID(), partnerID: partnerID, contents: Data("pdf".utf8)).create(on: portal.db)
        let booking = BookingRecord()
        (booking.partnerID, booking.accountID, booking.externalID, booking.occurredAt) = (partnerID, try account.requireID(), "b-1", Date())
        (booking.service, booking.clientName, booking.clientEmail, booking.status) = ("Cut", "Dana", "dana@example.com", .confirmed)
        try await booking.create(on: portal.db)
        let payment = PaymentRecord()
        (payment.partnerID, payment.accountID, payment.externalID, payment.occurredAt) = (partnerID, try account.requireID(), "p-1", Date())
        (payment.amountMinor, payment.currency, payment.method, payment.status) = (500, "EUR", .cash, .paid)
        try await payment.create(on: portal.db)
        return Fixture(ids: [
            "bookingId": try booking.requireID().uuidString.lowercased(),
            "paymentId": try payment.requireID().uuidString.lowercased(),
            "groupId": try group.requireID().uuidString.lowercased(),
            "businessUid": account.businessUID,
            "roleId": try role.requireID().uuidString.lowercased(),
            "operatorId": try op.requireID().uuidString.lowercased(),
            "token": token.value,
            "itemId": try kitItem.requireID().uuidString.lowercased(),
            "tag": "vip",
            "nickname": "shop-\(partner.slug)",
            "pageKey": "shop-\(partner.slug)",
            "userId": try staff.requireID().uuidString.lowercased(),
            "locationId": try location.requireID().uuidString.lowercased(),
            "tokenId": try apiToken.token.requireID().uuidString.lowercased(),
            "conversationId": try conversation.requireID().uuidString.lowercased(),
            "operationId": try bulk.requireID().uuidString.lowercased(),
            "importId": try upload.requireID().uuidString.lowercased(),
            "pushId": try push.requireID().uuidString.lowercased(),
        ])
    }

    /// A body that passes validation, so the request reaches the lookup of the id.
    private func body(for route: Route) -> String? {
        let path = "/" + route.path.map(\.description).joined(separator: "/")
        switch (route.method, path) {
        case (.PUT, "/api/v1/operators/:operatorId/grants"): return #"{"grants":[{"role":"viewer","scope":"all"}]}"#
        case (.PUT, "/api/v1/accounts/:businessUid/assignments"): return #"{"operatorIds":[]}"#
        case (.POST, "/api/v1/accounts/:businessUid/tags"): return #"{"tag":"vip"}"#
        case (.POST, "/api/v1/accounts/:businessUid/template-push"): return #"{"parts":["tags"]}"#
        case (.POST, "/api/v1/accounts/:businessUid/notes"): return #"{"body":"A note"}"#
        case (.PUT, "/api/v1/accounts/:businessUid/group"): return #"{"groupId":null}"#
        case (.POST, "/api/v1/accounts/:businessUid/reset-owner-password"): return #"{"method":"link"}"#
        case (.POST, "/api/v1/accounts/:businessUid/staff"): return #"{"name":"Kim","email":"kim@example.com"}"#
        case (.POST, "/api/v1/accounts/:businessUid/locations"): return #"{"name":"Kiosk","address":"2 Road"}"#
        case (.POST, "/api/v1/accounts/:businessUid/messages/inbound"): return #"{"customerName":"Eli","customerEmail":"eli@example.com","body":"Hi"}"#
        case (.POST, "/api/v1/accounts/:businessUid/conversations/:conversationId/replies"): return #"{"body":"Thanks"}"#
        case (.PATCH, _), (.PUT, _), (.POST, _): return path.hasPrefix("/api/") ? "{}" : nil
        default: return nil
        }
    }

    @Test func everyRouteWithAnIdAnswers404ForAnotherPartnersObject() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator(role: "admin-secure")
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let theirs = try await objects(for: globex, portal: portal, email: "them@globex.example")
            let ours = try await objects(for: portal.partner, portal: portal, email: "us@example.com")
            let api = try await portal.api(as: admin)
            let browser = try await portal.signIn()
            let home = try await portal.visit("/", browser: browser)
            let csrf = try #require(home.csrfToken)
            // The workspace's routes answer a workspace session: an active member of our account.
            let ourAccount = try #require(try await Account.query(on: portal.db).filter(\.$businessUID == ours.ids["businessUid"] ?? "").first())
            let desk = AccountUser(partnerID: ourAccount.partnerID, accountID: try ourAccount.requireID(), role: .staff, name: "Desk", email: "desk@example.com")
            desk.status = .active
            try await desk.create(on: portal.db)
            let workspace = Browser()
            workspace.jar[SessionCookies.workspaceSession] = try await WorkspaceSessions.start(for: desk, now: Date(), on: portal.db).token.value
            let workspaceCSRF = try #require(try await portal.visit("/app", browser: workspace).csrfToken)

            // Deleting routes go last, so that our own objects exist for every other route.
            func destroys(_ route: Route) -> Bool {
                route.method == .DELETE || route.path.last.map { ["delete", "remove"].contains($0.description) || $0.description.hasPrefix("remove-") } == true
            }
            let routes = portal.app.routes.all
                .filter { route in route.path.contains { if case .parameter = $0 { true } else { false } } }
                // Reads first (a change such as clearing the nickname would hide an object from a later read), deletions last.
                .sorted { (destroys($0) ? 2 : $0.method == .GET ? 0 : 1) < (destroys($1) ? 2 : $1.method == .GET ? 0 : 1) }
            #expect(routes.count >= 15, "expected the id routes of roles, groups, accounts, operators, the partner kit and setup")
            for route in routes {
                for (fixture, isOurs) in [(theirs, false), (ours, true)] {
                    var unknown: String? = nil
                    let named = "/" + route.path.map { component -> String in
                        guard case .parameter(let name) = component else { return component.description }
                        guard let id = fixture.ids[name] else { unknown = name; return "x" }
                        return id
                    }.joined(separator: "/")
                    // The widget's one segment is "{uid}.js".
                    let path = route.path.map(\.description) == ["w", ":businessUid"] ? named + ".js" : named
                    if let unknown {
                        Issue.record("route \(route.method) \(route.path) takes :\(unknown); add it to this walk")
                        continue
                    }
                    let response: TestingHTTPResponse
                    if path.hasPrefix("/api/") {
                        response = try await api.call(route.method, String(path.dropFirst("/api/v1".count)), json: body(for: route))
                    } else if path.hasPrefix("/app/"), !route.path.contains(where: { $0.description == ":token" }) {
                        response = route.method == .GET ? try await portal.send(.GET, path, cookies: workspace)
                            : try await portal.submit(path, ["csrf_token": workspaceCSRF], browser: workspace)
                    } else if route.method == .GET {
                        response = try await portal.send(.GET, path, cookies: browser)
                    } else {
                        response = try await portal.submit(path, ["csrf_token": csrf, "name": "Renamed"], browser: browser)
                    }
                    if route.path.last?.description == "login-as", !path.hasPrefix("/api/"), response.status == .seeOther {
                        // Logging in as our own operator worked; become the admin again for the rest of the walk.
                        _ = try await portal.submit("/sign-out-as", ["csrf_token": csrf], browser: browser)
                    }
                    let isSetup = route.path.contains { $0.description == ":token" }
                    if isOurs {
                        // (A second deleting route may find our object already gone.)
                        if !isSetup && !destroys(route) { #expect(response.status != .notFound, "\(route.method) \(path) with our own id") }
                    } else {
                        // A setup or login link of another partner is spent (410); an unsubscribe link is unknown (404).
                        let expected: HTTPResponseStatus = isSetup && route.path.first?.description != "unsubscribe" ? .gone : .notFound
                        #expect(response.status == expected, "\(route.method) \(path) with another partner's id: \(response.status)")
                    }
                }
            }
        }
    }

    /// `/forgot-password` takes an address, not an id: asked on one partner's host, it never
    /// sends a link to another partner's operator, and that partner's link opens only on its own host.
    @Test func theTabIconIsThePartnerOfTheHost() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            globex.brandColor = "#0B6E4F"
            try await globex.update(on: portal.db)
            let theirs = try await portal.send(.GET, "/favicon.svg", host: "globex.example")
            let ours = try await portal.send(.GET, "/favicon.svg")
            #expect(theirs.text.contains("fill=\"#0B6E4F\"") && theirs.text.contains(">G</text>"))
            #expect(!ours.text.contains("#0B6E4F") && ours.text.contains(">A</text>"))
            #expect(theirs.headers.first(name: .eTag) != ours.headers.first(name: .eTag))
        }
    }

    @Test func aPasswordResetNeverCrossesPartners() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await portal.makeOperator(email: "them@globex.example", name: "Theirs", partner: globex)
            try await PasswordResetTests.requestLink("them@globex.example", portal, host: "portal.test")
            #expect(try await PasswordResetTests.handleRequests(portal) == 1)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 0)

            try await PasswordResetTests.requestLink("them@globex.example", portal, host: "globex.example")
            #expect(try await PasswordResetTests.handleRequests(portal) == 1)
            let message = try #require(try await PasswordResetTests.resetMessages(to: "them@globex.example", portal).first)
            let path = try PasswordResetTests.path(of: try PasswordResetTests.link(in: message))
            #expect(try await portal.visit(path, browser: Browser(), host: "portal.test").status == .gone)
            #expect(try await portal.visit(path, browser: Browser(), host: "globex.example").status == .ok)
        }
    }

    /// The accounts list's group and assignee filters take ids and words from the query, not
    /// the path: another partner's groups and operators are never suggested, listed or accepted.
    @Test func theListsGroupAndAssigneeChoicesAreThePartnersOwn() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let theirGroup = AccountGroup(partnerID: try globex.requireID(), parent: nil, name: "Theirs North")
            try await theirGroup.create(on: portal.db)
            let theirOperator = try await portal.makeOperator(email: "them@globex.example", name: "Theirs Operator", partner: globex)
            try await AccountGroup(partnerID: try portal.partner.requireID(), parent: nil, name: "Ours North").create(on: portal.db)
            let browser = try await portal.signIn()
            for path in ["/groups/suggest?q=north", "/accounts/assignees/suggest?q=o", "/accounts/groups", "/accounts/assignees"] {
                let answer = try await portal.send(.GET, path, cookies: browser)
                #expect(answer.status == .ok && !answer.text.contains("Theirs"), "\(path)")
            }
            #expect(try await portal.send(.GET, "/groups/suggest?q=north", cookies: browser).text.contains("Ours North"))
            for query in ["group=\(try theirGroup.requireID().uuidString)", "operator=\(try theirOperator.requireID().uuidString)"] {
                let list = try await portal.visit("/accounts?\(query)", browser: browser)
                #expect(list.status == .unprocessableEntity && !list.text.contains("Theirs"), "\(query)")
            }
        }
    }

    /// The recovery codes a page just showed come as a file only on their own partner's domain:
    /// the sealed sheet names the partner, and another partner's operator gets nothing from it.
    @Test func recoveryCodesJustMadeDownloadOnlyForTheirOwnPartner() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await portal.makeOperator(email: "ada@globex.example", name: "Ada of Globex", partner: globex)
            let ours = try await portal.signIn()
            let profile = try await portal.visit("/profile", browser: ours)
            let page = try await portal.submit("/profile/second-factor", ["confirm_password": "correct horse battery", "action": "codes",
                                                                          "csrf_token": profile.csrfToken ?? ""], browser: ours)
            let sheet = try #require(page.text.firstMatch(of: /name="sheet" value="([^"]+)"/)).output.1
            let codes = page.text.matches(of: /<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/).map { String($0.output.1) }
            #expect(codes.count == 10)
            let theirs = try await portal.signIn(email: "ada@globex.example", host: "globex.example")
            let csrf = try #require(try await portal.visit("/profile", browser: theirs, host: "globex.example").csrfToken)
            let answer = try await portal.submit("/profile/recovery-codes.txt", ["sheet": String(sheet), "csrf_token": csrf], browser: theirs,
                                                 host: "globex.example")
            #expect(answer.status == .forbidden)
            #expect(!codes.contains { answer.text.contains($0) })
            // Our own session on our own domain still gets the file.
            let file = try await portal.submit("/profile/recovery-codes.txt", ["sheet": String(sheet), "csrf_token": page.csrfToken ?? ""], browser: ours)
            #expect(file.status == .ok && codes.allSatisfy(file.text.contains))
        }
    }
}
