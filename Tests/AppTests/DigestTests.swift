@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The digest run on a fake clock (`now`): who receives it, what it lists, exactly once per
/// period even from two runs at once, and the unsubscribe link it carries.
@Suite struct DigestTests {
    static func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    /// 08:00 in London on the day the clocks go forward.
    static let londonEight = at("2026-03-29T07:00:00Z")
    static func days(before date: Date, _ n: Double) -> Date { date.addingTimeInterval(-n * 86_400) }

    static func prefer(_ op: Operator, _ frequency: NotificationPreferences.Frequency = .daily,
                       _ categories: Set<NotificationPreferences.Category> = Set(NotificationPreferences.Category.allCases),
                       zone: String = "Europe/London", on db: any Database) async throws {
        op.notificationPreferences = NotificationPreferences(frequency: frequency, categories: categories)
        op.timeZone = zone
        try await op.update(on: db)
    }

    static func links(_ portal: TestPortal) throws -> Digests.Links { Digests.Links(secrets: try portal.app.secrets()) }

    static func run(_ portal: TestPortal, at now: Date) async throws -> Int {
        try await Digests.runDue(now: now, on: portal.db, logger: portal.app.logger, links: links(portal))
    }

    static func digests(_ portal: TestPortal, to email: String) async throws -> [OutboundMessage] {
        try await OutboundMessage.query(on: portal.db).filter(\.$recipient == email).sort(\.$createdAt).all()
            .filter { $0.subject.hasPrefix("Your tasks for") }
    }

    /// An account stuck in setup, a locked one and an inactive one, all well before `now`.
    static func backlog(_ portal: TestPortal, before now: Date) async throws {
        try await TasksTests.account(portal, "Slow Start", created: days(before: now, 20), .init(setupCompleted: false, lastActivity: days(before: now, 1)))
        try await TasksTests.account(portal, "Frozen", created: days(before: now, 20), .init(lastActivity: days(before: now, 1), locked: true))
        try await TasksTests.account(portal, "Quiet", created: days(before: now, 60))
    }

    // MARK: - When

