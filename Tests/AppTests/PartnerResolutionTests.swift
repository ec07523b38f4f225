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
