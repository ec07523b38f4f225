import Fluent
import Vapor

/// `/app/bookings` and `/app/payments`: what the owner and staff keep of their business's
/// day. Parsing and rendering only; `WorkspaceBookings` and `WorkspacePayments` decide.
enum BookingsController {
    struct BookingForm: Content {
        var service: String?, clientName: String?, clientEmail: String?, at: String?, note: String?, status: String?
        enum CodingKeys: String, CodingKey {
            case service, at, note, status
            case clientName = "client_name", clientEmail = "client_email"
        }
    }

    struct StatusForm: Content { var status: String? }

    static func bookings(_ request: Request) async throws -> Response {
        try await bookingsPage(request, past: false, form: .init(at: WorkspaceRecords.fieldValue(nextHour(after: Date()))), errors: .init())
    }

    static func pastBookings(_ request: Request) async throws -> Response {
        try await bookingsPage(request, past: true, form: .init(), errors: .init())
    }

    static func addBooking(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let form = try request.content.decode(BookingForm.self)
        // Bounded before checking, so that a huge field costs nothing (the checks name the limits).
        let input = WorkspaceBookings.Input(service: clip(form.service, WorkspaceBookings.maxServiceLength), clientName: clip(form.clientName, 200),
                                            clientEmail: clip(form.clientEmail, 320), at: clip(form.at, 40),
                                            note: clip(form.note, WorkspaceBookings.maxNoteLength), status: clip(form.status, 20))
        do {
            try await WorkspaceBookings.add(input, by: user, ip: request.clientIP, now: Date(), on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await bookingsPage(request, past: false, form: input, errors: errors, status: .unprocessableEntity)
        }
        return request.redirect(to: SiteURL.workspaceBookings.path)
    }

    static func setBookingStatus(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        guard let id = request.parameters.get("bookingId").flatMap(UUID.init(uuidString:)) else {
            throw PortalError.notFound("This account has no booking with this id.")
        }
        let status = clip(try request.content.decode(StatusForm.self).status, 20)
        do {
            try await WorkspaceBookings.setStatus(id, to: status, by: user, ip: request.clientIP, now: Date(), on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await bookingsPage(request, past: false, form: .init(), errors: .init(), message: errors["status"], status: .unprocessableEntity)
        }
        return request.redirect(to: SiteURL.workspaceBookings.path)
    }

    struct PaymentForm: Content { var amount: String?, currency: String?, method: String?, status: String?, at: String? }

    static func payments(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let latest = try await WorkspacePayments.list(of: user, limit: 1, on: request.db).first?.currency
        return try await paymentsPage(request, form: .init(currency: latest ?? WorkspacePayments.defaultCurrency), errors: .init())
    }

    static func recordPayment(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let form = try request.content.decode(PaymentForm.self)
        let input = WorkspacePayments.Input(amount: clip(form.amount, 40), currency: clip(form.currency, 10), method: clip(form.method, 20),
                                            status: clip(form.status, 20), at: clip(form.at, 40))
        do {
            try await WorkspacePayments.record(input, by: user, ip: request.clientIP, now: Date(), on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await paymentsPage(request, form: input, errors: errors, status: .unprocessableEntity)
        }
        return request.redirect(to: SiteURL.workspacePayments.path)
    }

    static func setPaymentStatus(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        guard let id = request.parameters.get("paymentId").flatMap(UUID.init(uuidString:)) else {
            throw PortalError.notFound("This account has no payment with this id.")
        }
        let status = clip(try request.content.decode(StatusForm.self).status, 20)
        do {
            try await WorkspacePayments.setStatus(id, to: status, by: user, ip: request.clientIP, now: Date(), on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await paymentsPage(request, form: .init(currency: WorkspacePayments.defaultCurrency), errors: .init(), message: errors["status"],
                                          status: .unprocessableEntity)
        }
        return request.redirect(to: SiteURL.workspacePayments.path)
    }

    // MARK: - Pages

    private static func bookingsPage(_ request: Request, past: Bool, form: WorkspaceBookings.Input, errors: OperatorInput.Errors,
                                     message: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let user = try requireUser(request)
        let today = startOfDay(Date())
        let records = try await WorkspaceBookings.list(of: user, past: past, since: today, on: request.db)
        let model = BookingsView.BookingsModel(showingPast: past, days: days(records), form: form, errors: errors, message: message)
        return await request.workspacePage(past ? "Past bookings" : "Bookings", status: status,
                                           content: BookingsView.bookings(model, csrfToken: request.workspaceCSRFToken))
    }

    private static func paymentsPage(_ request: Request, form: WorkspacePayments.Input, errors: OperatorInput.Errors, message: String? = nil,
                                     status: HTTPResponseStatus = .ok) async throws -> Response {
        let user = try requireUser(request)
        let since = WorkspaceRecords.calendar.date(byAdding: .month, value: -3, to: startOfDay(Date())) ?? Date()
        let rows = try await WorkspacePayments.list(of: user, on: request.db).map {
            BookingsView.PaymentsModel.Row(id: try $0.requireID().uuidString.lowercased(), time: WorkspaceRecords.describe($0.occurredAt),
                                           amount: Money.format($0.amountMinor, $0.currency), method: $0.method, status: $0.status)
        }
        let totals = try await WorkspacePayments.totals(of: user, since: since, on: request.db).map {
            BookingsView.PaymentsModel.Total(currency: $0.currency, paid: Money.format($0.paidMinor, $0.currency),
                                             pending: Money.format($0.pendingMinor, $0.currency), refunded: Money.format($0.refundedMinor, $0.currency))
        }
        let model = BookingsView.PaymentsModel(rows: rows, totals: totals, totalsPeriod: "last 3 months", form: form, errors: errors, message: message)
        return await request.workspacePage("Payments", status: status, content: BookingsView.payments(model, csrfToken: request.workspaceCSRFToken))
    }

    /// Bookings grouped by their day, in the order given.
    static func days(_ records: [BookingRecord]) -> [BookingsView.BookingsModel.Day] {
        let dayFormatter = DateFormatter()
        dayFormatter.locale = Locale(identifier: "en_GB")
        dayFormatter.timeZone = WorkspaceRecords.utc
        dayFormatter.dateFormat = "EEEE d MMMM yyyy"
        let timeFormatter = DateFormatter()
        timeFormatter.locale = Locale(identifier: "en_GB")
        timeFormatter.timeZone = WorkspaceRecords.utc
        timeFormatter.dateFormat = "HH:mm"
        var days: [BookingsView.BookingsModel.Day] = []
        for record in records {
            let label = dayFormatter.string(from: record.occurredAt)
            let row = BookingsView.BookingsModel.Row(
                id: (record.id ?? UUID()).uuidString.lowercased(), time: timeFormatter.string(from: record.occurredAt),
                service: record.service.isEmpty ? "Booking \(record.externalID)" : record.service,
                clientName: record.clientName.isEmpty ? "—" : record.clientName, clientEmail: record.clientEmail, status: record.status, note: record.note)
            if days.last?.label == label {
                days[days.count - 1] = .init(label: label, rows: days[days.count - 1].rows + [row])
            } else {
                days.append(.init(label: label, rows: [row]))
            }
        }
        return days
    }

    private static func startOfDay(_ date: Date) -> Date { WorkspaceRecords.calendar.startOfDay(for: date) }

    private static func nextHour(after date: Date) -> Date {
        let hour = WorkspaceRecords.calendar.dateInterval(of: .hour, for: date)?.start ?? date
        return hour.addingTimeInterval(3_600)
    }

    private static func clip(_ value: String?, _ limit: Int) -> String {
        // One more than allowed, so that "too long" is still reported rather than cut silently.
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: (value ?? "").unicodeScalars.prefix(limit + 1))
        return String(scalars)
    }

    private static func requireUser(_ request: Request) throws -> WorkspaceUser {
        guard let user = request.workspaceUser else { throw PortalError.unauthorized() }
        return user
    }
}
