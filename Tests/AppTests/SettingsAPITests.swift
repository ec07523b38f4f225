@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `GET /api/v1/settings` and `PATCH /api/v1/settings/{section}`: the same rules as the page,
/// 403 without `settings.manage`, 400 problem+json for what the document calls invalid.
@Suite struct SettingsAPITests {
    private func isProblem(_ response: TestingHTTPResponse, _ status: HTTPResponseStatus) -> Bool {
        response.status == status && response.headers.contentType?.description.hasPrefix("application/problem+json") == true
    }

    @Test func getReturnsEverySection() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let response = try await api.call(.GET, "/settings")
            #expect(response.status == .ok)
            let body = try api.object(response)
            let security = try #require(body["security"] as? [String: Any])
            #expect(security["secondFactorRequired"] as? Bool == true)
            #expect(security["secondFactorMethods"] as? [String] == ["totp", "email", "sms"])
            #expect(security["idleTimeoutMinutes"] as? Int == 60 && security["absoluteTimeoutMinutes"] as? Int == 720)
            #expect(security["loginAsOwnerNotice"] as? String == "always")
            #expect((body["retention"] as? [String: Any])?["historyRetentionDays"] as? Int == 183)
            let branding = try #require(body["branding"] as? [String: Any])
            #expect(branding["name"] as? String == "Acme Partners" && branding["color"] as? String == "#4F46E5" && branding["logo"] == nil)
            #expect(body["tasks"] as? [String: Int] == ["stuckInSetupDays": 14, "inactiveDays": 30, "newAssignmentDays": 7,
                                                         "pendingInviteDays": 3, "screeningNoticeDays": 7])
            #expect((body["domains"] as? [String: Any])?["hosts"] as? [String] == [])
        }
    }

    @Test func withoutSettingsManageEveryOperationIs403() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator(email: "sam@example.com", role: "support"))
            #expect(isProblem(try await api.call(.GET, "/settings"), .forbidden))
            for (section, json) in [("security", ##"{"secondFactorRequired":false}"##), ("retention", ##"{"historyRetentionDays":45}"##),
                                    ("branding", ##"{"color":"#0F766E"}"##), ("domains", ##"{"add":["acme.example"]}"##)] {
                let response = try await api.call(.PATCH, "/settings/\(section)", json: json)
                #expect(isProblem(response, .forbidden), "\(section)")
                #expect((try api.object(response)["detail"] as? String)?.contains("“Manage settings”") == true)
            }
            let partner = try #require(try await Partner.find(portal.partner.id, on: portal.db))
            #expect(partner.secondFactorRequired && partner.historyRetentionDays == 183 && partner.brandColor == Partner.defaultBrandColor)
            #expect(try await PartnerDomain.query(on: portal.db).count() == 0)
        }
    }

    @Test func patchingSecurityTakesEffectAndIsAudited() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let response = try await api.call(.PATCH, "/settings/security", json: #"""
                {"secondFactorMethods":["totp","sms"],"impersonationMaxMinutes":30,"loginAsOwnerNotice":"never","clientSecondFactorRequired":true}
                """#)
            #expect(response.status == .ok)
            let body = try api.object(response)
            #expect(body["secondFactorMethods"] as? [String] == ["totp", "sms"] && body["impersonationMaxMinutes"] as? Int == 30)
            let partner = try #require(try await Partner.find(portal.partner.id, on: portal.db))
            #expect(partner.secondFactorMethods == "totp,sms" && partner.impersonationMaxMinutes == 30)
            #expect(partner.loginAsOwnerNotice == .never && partner.clientSecondFactorRequired && partner.idleTimeoutMinutes == 60)
            let entry = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.security-changed").first())
            #expect(entry.details.contains("login-as maximum minutes: 60 → 30") && entry.details.contains("owner notice: always → never"))
            #expect(!entry.details.contains("idle"))
        }
    }

    @Test(arguments: [
        ##"{"idleTimeoutMinutes":4}"##, ##"{"idleTimeoutMinutes":481}"##, ##"{"absoluteTimeoutMinutes":479}"##, ##"{"absoluteTimeoutMinutes":43201}"##,
        ##"{"impersonationMaxMinutes":0}"##, ##"{"impersonationMaxMinutes":481}"##, ##"{"secondFactorMethods":[]}"##,
        ##"{"secondFactorMethods":["totp","totp"]}"##, ##"{"secondFactorMethods":["fax"]}"##, ##"{"loginAsOwnerNotice":"sometimes"}"##,
        ##"{"secondFactorRequired":null}"##, ##"{"unknown":true}"##, ##"{"idleTimeoutMinutes":"60"}"##,
    ])
    func badSecurityBodiesAre400(json: String) async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            #expect(isProblem(try await api.call(.PATCH, "/settings/security", json: json), .badRequest))
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.security-changed").count() == 0)
        }
    }

    @Test func patchingRetentionIsWhatTheJobUses() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            for bad in [##"{"historyRetentionDays":29}"##, ##"{"historyRetentionDays":731}"##, ##"{"historyRetentionDays":null}"##] {
                #expect(isProblem(try await api.call(.PATCH, "/settings/retention", json: bad), .badRequest), "\(bad)")
            }
            let response = try await api.call(.PATCH, "/settings/retention", json: ##"{"historyRetentionDays":30}"##)
            #expect(try response.status == .ok && api.object(response)["historyRetentionDays"] as? Int == 30)
            let now = Date()
            try await AuditEvent(partnerID: portal.partner.requireID(), actorID: nil, actorName: "Ada", action: "account.lock",
                                 targetType: "account", targetID: UUID().uuidString, targetLabel: "31 days old", details: "", ip: "",
                                 at: now.addingTimeInterval(-31 * 86_400)).create(on: portal.db)
            #expect(try await HistoryRetention.prune(now: now, signer: portal.auditSigner, on: portal.db) == 1)
        }
    }

    @Test func patchingBrandingShowsOnTheSignInPage() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            #expect(isProblem(try await api.call(.PATCH, "/settings/branding", json: ##"{"color":"#7F7F7F"}"##), .conflict))
            for bad in [##"{"color":"4F46E5"}"##, ##"{"color":" #0F766E"}"##, ##"{"logo":"https://cdn.example.com/a.png"}"##,
                        ##"{"logo":{"contentType":"image/png"}}"##, ##"{"logo":{"contentType":"image/gif","data":"AAAA"}}"##,
                        ##"{"logo":{"contentType":"image/png","data":"not base64"}}"##, ##"{"logo":{"contentType":"image/png","data":"AAA"}}"##,
                        ##"{"logo":{"contentType":"image/png","data":null}}"##, ##"{"name":"   "}"##, ##"{"name":null}"##] {
                #expect(isProblem(try await api.call(.PATCH, "/settings/branding", json: bad), .badRequest), "\(bad)")
            }
            let response = try await api.call(.PATCH, "/settings/branding", json: ##"{"name":"Teal Reseller","color":"#0f766e"}"##)
            #expect(response.status == .ok)
            let body = try api.object(response)
            #expect(body["color"] as? String == "#0F766E" && body["logo"] == nil)
            let signIn = try await portal.send(.GET, "/sign-in")
            #expect(signIn.text.contains("--brand:#0F766E") && signIn.text.contains("Teal Reseller"))
        }
    }

    @Test func patchingDomainsAddsAndRemovesHostsButNeverTheOneInUseOrAnotherPortals() async throws {
        try await TestPortal.run { portal in
            _ = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let api = try await portal.api(as: try await portal.makeOperator())
            for bad in [##"{"add":["Acme.example"]}"##, ##"{"add":["acme.example."]}"##, ##"{"add":["https://acme.example"]}"##,
                        ##"{"add":["acme.example","acme.example"]}"##, ##"{"add":null}"##] {
                #expect(isProblem(try await api.call(.PATCH, "/settings/domains", json: bad), .badRequest), "\(bad)")
            }
            #expect(isProblem(try await api.call(.PATCH, "/settings/domains", json: ##"{"add":["globex.example"]}"##), .conflict))
            // The same host added and removed at once is a conflict, not a server error; a list
            // longer than the document allows is a bad request.
            #expect(isProblem(try await api.call(.PATCH, "/settings/domains", json: ##"{"add":["b.example"],"remove":["b.example"]}"##), .conflict))
            let many = (0..<21).map { "\"h\($0).example\"" }.joined(separator: ",")
            #expect(isProblem(try await api.call(.PATCH, "/settings/domains", json: "{\"add\":[\(many)]}"), .badRequest))
            #expect(isProblem(try await api.call(.PATCH, "/settings/onboarding", json: "{\"add\":[\((0..<21).map { _ in #"{"title":"Step"}"# }.joined(separator: ","))]}"),
                              .badRequest))
            let added = try await api.call(.PATCH, "/settings/domains", json: ##"{"add":["acme.example","www.acme.example"]}"##)
            #expect(added.status == .ok)
            #expect(try api.object(added)["hosts"] as? [String] == ["acme.example", "portal.test", "www.acme.example"])
            #expect(try await portal.send(.GET, "/sign-in", host: "www.acme.example").text.contains("Acme Partners"))

            #expect(isProblem(try await api.call(.PATCH, "/settings/domains", json: ##"{"remove":["portal.test"]}"##), .conflict))
            #expect(isProblem(try await api.call(.PATCH, "/settings/domains", json: ##"{"remove":["globex.example"]}"##), .conflict))
            let removed = try await api.call(.PATCH, "/settings/domains", json: ##"{"remove":["www.acme.example"]}"##)
            #expect(try api.object(removed)["hosts"] as? [String] == ["acme.example", "portal.test"])
            #expect(try await portal.send(.GET, "/sign-in", host: "www.acme.example").status == .notFound)
            #expect(try await portal.send(.GET, "/sign-in", host: "globex.example").text.contains("Globex"))
            let audited = try await AuditEvent.query(on: portal.db).filter(\.$action == "settings.domains-changed").count()
            #expect(audited == 2)
        }
    }

    /// The limits in `openapi.yaml` are the ones `SettingsInput` checks, so schemathesis's valid
    /// data is accepted and its invalid data refused.
    @Test func theDocumentStatesTheLimitsTheServerChecks() throws {
        let yaml = try #require(OpenAPIDocument.yaml)
        for (name, range) in [("idleTimeoutMinutes", SettingsInput.idleTimeoutRange), ("absoluteTimeoutMinutes", SettingsInput.absoluteTimeoutRange),
                              ("impersonationMaxMinutes", SettingsInput.impersonationMinutesRange),
                              ("historyRetentionDays", SettingsInput.retentionDaysRange),
                              ("stuckInSetupDays", SettingsInput.taskDaysRange), ("inactiveDays", SettingsInput.taskDaysRange),
                              ("newAssignmentDays", SettingsInput.taskDaysRange), ("pendingInviteDays", SettingsInput.taskDaysRange),
                              ("screeningNoticeDays", SettingsInput.screeningNoticeDaysRange)] {
            #expect(yaml.contains("        \(name):\n          type: integer\n          minimum: \(range.lowerBound)\n          maximum: \(range.upperBound)\n"),
                    "\(name)")
        }
        #expect(yaml.contains("maxLength: \(SettingsInput.maxLogoBase64Length)") && yaml.contains("maximum: \(PlanCatalogue.maxStaffSlots)"))
    }
}
