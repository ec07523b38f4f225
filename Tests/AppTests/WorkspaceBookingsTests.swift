@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Bookings and payments in the workspace: owners and staff add and change them, each change
/// moves the account's last activity (which the operators' Activity tab and list read), bad
/// input is answered next to its field, and another account's records are not found.
@Suite struct WorkspaceBookingsTests {
    static let password = "a quiet orchard in spring"

    struct Client {
        let account: Account
        let owner: AccountUser
    }

    @discardableResult
    func client(_ portal: TestPortal, partner: Partner? = nil, name: String = "Blue Bakery", email: String = "felix@bakery.example") async throws -> Client {
        let partnerID = try (partner ?? portal.partner).requireID()
        let account = Account(partnerID: partnerID, name: name, email: email, groupID: nil, secure: false)
        try await account.create(on: portal.db)
        let owner = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .owner, name: "Felix Murphy", email: email)
        owner.status = .active
        owner.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
        try await owner.create(on: portal.db)
        return Client(account: account, owner: owner)
    }

    func staff(_ portal: TestPortal, of account: Account) async throws {
        let staff = AccountUser(partnerID: account.partnerID, accountID: try account.requireID(), role: .staff, name: "Kim Staff", email: "kim@bakery.example")
        staff.status = .active
        staff.passwordHash = try Bcrypt.hash(Self.password, cost: 4)
        try await staff.create(on: portal.db)
    }

    /// Signs in and returns the CSRF token of the bookings page.
    func signIn(_ portal: TestPortal, _ browser: Browser, email: String = "felix@bakery.example") async throws -> String {
        let page = try await portal.visit("/app/sign-in", browser: browser)
        let response = try await portal.submit("/app/sign-in", ["email": email, "password": Self.password, "csrf_token": page.csrfToken ?? ""],
                                               browser: browser)
        #expect(response.status == .seeOther && response.headers.first(name: .location) == "/app")
        return try #require(try await portal.visit("/app/bookings", browser: browser).csrfToken)
    }

    static func field(_ date: Date) -> String { WorkspaceRecords.fieldValue(date) }

    func booking(_ portal: TestPortal, of account: Account, at: Date, service: String = "Cake tasting") async throws -> BookingRecord {
        let record = BookingRecord()
        record.partnerID = account.partnerID
        record.accountID = try account.requireID()
        record.externalID = "ext-\(UUID().uuidString)"
        record.occurredAt = at
        record.service = service
        record.clientName = "Rosa Client"
        record.clientEmail = "rosa@example.com"
        record.status = .confirmed
        try await record.create(on: portal.db)
        return record
    }

    // MARK: - Bookings

    @Test func theOwnerAddsListsAndChangesBookingsAndLastActivityMoves() async throws {
        try await TestPortal.run { portal in
            let client = try await client(portal)
            #expect(client.account.lastActivityAt == nil)
            let browser = Browser()
            let csrf = try await signIn(portal, browser)
            let tomorrow = Calendar.current.date(byAdding: .day, value: 1, to: Date())!
            let added = try await portal.submit("/app/bookings", ["csrf_token": csrf, "service": "Wedding cake consultation", "client_name": "Rosa Client",
                                                                  "client_email": "Rosa@Example.com", "at": Self.field(tomorrow), "status": "confirmed",
                                                                  "note": "Gluten-free\r\nfor 80"], browser: browser)
            #expect(added.status == .seeOther && added.headers.first(name: .location) == "/app/bookings")
            let stored = try #require(try await BookingRecord.query(on: portal.db).first())
            #expect(stored.service == "Wedding cake consultation" && stored.clientEmail == "rosa@example.com" && stored.status == .confirmed)
            #expect(stored.note == "Gluten-free\nfor 80" && stored.externalID.hasPrefix("bk_"))
            let afterAdd = try #require(try await Account.find(client.account.id, on: portal.db)?.lastActivityAt)
            #expect(abs(afterAdd.timeIntervalSinceNow) < 60)

            _ = try await booking(portal, of: client.account, at: Date().addingTimeInterval(-3 * 86_400), service: "Last week's tasting")
            let list = try await portal.visit("/app/bookings", browser: browser)
            #expect(list.status == .ok)
            #expect(list.text.contains("Wedding cake consultation") && list.text.contains("Rosa Client") && list.text.contains("Confirmed"))
            #expect(!list.text.contains("Last week&#39;s tasting") && !list.text.contains("Last week's tasting"))
            let past = try await portal.visit("/app/bookings/past", browser: browser)
            #expect(past.status == .ok && (past.text.contains("Last week&#39;s tasting") || past.text.contains("Last week's tasting")))
            #expect(!past.text.contains("Wedding cake consultation"))

            // The Activity tab's figures count it.
            let summary = try await AccountActivity.summary(ofAccount: client.account.requireID(), now: Date(), on: portal.db)
            #expect(summary.bookings == 1, "the one in the last 13 weeks up to now: last week's")

            try await Account.query(on: portal.db).set(\.$lastActivityAt, to: Date().addingTimeInterval(-86_400)).update()
            let id = try stored.requireID().uuidString.lowercased()
            let changed = try await portal.submit("/app/bookings/\(id)/status", ["csrf_token": csrf, "status": "no-show"], browser: browser)
            #expect(changed.status == .seeOther)
            #expect(try await BookingRecord.find(stored.id, on: portal.db)?.status == .noShow)
            let afterChange = try #require(try await Account.find(client.account.id, on: portal.db)?.lastActivityAt)
            #expect(abs(afterChange.timeIntervalSinceNow) < 60)
            let unknown = try await portal.submit("/app/bookings/\(id)/status", ["csrf_token": csrf, "status": "lost"], browser: browser)
            #expect(unknown.status == .unprocessableEntity && unknown.text.contains("Choose one of the statuses."))

            let history = try await AuditEvent.query(on: portal.db).filter(\.$action ~~ ["account.booking-added", "account.booking-status-changed"]).all()
            #expect(history.count == 2)
            #expect(history.contains { $0.details.contains("confirmed → no-show") && $0.actorName == "Felix Murphy" })
        }
    }

    @Test func staffKeepBookingsAndPaymentsToo() async throws {
        try await TestPortal.run { portal in
            let client = try await client(portal)
            try await staff(portal, of: client.account)
            #expect(AccessPolicy.mayKeepBookings(.staff) == .allow && AccessPolicy.mayKeepPayments(.staff) == .allow)
            let browser = Browser()
            let csrf = try await signIn(portal, browser, email: "kim@bakery.example")
            let at = Self.field(Date().addingTimeInterval(2 * 86_400))
            let booked = try await portal.submit("/app/bookings", ["csrf_token": csrf, "service": "Haircut", "client_name": "Sam", "client_email": "sam@example.com",
                                                                   "at": at, "status": "requested"], browser: browser)
            #expect(booked.status == .seeOther)
            let paid = try await portal.submit("/app/payments", ["csrf_token": csrf, "amount": "30", "currency": "gbp", "method": "cash", "status": "paid"],
                                               browser: browser)
            #expect(paid.status == .seeOther)
            #expect(try await BookingRecord.query(on: portal.db).count() == 1)
            #expect(try await PaymentRecord.query(on: portal.db).first()?.currency == "GBP")
        }
    }

    @Test func badBookingsAreAnsweredNextToTheirFields() async throws {
        try await TestPortal.run { portal in
            try await client(portal)
            let browser = Browser()
            let csrf = try await signIn(portal, browser)
            let cases: [([String: String], String, String)] = [
                (["service": "", "client_name": "Rosa", "client_email": "rosa@example.com", "at": "2030-01-10T10:00"], "service", "Enter the service."),
                (["service": "Cut", "client_name": "Rosa", "client_email": "not an email", "at": "2030-01-10T10:00"], "client_email", "Enter an email address"),
                (["service": "Cut", "client_name": "Rosa", "client_email": "rosa@example.com", "at": "2030-02-31T10:00"], "at", "Enter a date and time like"),
                (["service": "Cut", "client_name": "Rosa", "client_email": "rosa@example.com", "at": "tomorrow"], "at", "Enter a date and time like"),
                (["service": "Cut", "client_name": "Rosa", "client_email": "rosa@example.com", "at": "1999-01-10T10:00"], "at", "within a year back"),
                (["service": "Cut", "client_name": "Rosa", "client_email": "rosa@example.com", "at": "2030-01-10T10:00", "status": "maybe"], "status", "Choose one"),
                (["service": String(repeating: "x", count: 201), "client_name": "Rosa", "client_email": "rosa@example.com", "at": "2030-01-10T10:00"],
                 "service", "at most 200"),
                (["service": "Cut\u{7}", "client_name": "Rosa", "client_email": "rosa@example.com", "at": "2030-01-10T10:00"], "service", "control characters"),
            ]
            for (fields, field, message) in cases {
                var form = fields
                form["csrf_token"] = csrf
                if form["status"] == nil { form["status"] = "confirmed" }
                let response = try await portal.submit("/app/bookings", form, browser: browser)
                #expect(response.status == .unprocessableEntity, "\(field)")
                #expect(response.text.contains("id=\"field-\(field)-error\""), "\(field)")
                #expect(response.text.contains(message), "\(field): \(message)")
            }
            #expect(try await BookingRecord.query(on: portal.db).count() == 0)
            #expect(try await Account.query(on: portal.db).first()?.lastActivityAt == nil)
        }
    }

    @Test func anotherAccountsOrPartnersBookingOrPaymentIsNotFound() async throws {
        try await TestPortal.run { portal in
            let mine = try await client(portal)
            let neighbour = try await client(portal, name: "Red Bakery", email: "red@bakery.example")
            let other = try await portal.makePartner(slug: "other", name: "Other Partner", domains: ["other.test"])
            let foreign = try await client(portal, partner: other, name: "Far Bakery", email: "far@bakery.example")
            let browser = Browser()
            let csrf = try await signIn(portal, browser)
            for record in [try await booking(portal, of: neighbour.account, at: Date()), try await booking(portal, of: foreign.account, at: Date())] {
                let response = try await portal.submit("/app/bookings/\(try record.requireID().uuidString.lowercased())/status",
                                                       ["csrf_token": csrf, "status": "cancelled"], browser: browser)
                #expect(response.status == .notFound)
                #expect(try await BookingRecord.find(record.id, on: portal.db)?.status == .confirmed)
            }
            #expect(try await portal.submit("/app/bookings/not-a-uuid/status", ["csrf_token": csrf, "status": "cancelled"], browser: browser).status == .notFound)
            let payment = PaymentRecord()
            payment.partnerID = try other.requireID()
            payment.accountID = try foreign.account.requireID()
            payment.externalID = "p-1"
            payment.occurredAt = Date()
            payment.amountMinor = 100
            payment.currency = "EUR"
            payment.method = .card
            payment.status = .paid
            try await payment.create(on: portal.db)
            let refused = try await portal.submit("/app/payments/\(try payment.requireID().uuidString.lowercased())/status",
                                                  ["csrf_token": csrf, "status": "refunded"], browser: browser)
            #expect(refused.status == .notFound)
            #expect(try await PaymentRecord.find(payment.id, on: portal.db)?.status == .paid)
            // Its own list shows none of theirs.
            _ = mine
            let list = try await portal.visit("/app/bookings", browser: browser)
            #expect(!list.text.contains("Cake tasting"))
        }
    }

    // MARK: - The business page's entry point

    @Test func aRequestFromTheBusinessPageIsStoredAsRequested() async throws {
        try await TestPortal.run { portal in
            let client = try await client(portal)
            let accountID = try client.account.requireID(), partnerID = try portal.partner.requireID()
            let now = Date()
            let at = now.addingTimeInterval(3 * 86_400)
            try await WorkspaceBookings.request(accountID: accountID, partnerID: partnerID, service: " Birthday cake ", clientName: "Rosa Client",
                                                clientEmail: "ROSA@example.com", at: at, note: nil, now: now, on: portal.db)
            let stored = try #require(try await BookingRecord.query(on: portal.db).first())
            #expect(stored.status == .requested && stored.service == "Birthday cake" && stored.clientEmail == "rosa@example.com")
            #expect(stored.externalID.hasPrefix("bk_") && stored.note == nil)
            #expect(try await Account.find(client.account.id, on: portal.db)?.lastActivityAt.map { abs($0.timeIntervalSince(now)) < 1 } == true)

            await #expect(throws: OperatorInput.Errors.self) {
                try await WorkspaceBookings.request(accountID: accountID, partnerID: partnerID, service: "", clientName: "", clientEmail: "x",
                                                    at: now.addingTimeInterval(-86_400), note: nil, now: now, on: portal.db)
            }
            do {
                try await WorkspaceBookings.request(accountID: accountID, partnerID: partnerID, service: "", clientName: "", clientEmail: "x",
                                                    at: now.addingTimeInterval(-86_400), note: String(repeating: "n", count: 1_001), now: now, on: portal.db)
                Issue.record("an invalid request was stored")
            } catch let errors as OperatorInput.Errors {
                #expect(Set(errors.fields.keys) == ["service", "client_name", "client_email", "at", "note"])
            }
            await #expect(throws: OperatorInput.Errors.self) {
                try await WorkspaceBookings.request(accountID: accountID, partnerID: partnerID, service: "Cake", clientName: "Rosa", clientEmail: "rosa@example.com",
                                                    at: now.addingTimeInterval(3 * 366 * 86_400), note: nil, now: now, on: portal.db)
            }
            let other = try await portal.makePartner(slug: "other", name: "Other", domains: ["other.test"])
            do {
                try await WorkspaceBookings.request(accountID: accountID, partnerID: try other.requireID(), service: "Cake", clientName: "Rosa",
                                                    clientEmail: "rosa@example.com", at: at, note: nil, now: now, on: portal.db)
                Issue.record("another partner's request reached the account")
            } catch let error as PortalError {
                #expect(error.status == .notFound)
            }
            #expect(try await BookingRecord.query(on: portal.db).count() == 1)
        }
    }

    // MARK: - Payments

    @Test func paymentsAreRecordedTotalledAndChanged() async throws {
        try await TestPortal.run { portal in
            let client = try await client(portal)
            let browser = Browser()
            let csrf = try await signIn(portal, browser)
            let page = try await portal.visit("/app/payments", browser: browser)
            #expect(page.status == .ok && page.text.contains("No payments yet."))
            for (amount, status) in [("12.50", "paid"), ("1,000", "paid"), ("7.5", "pending"), ("3.00", "failed")] {
                let response = try await portal.submit("/app/payments", ["csrf_token": csrf, "amount": amount, "currency": "EUR", "method": "card",
                                                                         "status": status, "at": ""], browser: browser)
                #expect(response.status == .seeOther, "\(amount)")
            }
            let payments = try await PaymentRecord.query(on: portal.db).all()
            #expect(Set(payments.map(\.amountMinor)) == [1250, 100_000, 750, 300])
            let lastActivity = try #require(try await Account.find(client.account.id, on: portal.db)?.lastActivityAt)
            #expect(abs(lastActivity.timeIntervalSinceNow) < 60)
            let list = try await portal.visit("/app/payments", browser: browser)
            #expect(list.text.contains("1,012.50 EUR"), "paid total")
            #expect(list.text.contains("7.50 EUR"), "pending total")
            // The Activity tab's "taken" counts what was paid, not what failed or is pending.
            let summary = try await AccountActivity.summary(ofAccount: client.account.requireID(), now: Date().addingTimeInterval(1), on: portal.db)
            #expect(summary.payments == 4)
            #expect(summary.paymentTotals == [.init(currency: "EUR", amountMinor: 101_250)])

            let first = try #require(payments.first { $0.amountMinor == 1250 })
            let refunded = try await portal.submit("/app/payments/\(try first.requireID().uuidString.lowercased())/status",
                                                   ["csrf_token": csrf, "status": "refunded"], browser: browser)
            #expect(refunded.status == .seeOther)
            #expect(try await PaymentRecord.find(first.id, on: portal.db)?.status == .refunded)
            #expect(try await portal.visit("/app/payments", browser: browser).text.contains("1,000.00 EUR"))
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.payment-recorded").count() == 4)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$action == "account.payment-status-changed").first()?.details
                        .contains("12.50 EUR") == true)
        }
    }

    @Test func badAmountsCurrenciesAndTimesAreAnsweredNextToTheirFields() async throws {
        try await TestPortal.run { portal in
            try await client(portal)
            let browser = Browser()
            let csrf = try await signIn(portal, browser)
            let cases: [([String: String], String)] = [
                (["amount": "12.505", "currency": "EUR"], "amount"),
                (["amount": "abc", "currency": "EUR"], "amount"),
                (["amount": "-5", "currency": "EUR"], "amount"),
                (["amount": "1e3", "currency": "EUR"], "amount"),
                (["amount": "0", "currency": "EUR"], "amount"),
                (["amount": "", "currency": "EUR"], "amount"),
                (["amount": "99999999999999999999", "currency": "EUR"], "amount"),
                (["amount": "12.50", "currency": "JPY"], "amount"),
                (["amount": "12.50", "currency": "EURO"], "currency"),
                (["amount": "12.50", "currency": "E1R"], "currency"),
                (["amount": "12.50", "currency": ""], "currency"),
                (["amount": "12.50", "currency": "EUR", "method": "cheque"], "method"),
                (["amount": "12.50", "currency": "EUR", "status": "lost"], "status"),
                (["amount": "12.50", "currency": "EUR", "at": "2030-01-01T10:00"], "at"),
                (["amount": "12.50", "currency": "EUR", "at": "yesterday"], "at"),
            ]
            for (fields, field) in cases {
                var form = ["csrf_token": csrf, "method": "card", "status": "paid", "at": ""]
                form.merge(fields) { $1 }
                let response = try await portal.submit("/app/payments", form, browser: browser)
                #expect(response.status == .unprocessableEntity, "\(fields)")
                #expect(response.text.contains("id=\"field-\(field)-error\""), "\(fields)")
            }
            #expect(try await PaymentRecord.query(on: portal.db).count() == 0)
        }
    }

    @Test func amountsAreReadInTheCurrencysMinorUnits() {
        func minor(_ text: String, _ currency: String) -> Int64? {
            if case .success(let value) = Money.parse(text, currency: currency) { value } else { nil }
        }
        #expect(minor("12.50", "EUR") == 1250)
        #expect(minor("12.5", "EUR") == 1250)
        #expect(minor("12", "EUR") == 1200)
        #expect(minor(" 1,250.00 ", "EUR") == 125_000)
        #expect(minor("0.01", "EUR") == 1)
        #expect(minor("1250", "JPY") == 1250)
        #expect(minor("1.250", "KWD") == 1250)
        #expect(minor("1,000,000,000.00", "EUR") == 100_000_000_000)
        for bad in ["12.", ".5", "1,25.00", "12,50", "1.2.3", "+5", "١٢", "12.501", "1,000,000,000.01", "0.00", "1 000"] {
            #expect(minor(bad, "EUR") == nil, "\(bad)")
        }
        #expect(minor("1.5", "JPY") == nil)
        #expect(Money.format(125_050, "EUR") == "1,250.50 EUR")
        #expect(Money.format(1250, "JPY") == "1,250 JPY")
        #expect(Money.format(1250, "KWD") == "1.250 KWD")
        #expect(Money.format(-5, "EUR") == "-0.05 EUR")
        if case .success(let code) = Money.currency("gbp") { #expect(code == "GBP") } else { Issue.record("gbp refused") }
        for bad in ["EU", "EURO", "€", "ÉUR", "E R"] {
            if case .success = Money.currency(bad) { Issue.record("\(bad) accepted") }
        }
    }

    @Test func integrationsMayPushTheDetailsThroughTheAPIWithinTheSchemasLimits() async throws {
        try await TestPortal.run { portal in
            let client = try await client(portal)
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            let path = "/accounts/\(client.account.businessUID)/activity"
            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
            let pushed = try await api.call(.POST, path, json: """
                {"bookings":[{"id":"b1","at":"\(at)","service":" Colour ","clientName":"Rosa Client","clientEmail":"Rosa@Example.com",
                              "status":"no-show","note":"Back door\\n\\tplease"},
                             {"id":"b2","at":"\(at)"}],
                 "payments":[{"id":"p1","at":"\(ISO8601DateFormatter().string(from: Date()))","amountMinor":500,"currency":"EUR","method":"transfer","status":"refunded"},
                             {"id":"p2","at":"\(ISO8601DateFormatter().string(from: Date()))","amountMinor":700,"currency":"EUR"}]}
                """)
            #expect(pushed.status == .ok)
            let b1 = try #require(try await BookingRecord.query(on: portal.db).filter(\.$externalID == "b1").first())
            #expect(b1.service == "Colour" && b1.clientEmail == "rosa@example.com" && b1.status == .noShow && b1.note == "Back door\n\tplease")
            let b2 = try #require(try await BookingRecord.query(on: portal.db).filter(\.$externalID == "b2").first())
            #expect(b2.status == .confirmed && b2.service == "" && b2.note == nil)
            let p1 = try #require(try await PaymentRecord.query(on: portal.db).filter(\.$externalID == "p1").first())
            #expect(p1.method == .transfer && p1.status == .refunded)
            let p2 = try #require(try await PaymentRecord.query(on: portal.db).filter(\.$externalID == "p2").first())
            #expect(p2.method == .other && p2.status == .paid)
            let read = try api.object(try await api.call(.GET, path))
            #expect((read["paymentTotals"] as? [[String: Any]])?.first?["amountMinor"] as? Int == 700, "the refund is not money taken")

            for bad in [#"{"bookings":[{"id":"x","at":"\#(at)","service":"   "}]}"#, #"{"bookings":[{"id":"x","at":"\#(at)","clientEmail":"nope"}]}"#,
                        #"{"bookings":[{"id":"x","at":"\#(at)","status":"maybe"}]}"#, #"{"bookings":[{"id":"x","at":"\#(at)","service":null}]}"#,
                        #"{"bookings":[{"id":"x","at":"\#(at)","note":"a\u0007b"}]}"#,
                        #"{"bookings":[{"id":"x","at":"\#(at)","clientName":"\#(String(repeating: "n", count: 201))"}]}"#,
                        #"{"payments":[{"id":"x","at":"\#(at)","amountMinor":1,"currency":"EUR","method":"cheque"}]}"#,
                        #"{"payments":[{"id":"x","at":"\#(at)","amountMinor":1,"currency":"EUR","status":null}]}"#] {
                let response = try await api.call(.POST, path, json: bad)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.headers.contentType?.description.contains("problem+json") == true, "\(bad)")
            }
            #expect(try await BookingRecord.query(on: portal.db).count() == 2)
        }
    }

    @Test func workspaceRecordsNeedAWorkspaceSession() async throws {
        try await TestPortal.run { portal in
            try await client(portal)
            try await portal.makeOperator()
            let operatorBrowser = try await portal.signIn()
            for path in ["/app/bookings", "/app/bookings/past", "/app/payments", "/app/security"] {
                #expect(try await portal.visit(path, browser: operatorBrowser).headers.first(name: .location) == "/app/sign-in", "\(path)")
            }
            let browser = Browser()
            let csrf = try await signIn(portal, browser)
            let nav = try await portal.visit("/app", browser: browser)
            #expect(nav.text.contains("href=\"/app/bookings\"") && nav.text.contains("href=\"/app/payments\"") && nav.text.contains("href=\"/app/security\""))
            let forged = try await portal.submit("/app/payments", ["amount": "1", "currency": "EUR", "method": "card", "status": "paid"], browser: browser)
            #expect(forged.status == .forbidden)
            _ = csrf
            #expect(try await PaymentRecord.query(on: portal.db).count() == 0)
        }
    }
}
