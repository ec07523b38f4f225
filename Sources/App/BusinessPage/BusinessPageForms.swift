import Fluent
import Foundation
import SQLKit

/// The two forms of a business page: a booking request and a contact message. Anyone may
/// send them, without a session or a cookie, so each is guarded instead by a spam trap (a
/// field people never see; when it is filled the form is answered as sent and nothing is
/// kept) and by limits per account and per client address. They only ever create inbound
/// records of the account: a booking `requested`, a message in its inbox.
enum BusinessPageForms {
    /// The hidden field that only robots fill in.
    static let trapField = "website"

    struct Booking: Sendable, Equatable {
        var service = ""
        var name = ""
        var email = ""
        /// As a date field sends it: 2026-03-14.
        var date = ""
        /// 24-hour: 14:30.
        var time = ""
        var note = ""
        var trap = ""
    }

    struct Contact: Sendable, Equatable {
        var name = ""
        var email = ""
        var message = ""
        var trap = ""
    }

    enum Outcome: Sendable, Equatable {
        case sent
        /// Too many forms from this address or to this account: wait this many seconds.
        case throttled(seconds: Int)
    }

    /// Throws `OperatorInput.Errors` (fields `service`, `client_name`, `client_email`, `date`,
    /// `time`, `note`) for bad input.
    static func requestBooking(_ form: Booking, account: Account, ip: String, now: Date = Date(), on db: any Database) async throws -> Outcome {
        guard form.trap.isEmpty else { return .sent }
        if let seconds = try await BusinessPageLimits.wait(account: account, ip: ip, now: now, on: db) {
            return .throttled(seconds: seconds)
        }
        try await BusinessPageLimits.record(.booking, account: account, ip: ip, now: now, on: db)
        let note = form.note.nilIfBlank
        var errors = OperatorInput.Errors()
        let at = time(date: form.date, time: form.time, errors: &errors)
        // With services listed, the booking names one of them, in the business's spelling.
        var service = form.service, serviceError: String?
        if account.services != nil {
            if form.service.trimmingCharacters(in: .whitespaces).isEmpty { serviceError = "Choose a service." }
            else if let offered = BookableServices.offered(form.service, in: account.services) { service = offered }
            else { serviceError = "Choose one of the services offered." }
        }
        guard let at, errors.isEmpty, serviceError == nil else {
            _ = WorkspaceBookings.check(service: form.service, clientName: form.name, clientEmail: form.email, note: note, errors: &errors)
            if let serviceError { errors.fields["service"] = serviceError }
            throw errors
        }
        do {
            try await WorkspaceBookings.request(accountID: try account.requireID(), partnerID: account.partnerID, service: service,
                                                clientName: form.name, clientEmail: form.email, at: at, note: note, now: now, on: db)
        } catch var errors as OperatorInput.Errors {
            // The page asks for the time in two fields; a time that is not possible is the date's.
            if let message = errors.fields.removeValue(forKey: "at") { errors.fields["date"] = message }
            throw errors
        }
        return .sent
    }

    /// Throws `OperatorInput.Errors` (fields `name`, `email`, `message`) for bad input.
    static func sendMessage(_ form: Contact, account: Account, ip: String, now: Date = Date(), on db: any Database) async throws -> Outcome {
        guard form.trap.isEmpty else { return .sent }
        if let seconds = try await BusinessPageLimits.wait(account: account, ip: ip, now: now, on: db) {
            return .throttled(seconds: seconds)
        }
        try await BusinessPageLimits.record(.contact, account: account, ip: ip, now: now, on: db)
        try await AccountMessages.receiveInbound(accountID: try account.requireID(), partnerID: account.partnerID, customerName: form.name,
                                                 customerEmail: form.email, body: form.message, channel: .businessPage, now: now, on: db)
        return .sent
    }

    /// The preferred time from the date and time fields, read as UTC like the workspace's.
    private static func time(date: String, time: String, errors: inout OperatorInput.Errors) -> Date? {
        let date = date.trimmingCharacters(in: .whitespaces), time = time.trimmingCharacters(in: .whitespaces)
        if date.isEmpty { errors.fields["date"] = "Choose a date." }
        if time.isEmpty { errors.fields["time"] = "Enter a time, for example 14:30." }
        guard !date.isEmpty, !time.isEmpty else { return nil }
        guard date.count == 10, date.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil else {
            errors.fields["date"] = "Enter a date like 2026-03-14."
            return nil
        }
        // "9:30" is as good as "09:30".
        guard let match = time.wholeMatch(of: /(\d{1,2}):(\d{2})/), let hour = Int(match.1), let minute = Int(match.2), hour < 24, minute < 60 else {
            errors.fields["time"] = "Enter a time like 14:30 (24-hour)."
            return nil
        }
        switch WorkspaceRecords.time(date + "T" + String(format: "%02d:%02d", hour, minute)) {
        case .success(let value): return value
        case .failure:
            errors.fields["date"] = "Enter a date like 2026-03-14."
            return nil
        }
    }
}

/// A form sent from a business page, kept for a day to count against the limits.
final class BusinessPageSubmission: Model, @unchecked Sendable {
    static let schema = "business_page_submissions"

    enum Kind: String, Codable, Sendable { case booking, contact }

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "kind") var kind: Kind
    @Field(key: "ip") var ip: String
    @Field(key: "at") var at: Date

    init() {}

    init(kind: Kind, partnerID: UUID, accountID: UUID, ip: String, at: Date) {
        self.kind = kind
        self.partnerID = partnerID
        self.accountID = accountID
        self.ip = ip
        self.at = at
    }
}

/// How often the business pages' forms may be sent: from one client address (to any of the
/// partner's businesses) and to one business (from anywhere), each over its own window.
/// Every form sent counts, wrongly filled ones too, so that the checks are no free oracle.
enum BusinessPageLimits {
    static let perAddress = 10
    static let addressWindow: TimeInterval = 10 * 60
    static let perAccount = 60
    static let accountWindow: TimeInterval = 60 * 60

    /// Seconds to wait before the next form to `account` is taken, or nil when it may be sent
    /// now. Counted within the account's partner, like everything else.
    static func wait(account: Account, ip: String, now: Date, on db: any Database) async throws -> Int? {
        let fromAddress = try await BusinessPageSubmission.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$ip == ip)
            .filter(\.$at > now.addingTimeInterval(-addressWindow)).count()
        if fromAddress >= perAddress { return Int(addressWindow) }
        let toAccount = try await BusinessPageSubmission.query(on: db).filter(\.$partnerID == account.partnerID)
            .filter(\.$accountID == account.requireID()).filter(\.$at > now.addingTimeInterval(-accountWindow)).count()
        if toAccount >= perAccount { return Int(accountWindow) }
        return nil
    }

    static func record(_ kind: BusinessPageSubmission.Kind, account: Account, ip: String, now: Date, on db: any Database) async throws {
        try await BusinessPageSubmission(kind: kind, partnerID: account.partnerID, accountID: try account.requireID(), ip: ip, at: now).create(on: db)
        try await BusinessPageSubmission.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$at < now.addingTimeInterval(-86_400)).delete()
    }
}
