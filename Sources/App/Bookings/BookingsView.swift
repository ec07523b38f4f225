import Foundation

/// The workspace's bookings and payments: a short calendar list grouped by day, a list of
/// payments with totals, and the forms that add them.
enum BookingsView {
    struct Choice: Sendable { let value: String; let title: String }

    struct BookingsModel: Sendable {
        struct Row: Sendable {
            let id: String
            let time: String
            let service: String
            let clientName: String
            let clientEmail: String
            let status: BookingStatus
            let note: String?
        }

        struct Day: Sendable { let label: String; let rows: [Row] }

        var showingPast: Bool
        var days: [Day]
        var form: WorkspaceBookings.Input
        var errors: OperatorInput.Errors
        var message: String?

        var isEmpty: Bool { days.allSatisfy(\.rows.isEmpty) }
    }

    static let bookingStatuses = BookingStatus.allCases.map { Choice(value: $0.rawValue, title: $0.title) }

    static func bookings(_ model: BookingsModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.showingPast ? "Past bookings" : "Bookings")),
                      .p(.text(model.showingPast ? "Bookings before today, the latest first." : "Today's and upcoming bookings, the soonest first. Times are UTC."))),
                 .div(.class("actions"),
                      .a(.class("button secondary"), .href(model.showingPast ? SiteURL.workspaceBookings : SiteURL.workspacePastBookings),
                         .text(model.showingPast ? "Upcoming bookings" : "Past bookings")))),
            .unwrap(model.message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .if(model.isEmpty,
                .div(.class("card"), .p(.class("empty"), .text(model.showingPast ? "No past bookings." : "No upcoming bookings."))),
                else: .forEach(model.days) { day in
                    .section(.class("card"),
                             .h2(.text(day.label)),
                             .div(.class("table-wrap"), .table(
                                 .thead(.tr(.th(.attr("scope", "col"), .text("Time")), .th(.attr("scope", "col"), .text("Service")),
                                            .th(.attr("scope", "col"), .text("Client")), .th(.attr("scope", "col"), .text("Status")))),
                                 .tbody(.forEach(day.rows) { row in bookingRow(row, csrfToken: csrfToken) }))))
                }),
            .if(!model.showingPast, bookingForm(model, csrfToken: csrfToken))
        )
    }

    private static func bookingRow(_ row: BookingsModel.Row, csrfToken: String) -> Markup {
        let selectID = "status-\(row.id)"
        return .tr(
            .td(.text(row.time)),
            .td(.strong(.text(row.service)), .unwrap(row.note) { .div(.class("hint"), .text($0)) }),
            .td(.text(row.clientName), .div(.class("hint"), .text(row.clientEmail))),
            .td(.form(.class("inline"), .method(.post), .action(SiteURL.workspaceBookingStatus(id: row.id)), Forms.csrfField(csrfToken),
                      .label(.class("visually-hidden"), .for(selectID), .text("Status of \(row.service) for \(row.clientName)")),
                      .select(.id(selectID), .name("status"),
                              .forEach(bookingStatuses) { Forms.option(value: $0.value, label: $0.title, selected: $0.value == row.status.rawValue) }),
                      .button(.class("button secondary"), .type(.submit), .ariaLabel("Save the status of \(row.service) for \(row.clientName)"),
                              .text("Save"))))
        )
    }

    private static func bookingForm(_ model: BookingsModel, csrfToken: String) -> Markup {
        .form(.class("card"), .method(.post), .action(SiteURL.workspaceBookings), .novalidate(),
              Forms.csrfField(csrfToken),
              .h2(.text("Add a booking")),
              Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
              Forms.field(.init(name: "service", label: "Service", value: model.form.service, error: model.errors["service"], autocomplete: "off")),
              Forms.field(.init(name: "client_name", label: "Client name", value: model.form.clientName, error: model.errors["client_name"],
                                autocomplete: "off")),
              Forms.field(.init(name: "client_email", label: "Client email", type: .email, value: model.form.clientEmail,
                                error: model.errors["client_email"], autocomplete: "off")),
              dateTimeField(name: "at", label: "Date and time (UTC)", value: model.form.at, error: model.errors["at"]),
              choiceField(name: "status", label: "Status", choices: bookingStatuses, selected: model.form.status, error: model.errors["status"]),
              Forms.textArea(name: "note", label: "Note (optional)", value: model.form.note, error: model.errors["note"]),
              .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Add booking"))))
    }

    struct PaymentsModel: Sendable {
        struct Row: Sendable {
            let id: String
            let time: String
            let amount: String
            let method: PaymentMethod
            let status: PaymentStatus
        }

        struct Total: Sendable { let currency: String; let paid: String; let pending: String; let refunded: String }

        var rows: [Row]
        var totals: [Total]
        /// "the last 3 months", what the totals cover.
        var totalsPeriod: String
        var form: WorkspacePayments.Input
        var errors: OperatorInput.Errors
        var message: String?
    }

    static let paymentMethods = PaymentMethod.allCases.map { Choice(value: $0.rawValue, title: $0.title) }
    static let paymentStatuses = PaymentStatus.allCases.map { Choice(value: $0.rawValue, title: $0.title) }

    static func payments(_ model: PaymentsModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Payments")), .p(.text("What your business took, the latest first. Times are UTC.")))),
            .unwrap(model.message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .section(.class("card"),
                     .h2(.text("Totals, \(model.totalsPeriod)")),
                     .if(model.totals.isEmpty, .p(.class("empty"), .text("No payments yet.")),
                         else: .div(.class("table-wrap"), .table(
                             .thead(.tr(.th(.attr("scope", "col"), .text("Currency")), .th(.attr("scope", "col"), .text("Paid")),
                                        .th(.attr("scope", "col"), .text("Pending")), .th(.attr("scope", "col"), .text("Refunded")))),
                             .tbody(.forEach(model.totals) { total in
                                 .tr(.th(.attr("scope", "row"), .text(total.currency)), .td(.text(total.paid)), .td(.text(total.pending)),
                                     .td(.text(total.refunded)))
                             }))))),
            .section(.class("card"),
                     .h2(.text("Latest payments")),
                     .if(model.rows.isEmpty, .p(.class("empty"), .text("No payments yet.")),
                         else: .div(.class("table-wrap"), .table(
                             .thead(.tr(.th(.attr("scope", "col"), .text("When")), .th(.attr("scope", "col"), .text("Amount")),
                                        .th(.attr("scope", "col"), .text("Method")), .th(.attr("scope", "col"), .text("Status")))),
                             .tbody(.forEach(model.rows) { row in paymentRow(row, csrfToken: csrfToken) }))))),
            paymentForm(model, csrfToken: csrfToken)
        )
    }

    private static func paymentRow(_ row: PaymentsModel.Row, csrfToken: String) -> Markup {
        let selectID = "status-\(row.id)"
        return .tr(
            .td(.text(row.time)),
            .td(.strong(.text(row.amount))),
            .td(.text(row.method.title)),
            .td(.form(.class("inline"), .method(.post), .action(SiteURL.workspacePaymentStatus(id: row.id)), Forms.csrfField(csrfToken),
                      .label(.class("visually-hidden"), .for(selectID), .text("Status of the payment of \(row.amount) on \(row.time)")),
                      .select(.id(selectID), .name("status"),
                              .forEach(paymentStatuses) { Forms.option(value: $0.value, label: $0.title, selected: $0.value == row.status.rawValue) }),
                      .button(.class("button secondary"), .type(.submit), .ariaLabel("Save the status of the payment of \(row.amount) on \(row.time)"),
                              .text("Save"))))
        )
    }

    private static func paymentForm(_ model: PaymentsModel, csrfToken: String) -> Markup {
        .form(.class("card"), .method(.post), .action(SiteURL.workspacePayments), .novalidate(),
              Forms.csrfField(csrfToken),
              .h2(.text("Record a payment")),
              Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the fields marked below."),
              Forms.field(.init(name: "amount", label: "Amount", value: model.form.amount, error: model.errors["amount"],
                                hint: "For example 12.50.", autocomplete: "off")),
              Forms.field(.init(name: "currency", label: "Currency", value: model.form.currency, error: model.errors["currency"],
                                hint: "A three-letter code such as EUR, GBP or USD.", autocomplete: "off")),
              choiceField(name: "method", label: "Method", choices: paymentMethods, selected: model.form.method, error: model.errors["method"]),
              choiceField(name: "status", label: "Status", choices: paymentStatuses, selected: model.form.status, error: model.errors["status"]),
              dateTimeField(name: "at", label: "Date and time (UTC, optional)", value: model.form.at, error: model.errors["at"],
                            hint: "Leave empty for now.", required: false),
              .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Record payment"))))
    }

    // MARK: - Fields

    private static func dateTimeField(name: String, label: String, value: String, error: String?, hint: String? = nil, required: Bool = true) -> Markup {
        let id = "field-\(name)"
        let describedBy = [hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }
        return .div(.class("field"),
                    .label(.for(id), .text(label)),
                    .input(.id(id), .name(name), .attr("type", "datetime-local"), .value(value), .required(required),
                           .attr("aria-invalid", error == nil ? nil : "true"),
                           .attr("aria-describedby", describedBy.isEmpty ? nil : describedBy.joined(separator: " "))),
                    .unwrap(hint) { .div(.class("hint"), .id("\(id)-hint"), .text($0)) },
                    .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) })
    }

    private static func choiceField(name: String, label: String, choices: [Choice], selected: String, error: String?) -> Markup {
        let id = "field-\(name)"
        return .div(.class("field"),
                    .label(.for(id), .text(label)),
                    .select(.id(id), .name(name), .attr("aria-invalid", error == nil ? nil : "true"),
                            .attr("aria-describedby", error == nil ? nil : "\(id)-error"),
                            .forEach(choices) { Forms.option(value: $0.value, label: $0.title, selected: $0.value == selected) }),
                    .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) })
    }
}
