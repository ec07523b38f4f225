import Fluent
import Vapor

/// `/b/{nickname}` (or `/b/{businessUID}`): the business page, on the partner's domain, for
/// anyone. Unknown, locked and template accounts, and another partner's, are not found.
enum BusinessPageController {
    static func show(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let key = request.parameters.get("pageKey") ?? ""
        if key != BusinessPages.key(of: account) {
            // One address per page: the Business UID of an account with a nickname leads there.
            return request.redirect(to: SiteURL.businessPage(key: BusinessPages.key(of: account)).path, redirectType: .permanent)
        }
        var model = try await BusinessPages.model(of: account, on: request.db)
        model.notice = (try? request.query.get(String.self, at: "sent")).flatMap(BusinessPageView.Model.Notice.init(rawValue:))
        return await request.businessPage(account, model: model)
    }

    struct BookingForm: Content {
        var service: String?, clientName: String?, clientEmail: String?, date: String?, time: String?, note: String?, website: String?
        enum CodingKeys: String, CodingKey {
            case service, date, time, note, website
            case clientName = "client_name", clientEmail = "client_email"
        }
    }

    static func requestBooking(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let form = try request.content.decode(BookingForm.self)
        let input = BusinessPageForms.Booking(service: form.service ?? "", name: form.clientName ?? "", email: form.clientEmail ?? "",
                                              date: form.date ?? "", time: form.time ?? "", note: form.note ?? "", trap: form.website ?? "")
        var model = try await BusinessPages.model(of: account, on: request.db)
        model.booking = input
        do {
            let outcome = try await BusinessPageForms.requestBooking(input, account: account, ip: request.clientIP, on: request.db)
            return await answer(outcome, .bookingSent, account: account, model: model, request: request)
        } catch let errors as OperatorInput.Errors {
            model.bookingErrors = errors
            return await request.businessPage(account, model: model, status: .unprocessableEntity)
        }
    }

    struct ContactForm: Content { var name: String?, email: String?, message: String?, website: String? }

    static func sendMessage(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let form = try request.content.decode(ContactForm.self)
        let input = BusinessPageForms.Contact(name: form.name ?? "", email: form.email ?? "", message: form.message ?? "", trap: form.website ?? "")
        var model = try await BusinessPages.model(of: account, on: request.db)
        model.contact = input
        do {
            let outcome = try await BusinessPageForms.sendMessage(input, account: account, ip: request.clientIP, on: request.db)
            return await answer(outcome, .messageSent, account: account, model: model, request: request)
        } catch let errors as OperatorInput.Errors {
            model.contactErrors = errors
            return await request.businessPage(account, model: model, status: .unprocessableEntity)
        }
    }

    /// Sent: back to the page with its thank-you. Too many: the page again, with what was typed.
    private static func answer(_ outcome: BusinessPageForms.Outcome, _ notice: BusinessPageView.Model.Notice, account: Account,
                               model: BusinessPageView.Model, request: Request) async -> Response {
        switch outcome {
        case .sent:
            let target = LinkTarget.site(.businessPage(key: BusinessPages.key(of: account)), query: "sent=\(notice.rawValue)")
            return request.redirect(to: target.value)
        case .throttled(let seconds):
            var model = model
            model.refusal = "Too many forms were sent from your address or to this business. Try again in \(seconds / 60) minutes."
            let response = await request.businessPage(account, model: model, status: .tooManyRequests)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        }
    }

    /// The account the path names, if the policy lets the public see it; otherwise the plain
    /// not-found page (the denial is logged, without saying more to the visitor).
    private static func account(_ request: Request) async throws -> Account {
        let partnerID = try request.partner.requireID()
        guard let account = try await BusinessPages.account(key: request.parameters.get("pageKey") ?? "", partnerID: partnerID, on: request.db)
        else { throw PortalError.notFound() }
        if case .deny(let reason) = AccessPolicy.mayShowBusinessPage(partnerID: partnerID, of: account) {
            request.logger.notice("business page refused", metadata: ["reason": "\(reason)", "path": "\(request.url.path)"])
            throw PortalError.notFound()
        }
        return account
    }
}

extension Request {
    /// A business page in the business's own brand (its colour and logo, else the partner's),
    /// asking search engines not to index it while the account is in setup.
    func businessPage(_ account: Account, model: BusinessPageView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        let partner = partnerIfResolved
        var layout = LayoutModel(
            partnerName: account.name, brandColor: account.brandColor ?? partner?.brandColor ?? Partner.defaultBrandColor,
            logoURL: account.logoURL ?? partner?.logoURL, logoVersion: account.logoURL == nil ? await partnerLogoVersion() : nil,
            viewer: nil, csrfToken: "", navigation: [], area: .workspace)
        layout.publicPage = .init(home: .businessPage(key: model.key), noindex: !account.setupCompleted)
        let nonce = SecretToken.generate().value
        let title = model.notice == nil ? "Book or get in touch" : "Thank you"
        return Response.html(Layout.page(title: title, layout: layout, nonce: nonce, content: BusinessPageView.render(model)).render(),
                             status: status, nonce: nonce)
    }
}
