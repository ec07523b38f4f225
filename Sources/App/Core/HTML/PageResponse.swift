import Vapor

extension Request {
    /// The frame model for this request: partner branding, signed-in operator, navigation.
    func layoutModel(current: SiteURL? = nil) async -> LayoutModel {
        let partner = partnerIfResolved
        let navigation = await Navigation.items(for: self, current: current)
        return LayoutModel(
            partnerName: partner?.name ?? "Operator Portal",
            brandColor: partner?.brandColor ?? Partner.defaultBrandColor,
            logoURL: partner?.logoURL,
            logoVersion: await partnerLogoVersion(),
            viewer: signedIn.map { .init(name: $0.name, email: $0.email, impersonator: $0.impersonator?.name, impersonationEnds: $0.impersonator?.expiresAt) },
            csrfToken: signedIn?.csrfToken ?? anonymousCSRFToken,
            navigation: navigation
        )
    }

    /// Renders a page inside the layout with a fresh CSP nonce.
    func page(_ title: String, status: HTTPResponseStatus = .ok, current: SiteURL? = nil, content: Markup) async -> Response {
        let nonce = SecretToken.generate().value
        let html = Layout.page(title: title, layout: await layoutModel(current: current), nonce: nonce, content: content)
        return Response.html(html.render(), status: status, nonce: nonce)
    }
}

/// The main navigation: only the pages that exist and that the operator may open.
enum Navigation {
    static func items(for request: Request, current: SiteURL?) async -> [LayoutModel.NavItem] {
        guard request.signedIn != nil, let actor = try? await request.actor() else { return [] }
        var items: [LayoutModel.NavItem] = [.init(title: "Home", url: .home, isCurrent: current == .home),
                                            .init(title: "Tasks", url: .tasks, isCurrent: current == .tasks)]
        if AccessPolicy.decideAnywhere(actor, [.accountView]).isAllowed {
            items.append(.init(title: "Accounts", url: .accounts, isCurrent: current == .accounts))
        }
        if AccessPolicy.mayReadRoles(actor).isAllowed {
            items.append(.init(title: "Roles", url: .roles, isCurrent: current == .roles))
        }
        if AccessPolicy.decideAnywhere(actor, [.operatorsView]).isAllowed {
            items.append(.init(title: "Operators", url: .operators, isCurrent: current == .operators))
        }
        if AccessPolicy.mayOpenGroups(actor).isAllowed {
            items.append(.init(title: "Groups", url: .groups, isCurrent: current == .groups))
        }
        if PartnerKitService.mayView(actor).isAllowed {
            items.append(.init(title: "Partner kit", url: .partnerKit, isCurrent: current == .partnerKit))
        }
        if AccessPolicy.decideAnywhere(actor, [.auditView]).isAllowed {
            items.append(.init(title: "Audit log", url: .audit, isCurrent: current == .audit))
        }
        // Operations is reached from Settings (the same people may see both): one entry fewer
        // keeps the navigation on one line.
        if AccessPolicy.mayManageSettings(actor).isAllowed {
            items.append(.init(title: "Settings", url: .settings, isCurrent: current == .settings || current == .operations))
        } else if AccessPolicy.mayViewOperations(actor).isAllowed {
            items.append(.init(title: "Operations", url: .operations, isCurrent: current == .operations))
        }
        return items
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
