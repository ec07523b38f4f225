@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The public business page `/b/{nickname}`: the profile for anyone on the partner's domain,
/// without a session or a cookie; `noindex` while in setup; not found for unknown, locked,
/// template and other partners' accounts; a booking request and a contact message that land
/// in the account's bookings and inbox, behind a spam trap and limits.
@Suite struct BusinessPageTests {
    static func business(_ portal: TestPortal, nickname: String? = "blue-bakery", partner: Partner? = nil,
                         adjust: (Account) -> Void = { _ in }) async throws -> Account {
        let partnerID = try (partner ?? portal.partner).requireID()
        let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "felix@bakery.example", groupID: nil, secure: false)
        account.nickname = nickname
        account.businessDescription = "Sourdough every morning.\nCakes to order."
        account.openingHours = "Mon–Fri 7:00–15:00\nSat 8:00–12:00"
        account.address = "1 Mill Lane, Canterbury"
        account.brandColor = "#AA3300"
        account.logoURL = "https://cdn.example.com/bakery.png"
        adjust(account)
        try await account.create(on: portal.db)
        try await AccountLocation(partnerID: partnerID, accountID: try account.requireID(), name: "Harbour kiosk", address: "Quay 4, Whitstable")
            .create(on: portal.db)
        return account
    }

    static func post(_ portal: TestPortal, _ path: String, _ fields: [String: String], ip: String? = nil,
                     host: String = "portal.test") async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        if let ip { headers.replaceOrAdd(name: "X-Forwarded-For", value: ip) }
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await portal.send(.POST, path, host: host, headers: headers, body: ByteBuffer(string: body))
    }

    /// A week from now, as the date field sends it.
    static let bookingDay: String = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(7 * 86_400))
    }()

    static let booking = ["service": "Birthday cake", "client_name": "Nora Client", "client_email": "nora@example.com",
                          "date": bookingDay, "time": "10:30", "note": "Chocolate, please."]
    static let contact = ["name": "Nora Client", "email": "nora@example.com", "message": "Do you bake gluten-free bread?"]

    @Test func thePageShowsTheProfileInTheBusinessesBrandAndSetsNoCookie() async throws {
        try await TestPortal.run { portal in
            _ = try await Self.business(portal)
            let page = try await portal.send(.GET, "/b/blue-bakery", headers: ["Cookie": "portal_csrf=abc"])
            #expect(page.status == .ok)
            for text in ["Blue Bakery", "Sourdough every morning.", "Cakes to order.", "Mon–Fri 7:00–15:00", "Sat 8:00–12:00",
                         "1 Mill Lane, Canterbury", "Harbour kiosk", "Quay 4, Whitstable"] {
                #expect(page.text.contains(text), "\(text)")
            }
            #expect(page.text.contains("--brand:#AA3300"))
            #expect(page.text.contains("src=\"https://cdn.example.com/bakery.png\""))
            #expect(page.text.contains("action=\"/b/blue-bakery/booking\"") && page.text.contains("action=\"/b/blue-bakery/contact\""))
            #expect(!page.text.contains("csrf_token"))
            #expect(!page.text.contains(Layout.productName))
            #expect(page.headers[.setCookie].isEmpty)
        }
    }

    @Test func withoutItsOwnBrandThePageTakesThePartners() async throws {
        try await TestPortal.run { portal in
            portal.partner.brandColor = "#123456"
            try await portal.partner.update(on: portal.db)
            _ = try await Self.business(portal) { $0.brandColor = nil; $0.logoURL = nil }
            let page = try await portal.send(.GET, "/b/blue-bakery")
            #expect(page.text.contains("--brand:#123456"))
        }
    }

    @Test func searchEnginesAreAskedNotToIndexItOnlyWhileInSetup() async throws {
        try await TestPortal.run { portal in
            let account = try await Self.business(portal)
            let robots = "<meta name=\"robots\" content=\"noindex\"/>"
            #expect(try await portal.send(.GET, "/b/blue-bakery").text.contains(robots))
            account.setupCompleted = true
            try await account.update(on: portal.db)
            let live = try await portal.send(.GET, "/b/blue-bakery")
            #expect(live.status == .ok && !live.text.contains("robots"))
        }
    }

    @Test func withoutANicknameThePageIsAtTheBusinessUIDAndWithOneTheUIDRedirectsThere() async throws {
        try await TestPortal.run { portal in
            let plain = try await Self.business(portal, nickname: nil)
            let page = try await portal.send(.GET, "/b/\(plain.businessUID)")
            #expect(page.status == .ok && page.text.contains("action=\"/b/\(plain.businessUID)/booking\""))
            let named = try await Self.business(portal, nickname: "harbour")
            let moved = try await portal.send(.GET, "/b/\(named.businessUID)")
            #expect(moved.status == .movedPermanently)
            #expect(moved.headers.first(name: .location) == "/b/harbour")
        }
    }

    enum Hidden: String, CaseIterable { case unknown, locked, template, otherPartner }

    @Test(arguments: Hidden.allCases)
    func hiddenAccountsAreNotFound(_ hidden: Hidden) async throws {
        try await TestPortal.run { portal in
            switch hidden {
            case .unknown: _ = try await Self.business(portal, nickname: "someone-else")
            case .locked: _ = try await Self.business(portal) { $0.locked = true }
            case .template: _ = try await Self.business(portal) { $0.isTemplate = true }
            case .otherPartner:
                let other = try await portal.makePartner(slug: "other", name: "Other Brand", domains: ["other.test"])
                _ = try await Self.business(portal, partner: other)
                // Where it lives, it is shown: only the other partner's host is refused.
                #expect(try await portal.send(.GET, "/b/blue-bakery", host: "other.test").status == .ok)
            }
            let page = try await portal.send(.GET, "/b/blue-bakery")
            #expect(page.status == .notFound)
            #expect(page.text.contains("There is nothing at this address.") && !page.text.contains("Blue Bakery"))
            #expect(try await Self.post(portal, "/b/blue-bakery/booking", Self.booking).status == .notFound)
            #expect(try await Self.post(portal, "/b/blue-bakery/contact", Self.contact).status == .notFound)
            #expect(try await BookingRecord.query(on: portal.db).count() == 0)
            #expect(try await AccountMessage.query(on: portal.db).count() == 0)
        }
    }

    @Test func aBookingRequestLandsInTheAccountsBookingsAndThanksTheClient() async throws {
        try await TestPortal.run { portal in
            let account = try await Self.business(portal)
            let sent = try await Self.post(portal, "/b/blue-bakery/booking", Self.booking)
            #expect(sent.status == .seeOther)
            #expect(sent.headers.first(name: .location) == "/b/blue-bakery?sent=booking")
            #expect(sent.headers[.setCookie].isEmpty)
            let booking = try #require(try await BookingRecord.query(on: portal.db).filter(\.$accountID == account.requireID()).first())
            #expect(booking.service == "Birthday cake" && booking.clientName == "Nora Client" && booking.clientEmail == "nora@example.com")
            #expect(booking.status == .requested && booking.note == "Chocolate, please.")
            #expect(booking.occurredAt == ISO8601DateFormatter().date(from: "\(Self.bookingDay)T10:30:00Z"))
            let thanks = try await portal.send(.GET, "/b/blue-bakery?sent=booking")
            #expect(thanks.text.contains("your booking request was sent"))
            #expect(!(try await portal.send(.GET, "/b/blue-bakery").text.contains("Thank you:")))
        }
    }

    @Test func badBookingInputIsShownNextToTheFieldsWithWhatWasTyped() async throws {
        try await TestPortal.run { portal in
            _ = try await Self.business(portal)
            var fields = Self.booking
            fields["client_email"] = "not an email"
            fields["time"] = "25:99"
            let page = try await Self.post(portal, "/b/blue-bakery/booking", fields)
            #expect(page.status == .unprocessableEntity)
            let tags = HTMLTokenizer.tags(page.text)
            #expect(tags.contains { $0.name == "input" && $0.value("name") == "service" && $0.value("value") == "Birthday cake" })
            #expect(tags.contains { $0.name == "input" && $0.value("name") == "client_email" && $0.value("aria-invalid") == "true" })
            #expect(tags.contains { $0.name == "input" && $0.value("name") == "time" && $0.value("aria-invalid") == "true" })
            #expect(page.text.contains("id=\"field-client_email-error\""))
            #expect(page.text.contains("Chocolate, please."))
            // A time that has passed is refused by the bookings themselves, shown at the date.
            fields = Self.booking
            fields["date"] = "2001-01-01"
            let past = try await Self.post(portal, "/b/blue-bakery/booking", fields)
            #expect(past.status == .unprocessableEntity && past.text.contains("id=\"field-date-error\""))
            #expect(try await BookingRecord.query(on: portal.db).count() == 0)
        }
    }

    @Test func aContactMessageArrivesInTheAccountsInbox() async throws {
        try await TestPortal.run { portal in
            let account = try await Self.business(portal)
            let sent = try await Self.post(portal, "/b/blue-bakery/contact", Self.contact)
            #expect(sent.status == .seeOther && sent.headers.first(name: .location) == "/b/blue-bakery?sent=message")
            let message = try #require(try await AccountMessage.query(on: portal.db).filter(\.$accountID == account.requireID()).first())
            #expect(message.body == "Do you bake gluten-free bread?" && message.channel == .businessPage && message.direction == .inbound)
            let conversation = try #require(try await AccountConversation.find(message.conversationID, on: portal.db))
            #expect(conversation.customerEmail == "nora@example.com" && conversation.unread)
            #expect(try await portal.send(.GET, "/b/blue-bakery?sent=message").text.contains("your message was sent"))

            let empty = try await Self.post(portal, "/b/blue-bakery/contact", ["name": "Nora", "email": "nora@example.com", "message": " "])
            #expect(empty.status == .unprocessableEntity && empty.text.contains("id=\"field-message-error\""))
            #expect(HTMLTokenizer.tags(empty.text).contains { $0.name == "input" && $0.value("name") == "name" && $0.value("value") == "Nora" })
            #expect(try await AccountMessage.query(on: portal.db).count() == 1)
        }
    }

    @Test func theSpamTrapIsAnsweredAsSentAndNothingIsStored() async throws {
        try await TestPortal.run { portal in
            _ = try await Self.business(portal)
            var booking = Self.booking, contact = Self.contact
            booking["website"] = "http://spam.example"
            contact["website"] = "http://spam.example"
            let first = try await Self.post(portal, "/b/blue-bakery/booking", booking)
            #expect(first.status == .seeOther && first.headers.first(name: .location) == "/b/blue-bakery?sent=booking")
            let second = try await Self.post(portal, "/b/blue-bakery/contact", contact)
            #expect(second.status == .seeOther && second.headers.first(name: .location) == "/b/blue-bakery?sent=message")
            #expect(try await BookingRecord.query(on: portal.db).count() == 0)
            #expect(try await AccountMessage.query(on: portal.db).count() == 0)
            #expect(try await BusinessPageSubmission.query(on: portal.db).count() == 0)
            // The trap is on the page, out of sight and out of the tab order.
            let trap = HTMLTokenizer.tags(try await portal.send(.GET, "/b/blue-bakery").text).filter { $0.value("name") == "website" }
            #expect(trap.count == 2 && trap.allSatisfy { $0.value("tabindex") == "-1" })
        }
    }

    @Test func tooManyFormsFromOneAddressAreRefusedWith429KeepingTheText() async throws {
        try await TestPortal.run { portal in
            _ = try await Self.business(portal)
            for _ in 0..<BusinessPageLimits.perAddress {
                #expect(try await Self.post(portal, "/b/blue-bakery/contact", Self.contact).status == .seeOther)
            }
            let refused = try await Self.post(portal, "/b/blue-bakery/booking", Self.booking)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers.first(name: .retryAfter) == String(Int(BusinessPageLimits.addressWindow)))
            #expect(refused.text.contains("Too many forms were sent"))
            #expect(HTMLTokenizer.tags(refused.text).contains { $0.value("name") == "service" && $0.value("value") == "Birthday cake" })
            #expect(try await BookingRecord.query(on: portal.db).count() == 0)
            #expect(try await AccountMessage.query(on: portal.db).count() == BusinessPageLimits.perAddress)
        }
    }

    @Test func tooManyFormsToOneBusinessAreRefusedFromAnyAddress() async throws {
        try await TestPortal.run(adjust: { $0.trustProxy = true }) { portal in
            let account = try await Self.business(portal)
            let other = try await Self.business(portal, nickname: "other-shop")
            let now = Date()
            for index in 0..<BusinessPageLimits.perAccount {
                try await BusinessPageLimits.record(.contact, account: account, ip: "203.0.113.\(index % 200)", now: now, on: portal.db)
            }
            let refused = try await Self.post(portal, "/b/blue-bakery/contact", Self.contact, ip: "198.51.100.7")
            #expect(refused.status == .tooManyRequests)
            // Another business still takes forms from the same address.
            #expect(try await Self.post(portal, "/b/other-shop/contact", Self.contact, ip: "198.51.100.7").status == .seeOther)
            #expect(try await AccountMessage.query(on: portal.db).filter(\.$accountID == other.requireID()).count() == 1)
            // An hour later the business takes forms again.
            #expect(try await BusinessPageLimits.wait(account: account, ip: "198.51.100.7",
                                                      now: now.addingTimeInterval(BusinessPageLimits.accountWindow + 1), on: portal.db) == nil)
        }
    }

    @Test func hostileProfileTextIsShownAsText() async throws {
        try await TestPortal.run { portal in
            let hostile = HostileRenderTests.hostile
            _ = try await Self.business(portal) { account in
                account.name = hostile
                account.businessDescription = hostile
                account.openingHours = hostile
                account.address = hostile
                account.brandColor = "red;}</style><script>alert(1)</script>"
                account.logoURL = "javascript:alert(1)"
            }
            let page = try await portal.send(.GET, "/b/blue-bakery")
            #expect(page.status == .ok)
            let tags = HTMLTokenizer.tags(page.text)
            #expect(!tags.contains { $0.name == "script" || $0.name == "img" && $0.value("src")?.hasPrefix("javascript") == true })
            #expect(!tags.contains { $0.name == "meta" && $0.attributeNames.contains("http-equiv") })
            #expect(!tags.contains { $0.attributeNames.contains("onerror") })
            #expect(page.text.contains("--brand:\(Partner.defaultBrandColor)"))
            let texts = HTMLTokenizer.tokens(page.text).compactMap { if case .text(let text) = $0 { text } else { nil } }
            #expect(texts.filter { $0.contains(hostile) }.count >= 4)
        }
    }
}
