@testable import App
import Testing
import Vapor

@Suite struct PartnerResolutionTests {
    @Test func defaultPartnerAnswersAnyHostUntilItHasADomain() async throws {
        try await TestPortal.run { portal in
            let page = try await portal.send(.GET, "/sign-in", host: "anything.example")
            #expect(page.status == .ok)
            #expect(page.text.contains("Acme Partners"))

            let domain = PartnerDomain(partnerID: try portal.partner.requireID(), host: "acme.example")
            try await domain.create(on: portal.db)
            #expect(try await portal.send(.GET, "/sign-in", host: "acme.example:8080").status == .ok)
            let unknown = try await portal.send(.GET, "/sign-in", host: "anything.example")
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains("not configured"))
        }
    }

    @Test func aHostHeaderThatIsNotAHostAndPortIsRefused() async throws {
        try await TestPortal.run { (portal: TestPortal) async throws in
            for host in ["portal.test@evil.example", "portal.test:80@evil.example", "portal.test/evil", "portal.test:", "portal.test:8o",
                         "evil example", "[::1", "[::1]x", ":8080"] {
                #expect(try await portal.send(.GET, "/sign-in", host: host).status == .badRequest, "\(host)")
            }
            for host in ["portal.test", "portal.test:8080", "127.0.0.1:18099", "[::1]:8080", "Portal.Test"] {
                #expect(try await portal.send(.GET, "/sign-in", host: host).status == .ok, "\(host)")
            }
        }
    }

    @Test func linksInEmailsUseTheRegisteredDomainOrPublicURLNeverAnUnregisteredHost() async throws {
        try await TestPortal.run(adjust: { $0.publicURL = "https://portal.acme.example" }) { portal in
            let account = Account(partnerID: try portal.partner.requireID(), name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .owner, name: "Felix", email: "felix@bakery.example")
            owner.status = .active
            try await owner.create(on: portal.db)
            func resetLink(host: String) async throws -> String {
                let browser = Browser()
                let page = try await portal.visit("/app/forgot-password", browser: browser, host: host)
                _ = try await portal.submit("/app/forgot-password", ["email": "felix@bakery.example", "csrf_token": page.csrfToken ?? ""],
                                            browser: browser, host: host)
                let messages = try await OutboundMessage.query(on: portal.db).all()
                try await OutboundMessage.query(on: portal.db).delete()
                return messages.map(\.body).joined(separator: "\n")
            }
            // The default partner answers any host while it has no domain: the link is PUBLIC_URL's.
            let unregistered = try await resetLink(host: "evil.example")
            #expect(unregistered.contains("https://portal.acme.example/app/setup/") && !unregistered.contains("evil.example"))
            // On a registered domain, the link is that domain's.
            try await PartnerDomain(partnerID: try portal.partner.requireID(), host: "acme.example").create(on: portal.db)
            let registered = try await resetLink(host: "acme.example")
            #expect(registered.contains("://acme.example/app/setup/"), "\(registered)")
        }
    }

    @Test func hostSelectsItsPartner() async throws {
        try await TestPortal.run { portal in
            _ = try await portal.makePartner(slug: "globex", name: "Globex Resellers", domains: ["portal.globex.example"])
            let globex = try await portal.send(.GET, "/sign-in", host: "PORTAL.GLOBEX.EXAMPLE")
            #expect(globex.text.contains("Globex Resellers"))
            let fallback = try await portal.send(.GET, "/sign-in", host: "other.example")
            #expect(fallback.text.contains("Acme Partners"))
        }
    }

    @Test func partnerCreationValidatesEveryField() async throws {
        try await TestPortal.run { portal in
            _ = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            await #expect(throws: OperatorInput.Errors.self) {
                _ = try await portal.makePartner(slug: "Bad Slug", name: "", domains: ["not a host"])
            }
            do {
                _ = try await portal.makePartner(slug: "globex", name: "Again", domains: ["globex.example"])
                Issue.record("duplicate slug accepted")
            } catch let errors as OperatorInput.Errors {
                #expect(errors["slug"] != nil)
                #expect(errors["domain"] != nil)
            }
            do {
                _ = try await portal.makePartner(slug: "initech", name: "Initech", domains: ["globex.example"])
                Issue.record("taken domain accepted")
            } catch let errors as OperatorInput.Errors {
                #expect(errors["domain"] != nil)
            }
        }
    }
}
