import Fluent
import Foundation
import SQLKit

/// Bookings of a client account as its owner and staff keep them in the workspace, and as
/// the business page's form requests them. Each change moves the account's last activity,
/// which the operators' list and Activity tab read.
enum WorkspaceBookings {
    static let maxServiceLength = 200
    static let maxNoteLength = 1_000
    /// How far ahead a booking may be made.
    static let furthestAhead: TimeInterval = 2 * 366 * 86_400
    /// How far back one may be entered after the fact.
    static let furthestBack: TimeInterval = 366 * 86_400
    /// A requested time a little in the past is taken as meant for now (a slow form).
    static let requestGrace: TimeInterval = 5 * 60

    /// A booking request from the business page: validated, stored as `requested` under a
    /// generated id, and counted as the account's activity.
    static func request(accountID: UUID, partnerID: UUID, service: String, clientName: String, clientEmail: String, at: Date, note: String?,
                        now: Date, on db: any Database) async throws {
        guard try await Account.query(on: db).filter(\.$id == accountID).filter(\.$partnerID == partnerID).first() != nil
        else { throw PortalError.notFound("There is no such business.") }
        var errors = OperatorInput.Errors()
        let details = check(service: service, clientName: clientName, clientEmail: clientEmail, note: note, errors: &errors)
        if at < now.addingTimeInterval(-requestGrace) {
            errors.fields["at"] = "Choose a time that has not passed."
        } else if at > now.addingTimeInterval(furthestAhead) {
            errors.fields["at"] = "Choose a time within the next two years."
        }
        guard errors.isEmpty, let details else { throw errors }
        try await db.writeTransaction { db in
            _ = try await insert(details, at: at, status: .requested, accountID: accountID, partnerID: partnerID, on: db)
            try await AccountActivityClock.touch(accountID: accountID, partnerID: partnerID, at: now, on: db)
        }
    }

    struct Details: Sendable, Equatable {
        let service: String
        let clientName: String
        let clientEmail: String
        let note: String?
    }

    /// What the workspace's form gives: the time as typed (`2026-03-14T09:30`, UTC).
    struct Input: Sendable, Equatable {
        var service = ""
        var clientName = ""
        var clientEmail = ""
        var at = ""
        var note = ""
        var status = BookingStatus.confirmed.rawValue
    }

    /// A booking added by the owner or staff; returns its id.
    @discardableResult
    static func add(_ input: Input, by user: WorkspaceUser, ip: String, now: Date, on db: any Database) async throws -> UUID {
        try require(AccessPolicy.mayKeepBookings(user.role))
        let account = try await WorkspaceRecords.account(of: user, on: db)
        var errors = OperatorInput.Errors()
        let details = check(service: input.service, clientName: input.clientName, clientEmail: input.clientEmail,
                            note: input.note.nilIfBlank, errors: &errors)
        var at: Date?
        switch WorkspaceRecords.time(input.at) {
        case .success(let date):
            if date < now.addingTimeInterval(-furthestBack) || date > now.addingTimeInterval(furthestAhead) {
                errors.fields["at"] = "Choose a time within a year back and two years ahead."
            } else {
                at = date
            }
        case .failure(let message): errors.fields["at"] = message
        }
        let status = BookingStatus(rawValue: input.status)
        if status == nil { errors.fields["status"] = "Choose one of the statuses." }
        guard errors.isEmpty, let details, let at, let status else { throw errors }
        return try await db.writeTransaction { db in
            let id = try await insert(details, at: at, status: status, accountID: user.accountID, partnerID: user.partnerID, on: db)
            try await AccountActivityClock.touch(accountID: user.accountID, partnerID: user.partnerID, at: now, on: db)
            try await Audit.record("account.booking-added", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "\(details.service) for \(details.clientName) at \(WorkspaceRecords.describe(at)), \(status.title.lowercased()), "
                                       + "by \(user.role.rawValue) \(user.email)",
                                   ip: ip, now: now, on: db)
            return id
        }
    }

