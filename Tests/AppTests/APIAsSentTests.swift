@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

/// The API document's limits hold for what was sent, before anything is trimmed, lower-cased
/// or cleaned: a value the document forbids is refused even when its cleaned form would pass.
@Suite struct APIAsSentTests {
    private func account(_ api: APIClient) async throws -> String {
        let created = try await api.call(.POST, "/accounts", json: #"{"name":"Corner Shop","email":"shop@example.com"}"#)
        #expect(created.status == .created)
        return try #require(try api.object(created)["businessUid"] as? String)
    }

    @Test func aRoleNameWithATabOrALineBreakAtEitherEndIsRefused() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            for name in [#"\tAuditors"#, #"Auditors\n"#, #"\rAuditors"#] {
                let response = try await api.call(.POST, "/roles", json: #"{"name":"\#(name)","permissions":["account.view"]}"#)
                #expect(response.status == .badRequest, "\(name)")
            }
            #expect(try await api.call(.POST, "/roles", json: #"{"name":" Auditors ","permissions":["account.view"]}"#).status == .created)
        }
    }

    @Test func aNicknameIsTakenExactlyAsTheDocumentWritesIt() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let uid = try await account(api)
            for nickname in ["AB", "ab ", #"\tab"#, #"\u212Ak"#, " " + String(repeating: "a", count: 63)] {
                let response = try await api.call(.PATCH, "/accounts/\(uid)", json: #"{"nickname":"\#(nickname)"}"#)
                #expect(response.status == .badRequest, "\(nickname)")
            }
            #expect(try await api.call(.PATCH, "/accounts/\(uid)", json: #"{"nickname":"corner-shop"}"#).status == .ok)
        }
    }

    @Test func tagsNotesAndSitesAreCheckedAsSent() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let uid = try await account(api)
            for tag in [" " + String(repeating: "a", count: 40), #"\tvip"#, #"\u00A0vip"#] {
                #expect(try await api.call(.POST, "/accounts/\(uid)/tags", json: #"{"tag":"\#(tag)"}"#).status == .badRequest, "\(tag)")
            }
            #expect(try await api.call(.POST, "/accounts/\(uid)/tags", json: #"{"tag":"東京"}"#).status == .ok)

            let long = #"\n"# + String(repeating: "a", count: AccountLabels.maxNoteLength)
            #expect(try await api.call(.POST, "/accounts/\(uid)/notes", json: #"{"body":"\#(long)"}"#).status == .badRequest)
            #expect(try await api.call(.POST, "/accounts/\(uid)/notes", json: #"{"body":"\uFEFF"}"#).status == .badRequest)
            // U+0085 is white space to the server but not to ECMA-262's `\s`: the document names it.
            #expect(try await api.call(.POST, "/accounts/\(uid)/notes", json: #"{"body":"\u0085 "}"#).status == .badRequest)
            let document = try await portal.send(.GET, "/api/v1/openapi.yaml").text
            let noteInput = try #require(document.range(of: "    NoteInput:\n").map { document[$0.upperBound...] })
            #expect(noteInput.prefix(300).contains(#"pattern: '[^\s\u0085]'"#))

            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            for host in ["https://example.com", "example.com:8080", " example.com", "a.bc/" + String(repeating: "x", count: 300)] {
                let response = try await api.call(.POST, "/accounts/\(uid)/activity", json: #"{"sites":[{"host":"\#(host)","at":"\#(at)"}]}"#)
                #expect(response.status == .badRequest, "\(host)")
            }
            #expect(try await api.call(.POST, "/accounts/\(uid)/activity", json: #"{"sites":[{"host":"Rosies.Example","at":"\#(at)"}]}"#).status == .ok)
        }
    }

    @Test func theSmallestAmountIsRefusedWithoutStoppingTheServer() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let uid = try await account(api)
            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            let payment = #"{"payments":[{"id":"p1","at":"\#(at)","amountMinor":-9223372036854775808,"currency":"EUR"}]}"#
            #expect(try await api.call(.POST, "/accounts/\(uid)/activity", json: payment).status == .badRequest)
            #expect(try await api.call(.GET, "/me").status == .ok)
        }
    }

    @Test func anInvitationHasAtMostFiftyGrants() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let grants = Array(repeating: #"{"role":"support","scope":"all"}"#, count: 51).joined(separator: ",")
            let response = try await api.call(.POST, "/operators", json: #"{"name":"Sam","email":"sam@example.com","grants":[\#(grants)]}"#)
            #expect(response.status == .badRequest)
            #expect(try await Operator.query(on: portal.db).filter(\.$email == "sam@example.com").count() == 0)
        }
    }

    @Test(arguments: ["#ＡＡＡＡＡＡ", "#１２３４５６", "#12345", "#1234567", "#12345g"])
    func aBrandColourIsSixASCIIHexDigits(_ colour: String) {
        #expect(!BrandColor.isValid(colour))
    }

    @Test(arguments: ["\u{212A}@example.com", "a@example.com\n", "a\t@example.com", "é@example.com"])
    func anEmailAddressIsASCIIWithoutControlCharacters(_ email: String) {
        guard case .failure = OperatorInput.email(email) else {
            Issue.record("accepted \(email.debugDescription)")
            return
        }
    }
}

@Suite struct BrandInkTests {
    /// Links, the current navigation item and tabs are drawn in the brand's ink on white.
    @Test(arguments: ["#FFFF66", "#4F46E5", "#0B5394", "#FFFFFF", "#7F7F7F", "#00FF00"])
    func theInkReadsOnWhiteWhateverTheBrand(_ brand: String) {
        let ink = BrandColor.ink(brand)
        #expect(BrandColor.isValid(ink))
        #expect(1.05 / (BrandColor.luminance(of: ink) + 0.05) >= 4.5, "\(brand) → \(ink)")
    }

    @Test func aDarkBrandKeepsItsUsualShade() {
        #expect(BrandColor.ink("#0B5394") == "#094276")
    }
}
