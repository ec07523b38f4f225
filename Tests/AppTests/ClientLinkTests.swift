@testable import App
import Fluent
import Foundation
import Testing

/// Links and mail about a client account reach only those who may see it.
@Suite struct ClientLinkTests {
    private func account(_ portal: TestPortal, secure: Bool) async throws -> (Account, AccountUser) {
        let partnerID = try portal.partner.requireID()
        let account = Account(partnerID: partnerID, name: secure ? "Quiet Clinic" : "Blue Bakery", email: "owner@client.example",
                              groupID: nil, secure: secure)
        try await account.create(on: portal.db)
        let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix", email: "owner@client.example")
        try await owner.create(on: portal.db)
        return (account, owner)
    }

    @Test func aSecureAccountsOwnerInviteIsInTheMailboxOnlyForClearedReaders() async throws {
        try await TestPortal.run { portal in
            let (account, owner) = try await account(portal, secure: true)
            try await AccountUsers.invite(owner, to: account, inviter: "Ada", partner: portal.partner, baseURL: "http://portal.test",
                                          now: Date(), on: portal.db)
            try await portal.makeOperator()
            try await portal.makeOperator(email: "sec@example.com", name: "Sec Admin", role: "admin-secure")
            let uncleared = try await portal.signIn()
            let page = try await portal.send(.GET, "/dev/mailbox", cookies: uncleared)
            #expect(page.status == .ok)
            #expect(!page.text.contains("/app/setup/"))
            let cleared = try await portal.signIn(email: "sec@example.com")
            #expect(try await portal.send(.GET, "/dev/mailbox", cookies: cleared).text.contains("/app/setup/"))
        }
    }

    @Test func anOwnersLinksStopWhenTheAccountsEmailChanges() async throws {
        try await TestPortal.run { portal in
            let (account, owner) = try await account(portal, secure: false)
            let token = try await AccountUsers.issue(.invite, for: owner, lifetime: 3600, now: Date(), on: portal.db)
            #expect(try await AccountUsers.find(token.value, partnerID: try portal.partner.requireID(), now: Date(), on: portal.db) != nil)
            let ada = try await portal.makeOperator()
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            try await AccountEditing.update(.init(email: "new-owner@client.example"), of: account, by: actor, context: .system, on: portal.db)
            #expect(try await AccountUsers.find(token.value, partnerID: try portal.partner.requireID(), now: Date(), on: portal.db) == nil)
            #expect(try await AccountUser.find(owner.id, on: portal.db)?.email == "new-owner@client.example")
        }
    }
}
