@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The business's messages: inbound through the API and the business page, the workspace's
/// inbox, replies and announcements through the outbox, the 30-day link screening, and the
/// operators' Messages tab and API, with the Messaging Agent confined to it.
@Suite struct MessagesTests {
    static let password = "a quiet orchard in spring"

    @discardableResult
    func client(_ portal: TestPortal, partner: Partner? = nil, secure: Bool = false) async throws -> Account {
        let partnerID = try (partner ?? portal.partner).requireID()
        let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: secure)
        try await account.create(on: portal.db)
        let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy", email: "felix@bakery.example")
        owner.status = .active
        owner.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
        try await owner.create(on: portal.db)
        return account
    }

    func signIn(_ portal: TestPortal, email: String = "felix@bakery.example") async throws -> Browser {
        let browser = Browser()
        let page = try await portal.visit("/app/sign-in", browser: browser)
        let response = try await portal.submit("/app/sign-in", ["email": email, "password": Self.password, "csrf_token": page.csrfToken ?? ""],
                                               browser: browser)
        #expect(response.status == .seeOther)
        return browser
    }

    /// A message from Dana through the business page's contact form; returns her conversation.
    @discardableResult
    func inbound(_ portal: TestPortal, to account: Account, name: String = "Dana Diner", email: String = "dana@example.com",
                 body: String = "Do you bake on Sundays?") async throws -> AccountConversation {
        try await AccountMessages.receiveInbound(accountID: try account.requireID(), partnerID: account.partnerID, customerName: name,
                                                 customerEmail: email, body: body, channel: .businessPage, now: Date(), on: portal.db)
        return try #require(try await AccountConversation.query(on: portal.db).filter(\.$accountID == account.requireID())
            .filter(\.$customerEmail == Operator.normalize(email: email)).first())
    }

    func outbox(_ portal: TestPortal, to recipient: String) async throws -> [OutboundMessage] {
        try await OutboundMessage.query(on: portal.db).filter(\.$recipient == recipient).sort(\.$createdAt).all()
    }

    func id(_ conversation: AccountConversation) throws -> String { try conversation.requireID().uuidString.lowercased() }

    // MARK: - Inbound

    @Test func aMessageThroughTheInboundAPILandsInTheInboxUnread() async throws {
        try await TestPortal.run { portal in
            let account = try await client(portal)
            let api = try await portal.api(as: try await portal.makeOperator())
            let created = try await api.call(.POST, "/accounts/\(account.businessUID)/messages/inbound",
                                             json: #"{"customerName":" Dana Diner ","customerEmail":"Dana@Example.com","body":"Do you bake on Sundays?\nThanks"}"#)
            #expect(created.status == .created)
            let json = try api.object(created)
            #expect(json["direction"] as? String == "inbound" && json["channel"] as? String == "api")
            #expect(json["author"] as? String == "Dana Diner" && json["body"] as? String == "Do you bake on Sundays?\nThanks")

            let bad = try await api.call(.POST, "/accounts/\(account.businessUID)/messages/inbound",
                                         json: #"{"customerName":"Dana","customerEmail":"not an email","body":"Hi"}"#)
            #expect(bad.status == .badRequest && bad.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(bad.text.contains("customerEmail"))
            let unknown = try await api.call(.POST, "/accounts/nope/messages/inbound", json: #"{"customerName":"Dana","customerEmail":"d@example.com","body":"Hi"}"#)
            #expect(unknown.status == .notFound)

            let stored = try #require(try await Account.find(account.id, on: portal.db))
            #expect(stored.lastActivityAt != nil)
            let browser = try await signIn(portal)
            let inbox = try await portal.visit("/app/messages", browser: browser)
            #expect(inbox.status == .ok && inbox.text.contains("Dana Diner") && inbox.text.contains("Unread"))
            #expect(inbox.text.contains(#"href="/app/messages""#), "Messages is in the workspace's navigation")
            let conversation = try #require(try await AccountConversation.query(on: portal.db).first())
            #expect(conversation.customerEmail == "dana@example.com")
            let thread = try await portal.visit("/app/messages/\(try id(conversation))", browser: browser)
            #expect(thread.status == .ok && thread.text.contains("Do you bake on Sundays?"))
            #expect(try await AccountConversation.find(conversation.id, on: portal.db)?.unread == false)
            #expect(!(try await portal.visit("/app/messages", browser: browser)).text.contains("Unread"))
        }
    }

    @Test func inboundInputIsCheckedAndOneCustomerKeepsOneConversation() async throws {
        try await TestPortal.run { portal in
            let account = try await client(portal)
            await #expect(throws: OperatorInput.Errors.self) {
                try await AccountMessages.receiveInbound(accountID: try account.requireID(), partnerID: account.partnerID, customerName: "Dana\nDiner",
                                                         customerEmail: "dana@", body: " \n ", channel: .api, now: Date(), on: portal.db)
            }
            do {
                try await AccountMessages.receiveInbound(accountID: try account.requireID(), partnerID: account.partnerID, customerName: "Dana\nDiner",
                                                         customerEmail: "dana@", body: " \n ", channel: .api, now: Date(), on: portal.db)
            } catch let errors as OperatorInput.Errors {
                #expect(Set(errors.fields.keys) == ["name", "email", "message"])
            }
            await #expect(throws: OperatorInput.Errors.self) {
                try await AccountMessages.receiveInbound(accountID: try account.requireID(), partnerID: account.partnerID, customerName: "Dana",
                                                         customerEmail: "dana@example.com", body: String(repeating: "a", count: 4001), channel: .api,
                                                         now: Date(), on: portal.db)
            }
            try await inbound(portal, to: account)
            try await inbound(portal, to: account, name: "Dana D.", email: "DANA@example.com", body: "And on Mondays?")
            let conversations = try await AccountConversation.query(on: portal.db).all()
            #expect(conversations.count == 1 && conversations.first?.customerName == "Dana D.")
            #expect(try await AccountMessage.query(on: portal.db).count() == 2)
        }
    }

    // MARK: - Replies and announcements

    @Test func repliesAndAnnouncementsFromOwnerAndStaffReachTheOutbox() async throws {
        try await TestPortal.run { portal in
            let account = try await client(portal)
            let staff = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .staff, name: "Kim Staff", email: "kim@bakery.example")
            staff.status = .active
            staff.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
            try await staff.create(on: portal.db)
            let dana = try await inbound(portal, to: account)
            try await inbound(portal, to: account, name: "Eli", email: "eli@example.com", body: "Gluten free?")

            let owner = try await signIn(portal)
            let thread = try await portal.visit("/app/messages/\(try id(dana))", browser: owner)
            let sent = try await portal.submit("/app/messages/\(try id(dana))/reply", ["message": "Yes, from 8 to 12.", "csrf_token": thread.csrfToken ?? ""],
                                               browser: owner)
            #expect(sent.status == .seeOther)
            let reply = try #require(try await outbox(portal, to: "dana@example.com").first)
            #expect(reply.subject == "A reply from Blue Bakery" && reply.body.contains("Yes, from 8 to 12.") && reply.accountID == account.id)
            let stored = try #require(try await AccountMessage.query(on: portal.db).filter(\.$direction == .outbound).first())
            #expect(stored.authorName == "Felix Murphy" && stored.channel == .workspace && stored.operatorID == nil)
            #expect(try await portal.visit("/app/messages/\(try id(dana))", browser: owner).text.contains("Yes, from 8 to 12."))
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.message-sent").first())
            #expect(entry.actorName == "Felix Murphy" && entry.targetID == account.id?.uuidString.lowercased())

            let kim = try await signIn(portal, email: "kim@bakery.example")
            let page = try await portal.visit("/app/announcements", browser: kim)
            #expect(page.status == .ok && page.text.contains("all 2 customers"))
            let announced = try await portal.submit("/app/announcements", ["subject": "Closed Monday", "message": "We are closed on Monday.",
                                                                         "csrf_token": page.csrfToken ?? ""], browser: kim)
            #expect(announced.status == .seeOther)
            for recipient in ["dana@example.com", "eli@example.com"] {
                #expect(try await outbox(portal, to: recipient).contains { $0.subject == "Blue Bakery: Closed Monday" && $0.accountID == account.id })
            }
            let list = try await portal.visit("/app/announcements", browser: kim)
            #expect(list.text.contains("Closed Monday") && list.text.contains("Kim Staff") && list.text.contains("to 2 customers"))
        }
    }

    // MARK: - Screening

    @Test func anAnnouncementWithALinkIsRefusedInTheFirst30DaysUnlessSendLinksIsOn() async throws {
        try await TestPortal.run { portal in
            let account = try await client(portal)
            let dana = try await inbound(portal, to: account)
            let owner = try await signIn(portal)
            let text = "Order online at www.bluebakery.example today"
            func announce() async throws -> TestingHTTPResponse {
                let page = try await portal.visit("/app/announcements", browser: owner)
                return try await portal.submit("/app/announcements", ["subject": "Online orders", "message": text, "csrf_token": page.csrfToken ?? ""],
                                               browser: owner)
            }
            let refused = try await announce()
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("New accounts cannot send external links during their first 30 days"))
            #expect(refused.text.contains(text) && refused.text.contains("Online orders"), "what was typed stays in the form")
            #expect(refused.text.contains(#"id="field-message-error""#), "the reason is next to the field")
            #expect(try await outbox(portal, to: "dana@example.com").isEmpty)
            #expect(try await AccountAnnouncement.query(on: portal.db).count() == 0)
            let logged = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.message-refused").first())
            #expect(logged.actorName == "Felix Murphy" && logged.details.contains("announcement") && logged.details.contains("external links"))
            #expect(logged.targetID == account.id?.uuidString.lowercased())

            // A reply is screened the same way.
            let thread = try await portal.visit("/app/messages/\(try id(dana))", browser: owner)
            let reply = try await portal.submit("/app/messages/\(try id(dana))/reply", ["message": "See https://bluebakery.example/menu",
                                                                                        "csrf_token": thread.csrfToken ?? ""], browser: owner)
            #expect(reply.status == .unprocessableEntity && reply.text.contains("https://bluebakery.example/menu"))

            let stored = try #require(try await Account.find(account.id, on: portal.db))
            stored.sendLinksEnabled = true
            try await stored.update(on: portal.db)
            #expect(try await announce().status == .seeOther)
            #expect(try await outbox(portal, to: "dana@example.com").count == 1)

            stored.sendLinksEnabled = false
            try await stored.update(on: portal.db)
            #expect(try await announce().status == .unprocessableEntity)
            try await portal.db.sql.update(Account.schema).set("created_at", to: Date().addingTimeInterval(-31 * 86_400))
                .where("id", .equal, try account.requireID()).run()
            #expect(try await announce().status == .seeOther)
            #expect(try await outbox(portal, to: "dana@example.com").count == 2)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.message-refused").count() == 3)
        }
    }

    // MARK: - Operators

    @Test func aMessagingAgentReadsAndRepliesOnTheMessagesTabAndIsRefusedTheOtherTabs() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let account = try await client(portal)
            let dana = try await inbound(portal, to: account)
            let agent = try await portal.makeOperator(email: "mia@example.com", name: "Mia Messages", role: "messaging-agent")
            let browser = try await portal.signIn(email: "mia@example.com")
            let uid = account.businessUID

            let landing = try await portal.visit("/accounts/\(uid)", browser: browser)
            #expect(landing.status == .seeOther && landing.headers.first(name: .location) == "/accounts/\(uid)/messages")
            let tab = try await portal.visit("/accounts/\(uid)/messages", browser: browser)
            #expect(tab.status == .ok && tab.text.contains("Dana Diner"))
            #expect(!tab.text.contains(#"href="/accounts/\#(uid)/staff""#) && !tab.text.contains(#"href="/accounts/\#(uid)/activity""#))
            for other in ["activity", "subscription", "staff", "history", "account"] {
                #expect(try await portal.visit("/accounts/\(uid)/\(other)", browser: browser).status == .forbidden, "\(other)")
            }
            let thread = try await portal.visit("/accounts/\(uid)/messages/\(try id(dana))", browser: browser)
            #expect(thread.status == .ok && thread.text.contains("Do you bake on Sundays?") && thread.text.contains("Reply as the business"))
            let sent = try await portal.submit("/accounts/\(uid)/messages/\(try id(dana))/reply",
                                               ["message": "Yes, every Sunday.", "csrf_token": thread.csrfToken ?? ""], browser: browser)
            #expect(sent.status == .seeOther)
            #expect(try await outbox(portal, to: "dana@example.com").contains { $0.body.contains("Yes, every Sunday.") && $0.subject == "A reply from Blue Bakery" })
            let reply = try #require(try await AccountMessage.query(on: portal.db).filter(\.$direction == .outbound).first())
            #expect(reply.operatorID == agent.id && reply.authorName == "Mia Messages" && reply.channel == .portal)

            // History and the audit log name the operator.
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.message-sent").first())
            #expect(entry.actorName == "Mia Messages" && entry.actorID == agent.id)
            let admin = try await portal.signIn()
            let history = try await portal.visit("/accounts/\(uid)/history", browser: admin)
            #expect(history.text.contains("<strong>Mia Messages</strong> replied to a customer") && !history.text.contains(">account.message-sent<"))

            // The API's parity: read and reply, recorded the same way.
            let api = try await portal.api(as: agent)
            let list = try api.array(try await api.call(.GET, "/accounts/\(uid)/conversations"))
            #expect(list.count == 1 && list.first?["customerEmail"] as? String == "dana@example.com")
            let one = try api.object(try await api.call(.GET, "/accounts/\(uid)/conversations/\(try id(dana))"))
            #expect((one["messages"] as? [[String: Any]])?.count == 2)
            let viaAPI = try await api.call(.POST, "/accounts/\(uid)/conversations/\(try id(dana))/replies", json: #"{"body":"See you then."}"#)
            #expect(viaAPI.status == .created)
            #expect(try api.object(viaAPI)["operatorId"] as? String == agent.id?.uuidString.lowercased())
            let screened = try await api.call(.POST, "/accounts/\(uid)/conversations/\(try id(dana))/replies", json: #"{"body":"Menu: bluebakery.com"}"#)
            #expect(screened.status == .conflict && screened.text.contains("external links"))
            // The list names accounts without their details, and searches names only.
            let accountsList = try await portal.visit("/accounts", browser: browser)
            #expect(accountsList.status == .ok && accountsList.text.contains(account.name) && !accountsList.text.contains(account.email))
            let byEmail = try await portal.visit("/accounts?q=\(account.email.prefix(5))", browser: browser)
            #expect(!byEmail.text.contains("/accounts/\(uid)\""))
            #expect(try await api.call(.GET, "/accounts").status == .forbidden)
            // Nothing else of the account through the API either.
            for path in ["", "/staff", "/locations", "/tags", "/notes", "/activity", "/history"] {
                #expect(try await api.call(.GET, "/accounts/\(uid)\(path)").status == .forbidden, "GET /accounts/{uid}\(path)")
            }
        }
    }

    @Test func anOperatorWithoutMessagesReadGetsNoTabAndIsRefused() async throws {
        try await TestPortal.run { portal in
            let account = try await client(portal)
            let dana = try await inbound(portal, to: account)
            let viewer = try await portal.makeOperator(email: "vic@example.com", name: "Vic Viewer", role: "viewer")
            let browser = try await portal.signIn(email: "vic@example.com")
            let uid = account.businessUID
            let page = try await portal.visit("/accounts/\(uid)", browser: browser)
            #expect(page.status == .ok && !page.text.contains(#"href="/accounts/\#(uid)/messages""#))
            #expect(try await portal.visit("/accounts/\(uid)/messages", browser: browser).status == .forbidden)
            #expect(try await portal.visit("/accounts/\(uid)/messages/\(try id(dana))", browser: browser).status == .forbidden)
            let csrf = page.csrfToken ?? ""
            #expect(try await portal.submit("/accounts/\(uid)/messages/\(try id(dana))/reply", ["message": "Hi", "csrf_token": csrf],
                                            browser: browser).status == .forbidden)
            let api = try await portal.api(as: viewer)
            #expect(try await api.call(.GET, "/accounts/\(uid)/conversations").status == .forbidden)
            #expect(try await api.call(.POST, "/accounts/\(uid)/conversations/\(try id(dana))/replies", json: #"{"body":"Hi"}"#).status == .forbidden)
            #expect(try await api.call(.POST, "/accounts/\(uid)/messages/inbound",
                                       json: #"{"customerName":"Dana","customerEmail":"d@example.com","body":"Hi"}"#).status == .forbidden)
            #expect(try await AccountMessage.query(on: portal.db).filter(\.$direction == .outbound).count() == 0)

            // Support reads but may not reply: the tab shows why.
            try await portal.makeOperator(email: "sue@example.com", name: "Sue Support", role: "support")
            let support = try await portal.signIn(email: "sue@example.com")
            let thread = try await portal.visit("/accounts/\(uid)/messages/\(try id(dana))", browser: support)
            #expect(thread.status == .ok && thread.text.contains("Reply to messages") && !thread.text.contains("Reply as the business"))
        }
    }

    @Test func accountsOutOfScopeOrSecureWithoutClearanceAreNotFound() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let account = try await client(portal)
            let group = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await group.create(on: portal.db)
            let agent = try await portal.makeOperator(email: "mia@example.com", name: "Mia Messages", role: "messaging-agent")
            let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == agent.requireID()).first())
            grant.scope = .group
            grant.scopeID = group.id
            try await grant.update(on: portal.db)
            let api = try await portal.api(as: agent)
            let inboundJSON = #"{"customerName":"Dana","customerEmail":"d@example.com","body":"Hi"}"#
            #expect(try await api.call(.GET, "/accounts/\(account.businessUID)/conversations").status == .notFound)
            #expect(try await api.call(.POST, "/accounts/\(account.businessUID)/messages/inbound", json: inboundJSON).status == .notFound)

            let secure = Account(partnerID: partnerID, name: "Vault", email: "vault@example.com", groupID: group.id, secure: true)
            try await secure.create(on: portal.db)
            #expect(try await api.call(.GET, "/accounts/\(secure.businessUID)/conversations").status == .notFound)
            let cleared = try await portal.makeOperator(email: "sam@example.com", name: "Sam Secure", role: "messaging-agent-secure")
            let clearedAPI = try await portal.api(as: cleared)
            #expect(try await clearedAPI.call(.POST, "/accounts/\(secure.businessUID)/messages/inbound", json: inboundJSON).status == .created)
            #expect(try clearedAPI.array(try await clearedAPI.call(.GET, "/accounts/\(secure.businessUID)/conversations")).count == 1)
        }
    }

    @Test func anotherPartnersConversationIsNotFoundEverywhere() async throws {
        try await TestPortal.run { portal in
            let account = try await client(portal)
            try await inbound(portal, to: account)
            let other = try await portal.makePartner(slug: "other", name: "Other Partners", domains: ["other.test"])
            let theirs = Account(partnerID: try other.requireID(), name: "Their Shop", email: "shop@other.example", groupID: nil, secure: false)
            try await theirs.create(on: portal.db)
            let foreign = try await inbound(portal, to: theirs, email: "zed@example.com", body: "Secret question")
            let foreignID = try id(foreign)

            let owner = try await signIn(portal)
            let inbox = try await portal.visit("/app/messages", browser: owner)
            #expect(!inbox.text.contains("zed@example.com"))
            #expect(try await portal.visit("/app/messages/\(foreignID)", browser: owner).status == .notFound)
            #expect(try await portal.submit("/app/messages/\(foreignID)/reply", ["message": "Hi", "csrf_token": inbox.csrfToken ?? ""],
                                            browser: owner).status == .notFound)

            let admin = try await portal.makeOperator()
            let browser = try await portal.signIn()
            #expect(try await portal.visit("/accounts/\(account.businessUID)/messages/\(foreignID)", browser: browser).status == .notFound)
            let api = try await portal.api(as: admin)
            #expect(try await api.call(.GET, "/accounts/\(account.businessUID)/conversations/\(foreignID)").status == .notFound)
            #expect(try await api.call(.POST, "/accounts/\(account.businessUID)/conversations/\(foreignID)/replies", json: #"{"body":"Hi"}"#).status == .notFound)
            #expect(try await api.call(.GET, "/accounts/\(theirs.businessUID)/conversations").status == .notFound)
            await #expect(throws: PortalError.self) {
                try await AccountMessages.receiveInbound(accountID: try theirs.requireID(), partnerID: try portal.partner.requireID(), customerName: "Dana",
                                                         customerEmail: "dana@example.com", body: "Hi", channel: .api, now: Date(), on: portal.db)
            }
            #expect(try await outbox(portal, to: "zed@example.com").isEmpty)
        }
    }
}
