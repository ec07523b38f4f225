@testable import App
import Testing
import Vapor
import VaporTesting

@Suite struct APITests {
    struct Me: Decodable {
        struct OperatorPart: Decodable { let id: String; let email: String; let name: String }
        struct PartnerPart: Decodable { let slug: String; let name: String }
        let `operator`: OperatorPart
        let partner: PartnerPart
        let permissions: [String]
    }

    private func bearer(_ token: String, _ extra: HTTPHeaders = [:]) -> HTTPHeaders {
        var headers = extra
        headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)")
        return headers
    }

    @Test func meReturnsOperatorPartnerAndPermissions() async throws {
        try await TestPortal.run { portal in
            let op = try await portal.makeOperator(role: "support")
            let response = try await portal.send(.GET, "/api/v1/me", headers: bearer(try await portal.makeToken(for: op)))
            #expect(response.status == .ok)
            let me = try response.json(Me.self)
            #expect(me.operator.email == "ada@example.com")
            #expect(me.operator.id == op.id?.uuidString.lowercased())
            #expect(me.partner.slug == "default")
            #expect(me.partner.name == "Acme Partners")
            #expect(Set(me.permissions) == Set(["portal.login", "notifications.receive", "account.view", "account.activity.view",
                                                 "account.history.view", "account.notes.edit", "account.impersonate",
                                                 "account.password.reset", "account.setup.complete", "account.messages.read"]))
        }
    }

    @Test func aBadQueryParameterIsNamedAsOne() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let response = try await api.call(.GET, "/operators?status=zzz")
            #expect(response.status == .badRequest)
            #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            let detail = try api.object(response)["detail"] as? String ?? ""
            #expect(detail.hasPrefix("A query parameter is missing or not valid") && detail.contains("zzz"))
            let missing = try await api.call(.POST, "/partner-kit/files?fileName=a.txt")
            #expect(missing.status == .badRequest || missing.status == .unsupportedMediaType)
        }
    }

    @Test func missingOrUnknownTokenIs401ProblemJSON() async throws {
        try await TestPortal.run { portal in
            for headers: HTTPHeaders in [[:], ["Authorization": "Bearer opk_unknown"], ["Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"]] {
                let response = try await portal.send(.GET, "/api/v1/me", headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                #expect(response.headers.first(name: .wwwAuthenticate)?.hasPrefix("Bearer") == true)
                let problem = try response.json(Problem.self)
                #expect(problem.status == 401)
            }
        }
    }

    @Test func tokenWorksOnlyOnItsOwnPartnersHost() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let op = try await portal.makeOperator(partner: globex)
            let token = try await portal.makeToken(for: op)
            #expect(try await portal.send(.GET, "/api/v1/me", host: "globex.example", headers: bearer(token)).status == .ok)
            #expect(try await portal.send(.GET, "/api/v1/me", host: "portal.test", headers: bearer(token)).status == .unauthorized)
        }
    }

    @Test func blockedOperatorsTokenStopsAtOnce() async throws {
        try await TestPortal.run { portal in
            let op = try await portal.makeOperator()
            let token = try await portal.makeToken(for: op)
            #expect(try await portal.send(.GET, "/api/v1/me", headers: bearer(token)).status == .ok)
            op.status = .blocked
            try await op.update(on: portal.db)
            #expect(try await portal.send(.GET, "/api/v1/me", headers: bearer(token)).status == .unauthorized)
        }
    }

    @Test func patchMeChangesTheName() async throws {
        try await TestPortal.run { portal in
            let token = try await portal.makeToken(for: try await portal.makeOperator())
            let response = try await portal.send(.PATCH, "/api/v1/me", headers: bearer(token, ["Content-Type": "application/json"]),
                                                 body: ByteBuffer(string: #"{"name":"  Ada Lovelace "}"#))
            #expect(response.status == .ok)
            #expect(try response.json(Me.self).operator.name == "Ada Lovelace")
        }
    }

    @Test(arguments: [
        (#"{"name": "#, HTTPResponseStatus.badRequest),          // malformed JSON
        (#"{"name": 42}"#, .badRequest),                           // wrong type
        (#"{"nickname": "x"}"#, .badRequest),                      // unknown property
        (#"{"name": "   "}"#, .badRequest),                        // blank
        (#"{"name": "a\u0000b"}"#, .badRequest),                   // control character
        (#"{"name": null}"#, .badRequest),                         // null where a string is required
        (#"[]"#, .badRequest),                                     // not an object
        ("{\"name\": \"" + String(repeating: "e\u{301}", count: 101) + "\"}", .badRequest), // 101 letters, 202 code points
    ])
    func badBodiesAre400ProblemJSON(body: String, status: HTTPResponseStatus) async throws {
        try await TestPortal.run { portal in
            let token = try await portal.makeToken(for: try await portal.makeOperator())
            let response = try await portal.send(.PATCH, "/api/v1/me", headers: bearer(token, ["Content-Type": "application/json"]),
                                                 body: ByteBuffer(string: body))
            #expect(response.status == status)
            #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(try response.json(Problem.self).status == Int(status.code))
        }
    }

    @Test func wrongContentTypeIs415() async throws {
        try await TestPortal.run { portal in
            let token = try await portal.makeToken(for: try await portal.makeOperator())
            let response = try await portal.send(.PATCH, "/api/v1/me", headers: bearer(token, ["Content-Type": "text/plain"]),
                                                 body: ByteBuffer(string: "name=Ada"))
            #expect(response.status == .unsupportedMediaType)
            #expect(try response.json(Problem.self).status == 415)
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await TestPortal.run(adjust: { $0.maxBodyBytes = 2048 }) { portal in
            let token = try await portal.makeToken(for: try await portal.makeOperator())
            let name = String(repeating: "a", count: 4096)
            let response = try await portal.send(.PATCH, "/api/v1/me", headers: bearer(token, ["Content-Type": "application/json"]),
                                                 body: ByteBuffer(string: #"{"name":"\#(name)"}"#))
            #expect(response.status == .payloadTooLarge)
            #expect(try response.json(Problem.self).status == 413)
        }
    }

    @Test func unknownRouteIs404AndUnknownMethodIs405() async throws {
        try await TestPortal.run { portal in
            let missing = try await portal.send(.GET, "/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(try missing.json(Problem.self).status == 404)

            let method = try await portal.send(.DELETE, "/api/v1/me")
            #expect(method.status == .methodNotAllowed)
            #expect(method.headers.first(name: .allow) == "GET, PATCH")
            #expect(try method.json(Problem.self).status == 405)

            // A constant path segment is its own resource, not a parameter's value.
            let token = try await portal.makeToken(for: try await portal.makeOperator())
            let csv = try await portal.send(.DELETE, "/api/v1/roles/matrix.csv", headers: bearer(token))
            #expect(csv.status == .methodNotAllowed)
            #expect(csv.headers.first(name: .allow) == "GET")
        }
    }

    @Test func openAPIDocumentIsServed() async throws {
        try await TestPortal.run { portal in
            let response = try await portal.send(.GET, "/api/v1/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.text.hasPrefix("openapi: 3.1.0"))
            #expect(response.headers.contentType?.description.hasPrefix("application/yaml") == true)
        }
    }

    @Test func everyPermissionOfTheCatalogueIsInTheDocument() throws {
        let yaml = try #require(OpenAPIDocument.yaml)
        for permission in Permission.allCases {
            #expect(yaml.contains("- \(permission.rawValue)\n"), "openapi.yaml lacks \(permission.rawValue)")
        }
    }
}