    /// A booking's status changed; a booking of another account (or partner) is not found.
    static func setStatus(_ bookingID: UUID, to rawStatus: String, by user: WorkspaceUser, ip: String, now: Date, on db: any Database) async throws {
        try require(AccessPolicy.mayKeepBookings(user.role))
        let account = try await WorkspaceRecords.account(of: user, on: db)
        guard let booking = try await BookingRecord.query(on: db).filter(\.$id == bookingID).filter(\.$accountID == user.accountID)
            .filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.notFound("This account has no booking with this id.") }
        guard let status = BookingStatus(rawValue: rawStatus) else { throw OperatorInput.Errors(fields: ["status": "Choose one of the statuses."]) }
        let before = booking.status
        guard before != status else { return }
        booking.status = status
        try await db.writeTransaction { db in
            try await booking.update(on: db)
            try await AccountActivityClock.touch(accountID: user.accountID, partnerID: user.partnerID, at: now, on: db)
            let what = booking.service.isEmpty ? booking.externalID : booking.service
            try await Audit.record("account.booking-status-changed", by: user.auditActor, partnerID: user.partnerID, target: Audit.target(account),
                                   details: "booking \(what) at \(WorkspaceRecords.describe(booking.occurredAt)): \(before.title.lowercased()) → "
                                       + "\(status.title.lowercased()), by \(user.role.rawValue) \(user.email)",
                                   ip: ip, now: now, on: db)
        }
    }

    /// The account's bookings from `since` on (upcoming and the day's), or before it (past),
    /// nearest first, at most `limit`.
    static func list(of user: WorkspaceUser, past: Bool, since: Date, limit: Int = 200, on db: any Database) async throws -> [BookingRecord] {
        let query = BookingRecord.query(on: db).filter(\.$accountID == user.accountID).filter(\.$partnerID == user.partnerID)
        if past {
            return try await query.filter(\.$occurredAt < since).sort(\.$occurredAt, .descending).limit(limit).all()
        }
        return try await query.filter(\.$occurredAt >= since).sort(\.$occurredAt, .ascending).limit(limit).all()
    }

    // MARK: -

    static func check(service: String, clientName: String, clientEmail: String, note: String?, errors: inout OperatorInput.Errors) -> Details? {
        var checkedService: String?, name: String?, email: String?, checkedNote: String?
        switch DisplayText.read(service, maxLength: maxServiceLength, empty: "Enter the service.") {
        case .success(let value): checkedService = value
        case .failure(let message): errors.fields["service"] = message
        }
        switch OperatorInput.name(clientName) {
        case .success(let value): name = value
        case .failure(let message): errors.fields["client_name"] = message
        }
        switch OperatorInput.email(clientEmail) {
        case .success(let value): email = value
        case .failure(let message): errors.fields["client_email"] = message
        }
        if let note {
            switch WorkspaceRecords.multiline(note, maxLength: maxNoteLength) {
            case .success(let value): checkedNote = value
            case .failure(let message): errors.fields["note"] = message
            }
        }
        guard let checkedService, let name, let email, errors.isEmpty else { return nil }
        return Details(service: checkedService, clientName: name, clientEmail: email, note: checkedNote)
    }

    private static func insert(_ details: Details, at: Date, status: BookingStatus, accountID: UUID, partnerID: UUID, on db: any Database) async throws -> UUID {
        let booking = BookingRecord()
        let id = UUID()
        booking.id = id
        booking.partnerID = partnerID
        booking.accountID = accountID
        booking.externalID = WorkspaceRecords.externalID(prefix: "bk_")
        booking.occurredAt = at
        booking.service = details.service
        booking.clientName = details.clientName
        booking.clientEmail = details.clientEmail
        booking.status = status
        booking.note = details.note
        try await booking.create(on: db)
        return id
    }

    private static func require(_ decision: Decision) throws {
        if case .deny(let reason) = decision { throw PortalError.denied(reason) }
    }
}
