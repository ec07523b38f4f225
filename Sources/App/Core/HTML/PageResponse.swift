import Plot
import Vapor

extension Request {
    /// The frame model for this request: partner branding, signed-in operator, navigation.
    func layoutModel(current: SiteURL? = nil) -> LayoutModel {
        let partner = partnerIfResolved
        let navigation: [LayoutModel.NavItem] = signedIn == nil ? [] : [
            .init(title: "Home", url: SiteURL.home.path, isCurrent: current == .home),
        ]
        return LayoutModel(
            partnerName: partner?.name ?? "Operator Portal",
            brandColor: partner?.brandColor ?? Partner.defaultBrandColor,
            logoURL: partner?.logoURL,
            viewer: signedIn.map { .init(name: $0.name, email: $0.email) },
            csrfToken: signedIn?.csrfToken ?? anonymousCSRFToken,
            navigation: navigation
        )
    }

    /// Renders a page inside the layout with a fresh CSP nonce.
    func page(_ title: String, status: HTTPResponseStatus = .ok, current: SiteURL? = nil, content: Node<HTML.BodyContext>) -> Response {
        let nonce = SecretToken.generate().value
        let html = Layout.page(title: title, layout: layoutModel(current: current), nonce: nonce, content: content)
        return Response.html(html.render(), status: status, nonce: nonce)
    }
}

extension Response {
    static func html(_ body: String, status: HTTPResponseStatus = .ok, nonce: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(
            name: "Content-Security-Policy",
            value: "default-src 'self'; style-src 'self' 'nonce-\(nonce)'; img-src 'self' https: data:; "
                + "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        )
        return Response(status: status, headers: headers, body: .init(string: body))
    }
}
