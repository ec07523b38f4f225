@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite struct NewAccountTests {
    @Test func aBlankAccountFromTheFormAndItsFieldErrors() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let form = try await portal.visit("/accounts/new", browser: browser)
            #expect(form.status == .ok && form.text.contains("Business name"))
            let bad = try await portal.submit("/accounts", ["name": " ", "email": "nope", "phone": "call me", "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("id=\"field-name-error\"") && bad.text.contains("id=\"field-email-error\"") && bad.text.contains("id=\"field-phone-error\""))
            #expect(bad.text.contains("value=\"nope\""))       // what was typed is kept
            #expect(try await Account.query(on: portal.db).count() == 0)  // nothing half-created

            let made = try await portal.submit("/accounts", ["name": "Rosie's Bakery", "email": "Rosie@Example.com", "owner_name": "Rosalind",
                                                             "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(made.status == .seeOther)
            let account = try #require(try await Account.query(on: portal.db).first())
            #expect(account.email == "rosie@example.com" && account.ownerName == "Rosalind" && !account.isTemplate)
            #expect(made.headers.first(name: .location) == "/accounts/\(account.businessUID)")
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.created").first()?.details == "blank")
        }
    }

    @Test func fromATemplateCopiesPlanSlotsTagsAndGroupButNeverNotesOrHistory() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let template = Account(partnerID: partnerID, name: "Salon template", email: "template@example.com", groupID: north.id, secure: false)
            template.plan = "Pro"
            template.staffSlots = 7
            template.isTemplate = true
            template.nickname = "salon-template"
            template.locked = true
            template.setupCompleted = true
            try await template.create(on: portal.db)
            let actor = try await AccessLoader.actor(for: ada, on: portal.db)
            try await AccountLabels.addTag("salon", to: template, by: actor, context: .system, on: portal.db)
            _ = try await AccountLabels.addNote("Private to the template", to: template, by: actor, context: .system, on: portal.db)

            let api = try await portal.api(as: ada)
            let created = try await api.call(.POST, "/accounts", json: #"{"name":"Cut & Dry","email":"cut@example.com","templateUid":"\#(template.businessUID)"}"#)
            #expect(created.status == .created)
            let uid = try #require(try api.object(created)["businessUid"] as? String)
            let copy = try #require(try await Account.query(on: portal.db).filter(\.$businessUID == uid).first())
            #expect(copy.plan == "Pro" && copy.staffSlots == 7 && copy.groupID == north.id)
            #expect(try await AccountLabels.tags(of: copy, on: portal.db) == ["salon"])
            // Not copied: identity, flags, notes, history.
            #expect(copy.nickname == nil && !copy.isTemplate && !copy.locked && !copy.setupCompleted)
            #expect(try await AccountLabels.notes(of: copy, on: portal.db).isEmpty)
            #expect(try await AccountAdministration.history(of: copy, by: actor, on: portal.db).map(\.action) == ["account.created"])

            #expect(try await api.call(.POST, "/accounts", json: #"{"name":"X","email":"x@example.com","templateUid":"\#(uid)"}"#).status == .conflict) // not a template
            let sam = try await portal.makeOperator(email: "sam@example.com", name: "Sam", role: "support")
            let samsAPI = try await portal.api(as: sam)
            #expect(try await samsAPI.call(.POST, "/accounts", json: #"{"name":"Y","email":"y@example.com","templateUid":"\#(template.businessUID)"}"#).status == .forbidden)
        }
    }

    @Test func anEmptyOptionalFieldIsNotGivenInTheFormButRefusedByTheAPI() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            let form = try await portal.visit("/accounts/new", browser: browser)
            let made = try await portal.submit("/accounts", ["name": "Blank Fields", "email": "blank@example.com", "owner_name": "  ", "phone": "",
                                                             "csrf_token": form.csrfToken ?? ""], browser: browser)
            #expect(made.status == .seeOther)
            let account = try #require(try await Account.query(on: portal.db).first())
            #expect(account.ownerName == nil && account.phone == nil)

            // The schema refuses "" for both (found by schemathesis), so the API must too.
            let api = try await portal.api(as: ada)
            for body in [#"{"name":"A","email":"a@example.com","ownerName":""}"#, #"{"name":"A","email":"a@example.com","phone":""}"#,
                         #"{"name":"A","email":"a@example.com","ownerName":" "}"#] {
                let refused = try await api.call(.POST, "/accounts", json: body)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(refused.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            }
            #expect(try await Account.query(on: portal.db).count() == 1)
        }
    }
}
