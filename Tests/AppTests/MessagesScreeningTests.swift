@testable import App
import Foundation
import Testing

/// The screening rule of new accounts' outbound messages, as a table.
@Suite struct MessagesScreeningTests {
    @Test(arguments: [
        "see https://bluebakery.example", "HTTP://EXAMPLE.COM", "visit www.bluebakery.example", "order at bluebakery.com today",
        "(shop.example.co.uk/offer)", "menu: bakery.io.", "go to bakery.de?x=1", "bluebakery.shop",
        // Ways around a word-by-word reading.
        "evil.com/@promo", "see evil.com/?ref=a@b", "see:evil.com", "evil.com,now", "go to evil.com's page", "ftp://evil.com",
        "evil\u{FF0E}com", "evil\u{3002}com", "ｅｖｉｌ．ｃｏｍ", "bücher.de", "evil.zip", "evil.support", "https:/evil.com", "shop.xn--p1ai",
    ])
    func linksAreFound(text: String) {
        #expect(MessageScreening.containsLink(text))
    }

    @Test(arguments: [
        "Open 8.30 to 12.00, i.e. mornings.", "Write to felix@bakery.example", "We sell 3.5 kg loaves", "U.S.A. flour", "readme.txt",
        "Thanks!\nSee you on Sunday.", "", "Write to felix@bakery.example, or call.", "Version 2.1.3 is out", "e.g. rye",
    ])
    func plainTextIsNotALink(text: String) {
        #expect(!MessageScreening.containsLink(text))
    }

    @Test func theRuleAppliesForThe30DaysAfterCreationUnlessSendLinksIsOn() {
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let link = "see www.example.com"
        #expect(AccessPolicy.maySend(link, createdAt: created, sendLinksEnabled: false, now: created.addingTimeInterval(86_400)) == .deny(.linksScreened))
        #expect(AccessPolicy.maySend(link, createdAt: created, sendLinksEnabled: true, now: created.addingTimeInterval(86_400)) == .allow)
        #expect(AccessPolicy.maySend(link, createdAt: created, sendLinksEnabled: false, now: created.addingTimeInterval(30 * 86_400)) == .allow)
        #expect(AccessPolicy.maySend("no link here", createdAt: created, sendLinksEnabled: false, now: created) == .allow)
        #expect(AccessPolicy.maySend(link, createdAt: nil, sendLinksEnabled: false, now: created) == .deny(.linksScreened))
    }

    @Test func onlyRolesForMessagesAloneAreKeptToTheMessagesTab() throws {
        let agent = RoleDefinition(builtIn: try #require(BuiltInRole.named("messaging-agent")))
        let manager = RoleDefinition(builtIn: try #require(BuiltInRole.named("account-manager")))
        let viewer = RoleDefinition(builtIn: try #require(BuiltInRole.named("viewer")))
        #expect(AccessPolicy.isForMessagesOnly(agent))
        #expect(!AccessPolicy.isForMessagesOnly(manager) && !AccessPolicy.isForMessagesOnly(viewer))
        let partnerID = UUID()
        let facts = AccountFacts(id: UUID(), partnerID: partnerID, groupLineage: [], secure: false, locked: false, setupCompleted: true,
                                 assignedToActor: false)
        func actor(_ roles: [RoleDefinition]) -> Actor {
            Actor(operatorID: UUID(), partnerID: partnerID, isActive: true, grants: roles.map { ActorGrant(role: $0, scope: .all) }, hasAssignments: false)
        }
        #expect(AccessPolicy.mayOpenAccountTab(actor([agent]), .business, facts) == .deny(.messagesOnly))
        #expect(AccessPolicy.mayOpenAccountTab(actor([agent]), .messages, facts) == .allow)
        #expect(AccessPolicy.mayOpenAccountTab(actor([agent, viewer]), .business, facts) == .allow)
        #expect(AccessPolicy.mayOpenAccountTab(actor([viewer]), .messages, facts) == .deny(.missingPermission(.accountMessagesRead)))
    }
}
