import Foundation
import Vapor

/// The optional details of bookings and payments pushed through `POST /accounts/{uid}/activity`,
/// checked exactly as the API document's schema states them (and as the workspace's forms do).
enum ActivityDetailsInput {
    typealias BookingInput = Components.Schemas.ActivityInput.BookingsPayloadPayload
    typealias PaymentInput = Components.Schemas.ActivityInput.PaymentsPayloadPayload

    static let bookingDetails = ["service", "clientName", "clientEmail", "status", "note"]
    static let paymentDetails = ["method", "status"]

    /// The generated decoders read `null` as left out; the schema allows no null here.
    static func refuseNulls(in request: Request) throws {
        guard let data = request.body.data,
              let object = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        else { return }
        for (list, fields) in [("bookings", bookingDetails), ("payments", paymentDetails)] {
            for item in object[list] as? [Any] ?? [] {
                guard let item = item as? [String: Any] else { continue }
                if let field = fields.first(where: { item[$0] is NSNull }) {
                    throw PortalError.badRequest("\(list): '\(field)' must not be null; leave it out instead.")
                }
            }
        }
    }

    static func booking(_ input: BookingInput) throws -> AccountActivity.Booking {
        var booking = AccountActivity.Booking(id: input.id, at: input.at)
        if let service = input.service {
            guard case .success(let value) = DisplayText.read(service, maxLength: WorkspaceBookings.maxServiceLength) else {
                throw PortalError.badRequest("bookings: service has 1 to \(WorkspaceBookings.maxServiceLength) characters, something visible and no control characters.")
            }
            booking.service = value
        }
        if let name = input.clientName {
            guard case .success(let value) = OperatorInput.name(name) else {
                throw PortalError.badRequest("bookings: clientName has 1 to 200 characters, something visible and no control characters.")
            }
            booking.clientName = value
        }
        if let email = input.clientEmail {
            guard case .success(let value) = OperatorInput.email(email) else {
                throw PortalError.badRequest("bookings: clientEmail is an email address like name@example.com.")
            }
            booking.clientEmail = value
        }
        booking.status = input.status.flatMap { BookingStatus(rawValue: $0.rawValue) }
        if let note = input.note {
            guard let value = text(note, maxLength: WorkspaceBookings.maxNoteLength) else {
                throw PortalError.badRequest("bookings: note has 1 to \(WorkspaceBookings.maxNoteLength) characters, something visible and no control characters but line breaks and tabs.")
            }
            booking.note = value
        }
        return booking
    }

    static func payment(_ input: PaymentInput) -> AccountActivity.Payment {
        AccountActivity.Payment(id: input.id, at: input.at, amountMinor: input.amountMinor, currency: input.currency,
                                method: input.method.flatMap { PaymentMethod(rawValue: $0.rawValue) },
                                status: input.status.flatMap { PaymentStatus(rawValue: $0.rawValue) })
    }

    /// The schema's pattern for text of several lines: tabs and line breaks but no other
    /// control characters, and something visible. Stored trimmed.
    private static func text(_ raw: String, maxLength: Int) -> String? {
        let allowed: Set<UInt32> = [0x09, 0x0A, 0x0D]
        guard raw.unicodeScalars.count <= maxLength, raw.unicodeScalars.allSatisfy({ !DisplayText.isControl($0) || allowed.contains($0.value) })
        else { return nil }
        return DisplayText.trimmed(raw)
    }
}