    @Test func aDailyDigestGoesOutAtEightLocalOncePerDayAcrossTheClockChange() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .daily, [.stuckInSetup, .lockedAccounts], on: portal.db)
            try await Self.backlog(portal, before: Self.londonEight)
            #expect(try await Self.run(portal, at: Self.londonEight.addingTimeInterval(-3600)) == 0)
            #expect(try await Self.run(portal, at: Self.londonEight.addingTimeInterval(-1)) == 0)
            #expect(try await Self.run(portal, at: Self.londonEight) == 1)
            #expect(try await Self.run(portal, at: Self.londonEight.addingTimeInterval(1800)) == 0)
            // Monday: 08:00 BST is 07:00 UTC again.
            let monday = Self.at("2026-03-30T07:00:00Z")
            #expect(try await Self.run(portal, at: monday.addingTimeInterval(-60)) == 0)
            #expect(try await Self.run(portal, at: monday) == 1)
            let sent = try await Self.digests(portal, to: "ada@example.com")
            #expect(sent.map(\.subject) == ["Your tasks for Sunday 29 March: 1 account stuck in setup, 1 locked account",
                                            "Your tasks for Monday 30 March: 1 account stuck in setup, 1 locked account"])
            #expect(try await DigestDelivery.query(on: portal.db).all().map(\.periodKey).sorted() == ["daily:2026-03-29", "daily:2026-03-30"])
            // A category not chosen never appears.
            let body = try #require(sent.first).body
            #expect(body.contains("Slow Start") && body.contains("Frozen"))
            #expect(!body.contains("Quiet") && !body.contains("Inactive accounts"))
        }
    }

    @Test func aWeeklyDigestGoesOutOnMondayAtEightInNewYork() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .weekly, [.lockedAccounts], zone: "America/New_York", on: portal.db)
            try await TasksTests.account(portal, "Frozen", created: Self.at("2026-01-01T00:00:00Z"), .init(locked: true))
            // Monday 26 October, still summer time: 08:00 EDT is 12:00 UTC.
            #expect(try await Self.run(portal, at: Self.at("2026-10-26T11:59:00Z")) == 0)
            #expect(try await Self.run(portal, at: Self.at("2026-10-26T12:00:00Z")) == 1)
            #expect(try await Self.run(portal, at: Self.at("2026-10-27T12:00:00Z")) == 0)
            // Sunday 1 November the clocks go back: still the same week, already sent.
            #expect(try await Self.run(portal, at: Self.at("2026-11-01T13:00:00Z")) == 0)
            // Monday 2 November: 08:00 EST is 13:00 UTC, not an hour early.
            #expect(try await Self.run(portal, at: Self.at("2026-11-02T12:00:00Z")) == 0)
            #expect(try await Self.run(portal, at: Self.at("2026-11-02T12:59:59Z")) == 0)
            #expect(try await Self.run(portal, at: Self.at("2026-11-02T13:00:00Z")) == 1)
            let subjects = try await Self.digests(portal, to: "ada@example.com").map(\.subject)
            #expect(subjects == ["Your tasks for the week of Monday 26 October: 1 locked account",
                                 "Your tasks for the week of Monday 2 November: 1 locked account"])
        }
    }

    // MARK: - What and who

    @Test func anEmptyDigestOrOneWithoutCategoriesIsNotSent() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .daily, [.pendingInvites, .newAssignments], on: portal.db)
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo")
            try await Self.prefer(bo, .daily, [], on: portal.db)
            try await Self.backlog(portal, before: Self.londonEight)
            #expect(try await Self.run(portal, at: Self.londonEight) == 0)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 0)
            let adaPlan = try await Digests.plan(for: try await Self.loaded(ada, portal), partner: portal.partner, now: Self.londonEight,
                                                 links: Self.links(portal), on: portal.db)
            #expect(adaPlan == .empty(periodKey: "daily:2026-03-29"))
            let boPlan = try await Digests.plan(for: try await Self.loaded(bo, portal), partner: portal.partner, now: Self.londonEight,
                                                links: Self.links(portal), on: portal.db)
            #expect(boPlan == .noCategories)
        }
    }

    @Test func theDigestListsOnlyTheOperatorsScopeAndSecureAccountsWithClearance() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await north.create(on: portal.db)
            try await south.create(on: portal.db)
            let old = Self.days(before: Self.londonEight, 20)
            try await TasksTests.account(portal, "North Locked", created: old, .init(group: north.id, locked: true))
            try await TasksTests.account(portal, "South Locked", created: old, .init(group: south.id, locked: true))
            try await TasksTests.account(portal, "Vault", created: old, .init(secure: true, locked: true))
            let vi = try await portal.makeOperator(email: "vi@example.com", name: "Vi", role: "viewer")
            try await TasksTests.scoped(vi, role: "viewer", group: north, on: portal.db)
            let ed = try await portal.makeOperator(email: "ed@example.com", name: "Ed", role: "system-manager")
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "admin-secure")
            for op in [vi, ed, sam] { try await Self.prefer(op, .daily, [.lockedAccounts], on: portal.db) }
            try await Self.prefer(try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first()), .daily, [], on: portal.db)
            #expect(try await Self.run(portal, at: Self.londonEight) == 3)
            let vis = try #require(try await Self.digests(portal, to: "vi@example.com").first)
            #expect(vis.subject.hasSuffix(": 1 locked account"))
            #expect(vis.body.contains("North Locked") && !vis.body.contains("South Locked") && !vis.body.contains("Vault"))
            let eds = try #require(try await Self.digests(portal, to: "ed@example.com").first)
            #expect(eds.body.contains("North Locked") && eds.body.contains("South Locked") && !eds.body.contains("Vault"))
            let sams = try #require(try await Self.digests(portal, to: "sam@example.com").first)
            #expect(sams.body.contains("Vault") && sams.subject.hasSuffix(": 3 locked accounts"))
        }
    }

    @Test func theNotificationsRoleReceivesWhileBlockedOperatorsAndInvitesDoNot() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let nora = try await portal.makeOperator(email: "nora@example.com", name: "Nora", password: nil, role: "notifications", status: .active)
            let blocked = try await portal.makeOperator(email: "bill@example.com", name: "Bill", role: "admin", status: .blocked)
            let invited = try await portal.makeOperator(email: "ivy@example.com", name: "Ivy", password: nil, role: "admin", status: .invited)
            let marketing = try await portal.makeOperator(email: "mo@example.com", name: "Mo", role: "marketing")
            for op in [nora, blocked, invited, marketing] { try await Self.prefer(op, .daily, [.lockedAccounts, .stuckInSetup], on: portal.db) }
            try await Self.prefer(try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first()), .daily, [], on: portal.db)
            try await Self.backlog(portal, before: Self.londonEight)
            try await TasksTests.account(portal, "Vault", created: Self.days(before: Self.londonEight, 20), .init(secure: true, locked: true))
            #expect(try await Self.run(portal, at: Self.londonEight) == 1)
            let noras = try #require(try await Self.digests(portal, to: "nora@example.com").first)
            #expect(noras.body.contains("Frozen") && noras.body.contains("Slow Start") && !noras.body.contains("Vault"))
            #expect(try await Self.digests(portal, to: "bill@example.com").isEmpty)
            #expect(try await Self.digests(portal, to: "ivy@example.com").isEmpty)
            // Marketing receives digests but sees no customer data: nothing to list.
            #expect(try await Self.digests(portal, to: "mo@example.com").isEmpty)
            let plan = try await Digests.plan(for: try await Self.loaded(blocked, portal), partner: portal.partner, now: Self.londonEight,
                                              links: Self.links(portal), on: portal.db)
            #expect(plan == .mayNotReceive(.notActive))
        }
    }

    @Test func mayReceiveDigestNeedsAnActiveOperatorWithTheRight() throws {
        let partnerID = UUID()
        func actor(_ role: String, active: Bool = true) throws -> Actor {
            let definition = RoleDefinition(builtIn: try #require(BuiltInRole.named(role)))
            return Actor(operatorID: UUID(), partnerID: partnerID, isActive: active, grants: [ActorGrant(role: definition, scope: .all)], hasAssignments: false)
        }
        #expect(AccessPolicy.mayReceiveDigest(try actor("notifications")) == .allow)
        #expect(AccessPolicy.mayReceiveDigest(try actor("viewer")) == .allow)
        #expect(AccessPolicy.mayReceiveDigest(try actor("admin", active: false)) == .deny(.notActive))
        let custom = RoleDefinition(id: "c", name: "Kit", description: "", permissions: [.partnerKitView, .portalLogin], secureClearance: false)
        let noRight = Actor(operatorID: UUID(), partnerID: partnerID, isActive: true, grants: [ActorGrant(role: custom, scope: .all)], hasAssignments: false)
        #expect(AccessPolicy.mayReceiveDigest(noRight) == .deny(.missingPermission(.notificationsReceive)))
        // The Notifications role reads its digest as a viewer would; a role that signs in reads as itself.
        let reader = AccessPolicy.digestReader(try actor("notifications"))
        #expect(AccessPolicy.mayViewTasks(reader, in: .lockedAccounts) == .allow)
        #expect(AccessPolicy.mayViewTasks(reader, in: .pendingInvites) == .allow)
        #expect(reader.grants.allSatisfy { !$0.role.secureClearance })
        let marketing = AccessPolicy.digestReader(try actor("marketing"))
        #expect(!AccessPolicy.mayViewTasks(marketing, in: .lockedAccounts).isAllowed)
    }

    // MARK: - Exactly once

    @Test func twoConcurrentRunsEnqueueEachDigestOnce() async throws {
        try await TestPortal.run { portal in
            for (index, name) in ["Ada", "Bo", "Cy", "Di"].enumerated() {
                let op = try await portal.makeOperator(email: "\(name.lowercased())@example.com", name: name)
                try await Self.prefer(op, .daily, [.lockedAccounts], zone: index % 2 == 0 ? "Europe/London" : "UTC", on: portal.db)
            }
            try await Self.backlog(portal, before: Self.londonEight)
            let now = Self.at("2026-03-29T09:00:00Z")
            async let first = Self.run(portal, at: now)
            async let second = Self.run(portal, at: now)
            let total = try await first + second
            #expect(total == 4)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 4)
            #expect(Set(try await OutboundMessage.query(on: portal.db).all().map(\.recipient)).count == 4)
            #expect(try await DigestDelivery.query(on: portal.db).filter(\.$messageID != nil).count() == 4)
        }
    }

    @Test func aDeliveryRecordedByAnotherInstanceIsSkippedQuietly() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .daily, [.lockedAccounts], on: portal.db)
            try await Self.backlog(portal, before: Self.londonEight)
            let plan = try await Digests.plan(for: try await Self.loaded(ada, portal), partner: portal.partner, now: Self.londonEight,
                                              links: Self.links(portal), on: portal.db)
            guard case .send(let digest) = plan else { Issue.record("expected a digest, got \(plan)"); return }
            // Another instance records the period between this one's plan and its insert.
            let other = try await DigestDelivery.claim(partnerID: digest.partnerID, operatorID: digest.operatorID, periodKey: digest.periodKey,
                                                       now: Self.londonEight, on: portal.db)
            #expect(other != nil)
            #expect(try await Digests.enqueue(digest, now: Self.londonEight, on: portal.db) == false)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 0)
            #expect(try await DigestDelivery.query(on: portal.db).count() == 1)
        }
    }

    // MARK: - The email

    @Test func theEmailCarriesUnsubscribeHeadersAndAbsoluteLinks() async throws {
        try await TestPortal.run { portal in
            try await PartnerDomain(partnerID: try portal.partner.requireID(), host: "portal.test").create(on: portal.db)
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .daily, [.stuckInSetup, .pendingInvites], on: portal.db)
            for n in 1...12 {
                try await TasksTests.account(portal, "Setup \(n)", created: Self.days(before: Self.londonEight, 20), .init(setupCompleted: false))
            }
            let invitee = try await portal.makeOperator(email: "ivy@example.com", name: "Ivy", password: nil, status: .invited)
            try await portal.db.sql.update(Operator.schema).set("created_at", to: Self.days(before: Self.londonEight, 5))
                .where("id", .equal, invitee.requireID()).run()
            #expect(try await Self.run(portal, at: Self.londonEight) == 1)
            let message = try #require(try await Self.digests(portal, to: "ada@example.com").first)
            #expect(message.subject == "Your tasks for Sunday 29 March: 12 accounts stuck in setup, 1 pending invite")
            let headers = Dictionary(uniqueKeysWithValues: message.headers.map { ($0.name, $0.value) })
            let unsubscribe = try #require(headers["List-Unsubscribe"])
            #expect(unsubscribe.hasPrefix("<https://portal.test/unsubscribe/") && unsubscribe.hasSuffix(">"))
            #expect(headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
            let body = message.body
            #expect(body.components(separatedBy: "\n- Setup ").count - 1 == 10)
            #expect(body.contains("  and 2 more: https://portal.test/tasks#stuck-in-setup"))
            #expect(body.contains("- Ivy: https://portal.test/operators/\(try invitee.requireID().uuidString.lowercased())"))
            #expect(body.contains("https://portal.test/accounts/"))
            #expect(body.contains("https://portal.test/profile"))
            #expect(body.contains("Stop receiving these emails: " + unsubscribe.dropFirst().dropLast()))
            // Written over SMTP with the headers, each on its own line.
            let wire = SMTPMessage(from: "portal@example.com", fromName: "Acme", to: message.recipient, subject: message.subject,
                                   body: message.body, date: Self.londonEight, headers: message.headers).rendered
            #expect(wire.contains("\r\nList-Unsubscribe: \(unsubscribe)\r\n"))
            #expect(wire.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))

            // The link in the email works: the page asks first, the POST unsubscribes.
            let path = String(unsubscribe.dropFirst("<https://portal.test".count).dropLast())
            let page = try await portal.send(.GET, path)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Stop digest emails?"))
            let done = try await portal.send(.POST, path, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                             body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
            #expect(done.status == .ok)
            #expect(done.body.string.contains("You will no longer receive digests"))
            let after = try #require(try await Operator.find(ada.requireID(), on: portal.db))
            #expect(after.notificationPreferences == NotificationPreferences(frequency: .daily, categories: []))
        }
    }

    @Test func hostileNamesCannotInjectLinesOrHeaders() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            // Names from before input was checked, or from an import, reach the digest too.
            ada.name = "Ada\r\nBcc: evil@example.com"
            try await Self.prefer(ada, .daily, [.lockedAccounts], on: portal.db)
            try await TasksTests.account(portal, "Evil\r\nSubject: pwned\n- Fake: https://evil.example", created: Self.days(before: Self.londonEight, 20),
                                         .init(locked: true))
            #expect(try await Self.run(portal, at: Self.londonEight) == 1)
            let message = try #require(try await Self.digests(portal, to: "ada@example.com").first)
            #expect(!message.subject.contains("\r") && !message.subject.contains("\n"))
            let lines = message.body.components(separatedBy: "\n")
            #expect(!lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("Subject:") || $0.hasPrefix("- Fake") })
            #expect(!message.body.contains("\r"))
            #expect(MailHeader(name: "List-Unsubscribe", value: "<x>\r\nBcc: y") == nil)
            #expect(MailHeader(name: "Bcc:\r\nX", value: "y") == nil)
        }
    }

    // MARK: - Unsubscribe

    @Test func aGetNeverUnsubscribesAPostDoesAndIsAudited() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .weekly, [.lockedAccounts, .stuckInSetup], on: portal.db)
            let token = UnsubscribeToken.make(partnerID: try portal.partner.requireID(), operatorID: try ada.requireID(), secrets: try portal.app.secrets())
            for _ in 0..<2 { #expect(try await portal.send(.GET, SiteURL.unsubscribe(token: token).path).status == .ok) }
            #expect(try await Operator.find(ada.requireID(), on: portal.db)?.notificationPreferences.categories.count == 2)
            let done = try await portal.send(.POST, SiteURL.unsubscribe(token: token).path)
            #expect(done.status == .ok)
            let after = try #require(try await Operator.find(ada.requireID(), on: portal.db))
            #expect(after.notificationPreferences == NotificationPreferences(frequency: .weekly, categories: []))
            let events = try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.notifications-changed").all()
            #expect(events.count == 1)
            #expect(events.first?.actorID == ada.id && events.first?.actorName == "Ada Admin")
            #expect(events.first?.details.contains("weekly|stuck-in-setup,locked-accounts → weekly|") == true)
            #expect(events.first?.details.contains("via the email link") == true)
            // Again: still the same page, nothing more to record.
            #expect(try await portal.send(.POST, SiteURL.unsubscribe(token: token).path).status == .ok)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "operator.notifications-changed").count() == 1)
        }
    }

    @Test func forgedForeignOrStaleTokensAnswerNotFound() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo")
            let secrets = try portal.app.secrets()
            let partnerID = try portal.partner.requireID()
            let adas = UnsubscribeToken.make(partnerID: partnerID, operatorID: try ada.requireID(), secrets: secrets)
            let bos = UnsubscribeToken.make(partnerID: partnerID, operatorID: try bo.requireID(), secrets: secrets)
            // Bo's id with Ada's code: forged.
            let spliced = String(bos.prefix(22)) + String(adas.dropFirst(22))
            let other = try await portal.makePartner(slug: "other", name: "Other", domains: ["other.test"])
            let foreign = UnsubscribeToken.make(partnerID: try other.requireID(), operatorID: try ada.requireID(), secrets: secrets)
            let wrongKey = UnsubscribeToken.make(partnerID: partnerID, operatorID: try ada.requireID(), secrets: SecretBox(secret: Data(repeating: 1, count: 32)))
            for token in [spliced, foreign, wrongKey, "x", String(repeating: "A", count: 64), "%0d%0a", String(repeating: "z", count: 500)] {
                for method in [HTTPMethod.GET, .POST] {
                    let response = try await portal.send(method, "/unsubscribe/" + token)
                    #expect(response.status == .notFound, "\(method) \(token)")
                    #expect(!response.body.string.contains("Stop digest emails?"))
                }
            }
            #expect(UnsubscribeToken.verify(adas, partnerID: partnerID, secrets: secrets) == ada.id)
            #expect(UnsubscribeToken.verify(adas, partnerID: try other.requireID(), secrets: secrets) == nil)
            #expect(try await Operator.query(on: portal.db).all().allSatisfy { !$0.notificationPreferences.categories.isEmpty })
            // A removed operator's link stops working.
            try await bo.delete(on: portal.db)
            #expect(try await portal.send(.GET, SiteURL.unsubscribe(token: bos).path).status == .notFound)
        }
    }

    // MARK: - Preview

    @Test func thePreviewPrintsTheDigestOrWhyThereIsNoneAndRecordsNothing() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            try await Self.prefer(ada, .daily, [.lockedAccounts], on: portal.db)
            try await Self.backlog(portal, before: Self.londonEight)
            let links = try Self.links(portal)
            func preview(_ now: Date) async throws -> String {
                try await DigestPreview.text(email: "ADA@example.com ", partnerSlug: nil, now: now, links: links, on: portal.db)
            }
            let early = try await preview(Self.londonEight.addingTimeInterval(-60))
            #expect(early == "Nothing would be sent to ada@example.com: no digest is due this period. The next is due at 2026-03-29 08:00 Europe/London.")
            let due = try await preview(Self.londonEight)
            #expect(due.hasPrefix("To: ada@example.com\nSubject: Your tasks for Sunday 29 March: 1 locked account\nList-Unsubscribe: <http://localhost:8080/unsubscribe/"))
            #expect(due.contains("\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n\nHello Ada Admin,"))
            #expect(due.contains("- Frozen: http://localhost:8080/accounts/"))
            #expect(try await OutboundMessage.query(on: portal.db).count() == 0)
            #expect(try await DigestDelivery.query(on: portal.db).count() == 0)
            #expect(try await Self.run(portal, at: Self.londonEight) == 1)
            #expect(try await preview(Self.londonEight.addingTimeInterval(60)) == "Nothing would be sent to ada@example.com: the digest of daily:2026-03-29 was sent already.")
            try await Self.prefer(ada, .daily, [], on: portal.db)
            #expect(try await preview(Self.londonEight) == "Nothing would be sent to ada@example.com: they chose no category.")
            ada.status = .blocked
            try await ada.update(on: portal.db)
            #expect(try await preview(Self.londonEight).hasPrefix("Nothing would be sent to ada@example.com: they may not receive digests"))
            await #expect(throws: CommandFailure.self) { try await DigestPreview.text(email: "nobody@example.com", partnerSlug: nil, now: Self.londonEight, links: links, on: portal.db) }
        }
    }

    static func loaded(_ op: Operator, _ portal: TestPortal) async throws -> Operator {
        try #require(try await Operator.query(on: portal.db).filter(\.$id == op.requireID()).with(\.$grants).first())
    }
}

@Suite struct DigestTextTests {
    /// An unclosed right-to-left override would turn the rest of the line, the real link
    /// among it, around.
    @Test func bidirectionalFormattingCharactersAreDropped() {
        let name = "Acme \u{202E}gnp.exe\u{2066}x\u{2069}\u{200F} Reset\u{2028}now"
        #expect(DigestEmail.flattened(name) == "Acme gnp.exex Reset now")
    }
}
