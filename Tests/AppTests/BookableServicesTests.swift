@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The services a business offers for booking: read one a line, each once.
@Suite struct BookableServicesReadTests {
    @Test func linesAreTrimmedBlankOnesDroppedAndARepeatKeptOnce() {
        var errors = OperatorInput.Errors()
        let stored = BookableServices.read("  Haircut, 30 min \r\n\n Colour\nhaircut, 30 MIN\n", errors: &errors)
        #expect(errors.isEmpty && stored == "Haircut, 30 min\nColour")
        #expect(BookableServices.names(stored) == ["Haircut, 30 min", "Colour"])
        #expect(BookableServices.read(" \n\t\n", errors: &errors) == nil && errors.isEmpty)
    }

    @Test func tooManyTooLongOrControlCharactersAreRefusedOnTheField() {
        var errors = OperatorInput.Errors()
        #expect(BookableServices.read((1...31).map { "Service \($0)" }.joined(separator: "\n"), errors: &errors) == nil)
        #expect(errors["services"] == "List at most 30 services (there are 31).")
        errors = .init()
        #expect(BookableServices.read(String(repeating: "é", count: 101), errors: &errors) == nil)
        #expect(errors["services"]?.hasPrefix("Keep each service to 100 characters") == true)
        errors = .init()
        #expect(BookableServices.read("Cut\u{7}", field: "x", errors: &errors) == nil && errors["x"] == "Remove the control characters.")
    }

    @Test func aChoiceIsMatchedToTheOfferedSpellingOrTakenAsTypedWhenNoneIsListed() {
        #expect(BookableServices.offered(" colour ", in: "Haircut\nColour") == "Colour")
        #expect(BookableServices.offered("Beard trim", in: "Haircut\nColour") == nil)
        #expect(BookableServices.offered("Anything", in: nil) == "Anything")
    }
}

/// The owner lists the services in the workspace; the business page's booking form offers
/// exactly those.
extension WorkspaceSignInTests {
    @Test func theOwnerListsTheServicesOfferedAndTheBusinessPageOffersExactlyThose() async throws {
        try await TestPortal.run { portal in
            let (account, _) = try await client(portal)
            account.nickname = "blue-bakery"
            try await account.update(on: portal.db)
            let owner = Browser()
            #expect(try await signIn(portal, owner).status == .seeOther)
            let page = try await portal.visit("/app/profile", browser: owner)
            #expect(page.text.contains("name=\"services\""))
            var fields = ["csrf_token": page.csrfToken ?? "", "name": "Blue Bakery", "phone": "", "address": "", "description": "",
                          "opening_hours": "", "brand_color": "", "logo_url": "",
                          "services": (1...31).map { "Cake \($0)" }.joined(separator: "\n")]
            let refused = try await portal.submit("/app/profile", fields, browser: owner)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("id=\"field-services-error\">List at most 30 services (there are 31)."))
            #expect(refused.text.contains("Cake 31"))  // what was typed stays
            #expect(try await Account.find(account.id, on: portal.db)?.services == nil)
            fields["services"] = "Birthday cake\nSourdough loaf\nbirthday cake\n"
            #expect(try await portal.submit("/app/profile", fields, browser: owner).status == .seeOther)
            #expect(try await Account.find(account.id, on: portal.db)?.services == "Birthday cake\nSourdough loaf")
            let history = try #require(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.profile-changed").first())
            #expect(history.details.contains("services: — → “Birthday cake”, “Sourdough loaf”"))

            // The public page lists them and its booking form offers only them.
            let business = try await portal.send(.GET, "/b/blue-bakery")
            let tags = HTMLTokenizer.tags(business.text)
            #expect(tags.contains { $0.name == "select" && $0.value("name") == "service" })
            #expect(!tags.contains { $0.name == "input" && $0.value("name") == "service" })
            #expect(tags.filter { $0.name == "option" }.compactMap { $0.value("value") } == ["", "Birthday cake", "Sourdough loaf"])
            #expect(business.text.contains("<h3>Services</h3>"))
            var booking = BusinessPageTests.booking
            booking["service"] = "Wedding cake"
            let other = try await BusinessPageTests.post(portal, "/b/blue-bakery/booking", booking)
            #expect(other.status == .unprocessableEntity)
            #expect(other.text.contains("id=\"field-service-error\">Choose one of the services offered."))
            // The choice sent stays on the form, beside the ones offered.
            #expect(HTMLTokenizer.tags(other.text).contains { $0.name == "option" && $0.value("value") == "Wedding cake" && $0.value("selected") != nil })
            booking["service"] = ""
            let none = try await BusinessPageTests.post(portal, "/b/blue-bakery/booking", booking)
            #expect(none.status == .unprocessableEntity && none.text.contains("id=\"field-service-error\">Choose a service."))
            let fromClients = BookingRecord.query(on: portal.db).filter(\.$clientEmail == "nora@example.com")
            #expect(try await fromClients.count() == 0)
            booking["service"] = "sourdough LOAF"
            #expect(try await BusinessPageTests.post(portal, "/b/blue-bakery/booking", booking).status == .seeOther)
            let made = try #require(try await fromClients.first())
            #expect(made.service == "Sourdough loaf")  // in the business's spelling

            // An operator sees them on the account's Business tab.
            try await portal.makeOperator()
            let operatorBrowser = try await portal.signIn()
            let tab = try await portal.visit("/accounts/\(account.businessUID)", browser: operatorBrowser)
            #expect(tab.text.contains("Services offered for booking") && tab.text.contains("“Birthday cake”, “Sourdough loaf”"))
        }
    }
}
