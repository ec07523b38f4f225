import Vapor

/// The page shown for an error outside the API.
enum ErrorPageView {
    static func render(status: HTTPResponseStatus, title: String, detail: String) -> Markup {
        .div(
            .class("error-page"),
            .p(.class("code"), .text(String(status.code))),
            .h1(.text(title)),
            .p(.text(detail)),
            .a(.class("button primary"), .href(SiteURL.home), .text("Go to the home page"))
        )
    }
}
