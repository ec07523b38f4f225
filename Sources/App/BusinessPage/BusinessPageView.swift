import Foundation

/// The public business page: who the business is, when and where it is open, and its two
/// forms. It sets no cookie and carries no CSRF token: its forms create inbound records
/// only, and `BusinessPageForms` guards them instead.
enum BusinessPageView {
    struct Model: Sendable {
        struct Location: Sendable, Equatable { let name: String; let address: String }

        enum Notice: String, Sendable { case bookingSent = "booking", messageSent = "message" }

        /// The page's address key (nickname, or Business UID without one).
        var key: String
        var name: String
        /// Paragraphs, as the owner wrote them.
        var description: [String]
        var openingHours: [String]
        /// The services offered for booking; with none, the booking form asks in words.
        var services: [String] = []
        var address: String?
        var phone: String?
        var locations: [Location]
        var notice: Notice? = nil
        var booking = BusinessPageForms.Booking()
        var bookingErrors = OperatorInput.Errors()
        var contact = BusinessPageForms.Contact()
        var contactErrors = OperatorInput.Errors()
        /// Why the last form was not taken (too many sent), shown above both forms.
        var refusal: String? = nil
    }

    static func render(_ model: Model) -> Markup {
        .group(
            .div(.class("page-header"), .div(.h1(.text(model.name)))),
            .unwrap(model.notice) { notice in
                .div(.class("banner success"), .attr("role", "status"), .text(notice == .bookingSent
                    ? "Thank you: your booking request was sent. \(model.name) will confirm it by email."
                    : "Thank you: your message was sent. \(model.name) will answer by email."))
            },
            .unwrap(model.refusal) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .div(.class("card"),
                 .h2(.text("About us")),
                 .if(model.description.isEmpty, .p(.class("hint"), .text("No description yet.")),
                     else: .forEach(model.description) { .p(.text($0)) }),
                 .dl(
                     .unwrap(model.address) { .group(.dt(text: "Address"), .dd(text: $0)) },
                     .unwrap(model.phone) { .group(.dt(text: "Phone"), .dd(text: $0)) }
                 ),
                 .if(!model.openingHours.isEmpty, .group(
                     .h3(.text("Opening hours")),
                     .ul(.forEach(model.openingHours) { .li(.text($0)) })
                 )),
                 .if(!model.services.isEmpty, .group(
                     .h3(.text("Services")),
                     .ul(.forEach(model.services) { .li(.text($0)) })
                 )),
                 .if(!model.locations.isEmpty, .group(
                     .h3(.text("Locations")),
                     .ul(.forEach(model.locations) { location in .li(.strong(.text(location.name)), .text(" · \(location.address)")) })
                 ))),
            bookingForm(model),
            contactForm(model)
        )
    }

    private static func bookingForm(_ model: Model) -> Markup {
        let form = model.booking, errors = model.bookingErrors
        return .form(
            .class("card"), .id("booking"), .method(.post), .action(SiteURL.businessPageBooking(key: model.key)), .novalidate(),
            .h2(.text("Request a booking")),
            .p(.class("hint"), .text("Times are in UTC. The business confirms your booking by email.")),
            Forms.errorSummary(errors.isEmpty ? nil : "Correct the fields marked below."),
            serviceField(model),
            Forms.field(.init(name: "client_name", label: "Your name", value: form.name, error: errors["client_name"], autocomplete: "name")),
            Forms.field(.init(name: "client_email", label: "Your email", type: .email, value: form.email, error: errors["client_email"],
                              autocomplete: "email")),
            Forms.field(.init(name: "date", label: "Preferred date", type: .date, value: form.date, error: errors["date"], autocomplete: "off")),
            Forms.field(.init(name: "time", label: "Preferred time", value: form.time, error: errors["time"], hint: "24-hour, for example 14:30.",
                              autocomplete: "off")),
            Forms.textArea(name: "note", label: "Note (optional)", value: form.note, error: errors["note"]),
            trap("booking"),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send booking request")))
        )
    }

    /// A choice of the services offered, or the client's own words when none is listed. A
    /// service sent back that is no longer offered stays chosen, as typed, with its error.
    private static func serviceField(_ model: Model) -> Markup {
        let form = model.booking, errors = model.bookingErrors
        guard !model.services.isEmpty else {
            return Forms.field(.init(name: "service", label: "Service", value: form.service, error: errors["service"], autocomplete: "off"))
        }
        let chosen = model.services.first { $0.lowercased() == form.service.trimmingCharacters(in: .whitespaces).lowercased() }
        var options = [(value: "", label: "Choose a service")] + model.services.map { (value: $0, label: $0) }
        if chosen == nil, !form.service.isEmpty { options.append((value: form.service, label: form.service)) }
        return Forms.select(name: "service", label: "Service", options: options, selected: chosen ?? form.service, error: errors["service"])
    }

    private static func contactForm(_ model: Model) -> Markup {
        let form = model.contact, errors = model.contactErrors
        return .form(
            .class("card"), .id("contact"), .method(.post), .action(SiteURL.businessPageContact(key: model.key)), .novalidate(),
            .h2(.text("Send a message")),
            Forms.errorSummary(errors.isEmpty ? nil : "Correct the fields marked below."),
            Forms.field(.init(name: "name", label: "Your name", value: form.name, error: errors["name"], autocomplete: "name")),
            Forms.field(.init(name: "email", label: "Your email", type: .email, value: form.email, error: errors["email"], autocomplete: "email")),
            Forms.textArea(name: "message", label: "Message", value: form.message, error: errors["message"], rows: 5),
            trap("contact"),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send message")))
        )
    }

    /// The spam trap: out of sight and out of the tab order, so people leave it empty.
    private static func trap(_ form: StaticString) -> Markup {
        let id = "\(form)-\(BusinessPageForms.trapField)"
        return .div(.class("visually-hidden"), .attr("aria-hidden", "true"),
                    .label(.for(id), .text("Leave this field empty")),
                    .input(.id(id), .name(BusinessPageForms.trapField), .type(.text), .attr("tabindex", "-1"), .attr("autocomplete", "off")))
    }
}
