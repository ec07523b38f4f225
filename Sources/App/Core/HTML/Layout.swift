import Foundation

/// What the frame around every page shows: the partner's brand, the navigation and who is
/// signed in. Built from the request by `LayoutModel.init(request:)`; views never see a request.
struct LayoutModel: Sendable {
    struct NavItem: Sendable, Equatable {
        let title: String
        let url: SiteURL
        let isCurrent: Bool
    }

    struct Viewer: Sendable, Equatable {
        let name: String
        let email: String
        /// Who is really acting, while they are logged in as this operator, and until when.
        var impersonator: String? = nil
        var impersonationEnds: Date? = nil
        /// In the workspace, who the person is: "owner of Blue Bakery Kent".
        var standing: String? = nil
    }

    var partnerName: String
    var brandColor: String
    /// An https address of a logo, shown when there is no uploaded one.
    var logoURL: String?
    /// The uploaded logo's version (its digest), when the partner has one.
    var logoVersion: String? = nil
    var viewer: Viewer?
    /// The token every state-changing form carries.
    var csrfToken: String
    var navigation: [NavItem]
    /// The operator portal, or a client's workspace: the workspace's frame carries only the
    /// partner's brand, and its own home, profile and sign-out.
    var area: Area = .portal
    /// Set on a public page (a business page): where its brand leads, and whether search
    /// engines are asked not to index it.
    var publicPage: PublicPage? = nil

    /// The version of the partner's tab icon, for its address.
    var faviconVersion: String { Favicon.icon(partnerName: partnerName, brandColor: brandColor).version }

    struct PublicPage: Sendable, Equatable {
        var home: SiteURL
        var noindex: Bool
    }

    enum Area: Sendable, Equatable {
        case portal, workspace

        var home: SiteURL { self == .portal ? .home : .workspace }
        var profile: SiteURL { self == .portal ? .profile : .workspacePassword }
        var signOut: SiteURL { self == .portal ? .signOut : .workspaceSignOut }
        var signOutAs: SiteURL { self == .portal ? .signOutAs : .workspaceSignOutAs }
    }

    static let mock = LayoutModel(
        partnerName: "Acme Partners", brandColor: "#4F46E5", logoURL: nil,
        viewer: .init(name: "Ada Admin", email: "ada@example.com"), csrfToken: "csrf", navigation: [
            .init(title: "Home", url: .home, isCurrent: true),
        ]
    )
}

/// A whole page, written.
struct HTMLDocument: Sendable {
    let html: String

    func render() -> String { html }
}

enum Layout {
    static let productName = "Operator Portal"

    /// A whole page: head, top bar with navigation and the signed-in operator, then `content`.
    /// `nonce` allows the one inline style block (the brand colour) under the page's CSP.
    static func page(title: String, layout: LayoutModel, nonce: String, content: Markup) -> HTMLDocument {
        var html = "<!DOCTYPE html><html lang=\"en\">"
        html += head(title: "\(title) · \(layout.partnerName)", layout: layout, nonce: nonce)
        MarkupWriter.write(.body(
            .a(.class("skip-link"), .href(.fragment("main")), .text("Skip to content")),
            .unwrap(layout.viewer) { viewer in
                layout.area == .portal ? impersonationBanner(viewer, csrfToken: layout.csrfToken) : supportBanner(viewer, csrfToken: layout.csrfToken)
            },
            topBar(layout),
            .main(.id("main"), .attr("tabindex", "-1"), Forms.focusingFirstError(content)),
            .footer(.class("footer"), .text(layout.area == .workspace || layout.partnerName == productName
                                                ? layout.partnerName : "\(layout.partnerName) · \(productName)"))
        ), into: &html)
        return HTMLDocument(html: html + "</html>")
    }

    /// The head is written here, not built from markup: the title is text (no meta tags copy
    /// it), and the style block holds only the brand colours, which `BrandColor` reduces to
    /// `#RRGGBB` before they are written.
    private static func head(title: String, layout: LayoutModel, nonce: String) -> String {
        "<head><meta charset=\"UTF-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + (layout.publicPage?.noindex == true ? "<meta name=\"robots\" content=\"noindex\"/>" : "")
            + "<title>\(MarkupWriter.escapeText(title))</title>"
            + "<link rel=\"stylesheet\" href=\"\(MarkupWriter.escapeAttribute(SiteURL.stylesheet.path))\" type=\"text/css\"/>"
            // The partner's own icon, at an address that changes with it.
            + "<link rel=\"icon\" href=\"\(MarkupWriter.escapeAttribute(SiteURL.favicon(version: layout.faviconVersion).path))\" type=\"image/svg+xml\"/>"
            + "<style nonce=\"\(MarkupWriter.escapeAttribute(nonce))\">"
            + ":root{--brand:\(BrandColor.sanitized(layout.brandColor));--brand-text:\(BrandColor.textColor(on: layout.brandColor));--brand-strong:\(BrandColor.ink(layout.brandColor))}</style></head>"
    }

    /// Whose session this is and who is acting, on every page while logged in as someone.
    private static func impersonationBanner(_ viewer: LayoutModel.Viewer, csrfToken: String) -> Markup {
        .unwrap(viewer.impersonator) { impersonator in
            .div(
                .class("impersonation-banner"), .attr("role", "status"),
                .p(
                    .text("You are logged in as "), .strong(.text(viewer.name)), .text(" (\(viewer.email)). "),
                    .strong(.text(impersonator)), .text(" is acting; everything is recorded with both names."),
                    .unwrap(viewer.impersonationEnds) { ends in
                        .text(" Ends at \(ends.formatted(date: .omitted, time: .shortened)) UTC.")
                    }
                ),
                .form(
                    .method(.post), .action(SiteURL.signOutAs),
                    Forms.csrfField(csrfToken),
                    .button(.class("button"), .type(.submit), .text("Sign out as \(viewer.name)"))
                )
            )
        }
    }

    /// In the workspace, while an operator is logged in as its owner or a staff member: both
    /// names, the end, and the × that ends it and returns to the account page.
    private static func supportBanner(_ viewer: LayoutModel.Viewer, csrfToken: String) -> Markup {
        .unwrap(viewer.impersonator) { operatorName in
            .div(
                .class("impersonation-banner"), .attr("role", "status"),
                .p(
                    .strong(.text(operatorName)), .text(" is acting as "), .strong(.text(viewer.name)),
                    .unwrap(viewer.standing) { .text(", \($0)") },
                    .unwrap(viewer.impersonationEnds) { ends in .text(", until \(ends.formatted(date: .omitted, time: .shortened)) UTC") },
                    .text(". Everything is recorded with both names.")
                ),
                .form(
                    .method(.post), .action(SiteURL.workspaceSignOutAs),
                    Forms.csrfField(csrfToken),
                    .button(.class("button"), .type(.submit), .ariaLabel("Sign out as \(viewer.name)"), .attr("title", "Sign out as \(viewer.name)"),
                            .text("×"))
                )
            )
        }
    }

    private static func topBar(_ layout: LayoutModel) -> Markup {
        .header(
            .class("topbar"),
            .div(
                .class("topbar-inner"),
                .a(
                    .class("brand"), .href(layout.publicPage?.home ?? layout.area.home),
                    .unwrap(layout.logoVersion, { .img(.src(SiteURL.brandLogo(version: $0)), .alt("")) },
                            else: .unwrap(layout.logoURL.flatMap(ExternalURL.init).flatMap { $0.value.lowercased().hasPrefix("https://") ? $0 : nil },
                                          { .img(.src($0), .alt("")) },
                                          else: .span(.class("brand-mark"), .attr("aria-hidden", "true"),
                                                      .text(String(layout.partnerName.prefix(1)).uppercased())))),
                    .span(.text(layout.partnerName))
                ),
                .if(layout.viewer != nil && !layout.navigation.isEmpty,
                    .nav(
                        .class("nav"), .ariaLabel("Main"),
                        .forEach(layout.navigation) { item in
                            .a(.href(item.url), .if(item.isCurrent, .attr("aria-current", "page")), .text(item.title))
                        }
                    )
                ),
                .unwrap(layout.viewer) { viewer in
                    .div(
                        .class("account-menu"),
                        .a(.class("who"), .href(layout.area.profile), .ariaLabel("Your profile: \(viewer.name)"),
                           .text(viewer.name), .small(.text(viewer.email))),
                        .if(viewer.impersonator == nil,
                            .form(
                                .method(.post), .action(layout.area.signOut),
                                Forms.csrfField(layout.csrfToken),
                                .button(.class("button secondary"), .type(.submit), .text("Sign out"))
                            ),
                            else: .form(
                                .method(.post), .action(layout.area.signOutAs),
                                Forms.csrfField(layout.csrfToken),
                                .button(.class("button secondary"), .type(.submit), .text("Sign out as"))
                            )
                        )
                    )
                }
            )
        )
    }
}

/// The partner's colour, made safe to embed and paired with a readable text colour.
enum BrandColor {
    static func sanitized(_ value: String) -> String {
        isValid(value) ? value : Partner.defaultBrandColor
    }

    static func isValid(_ value: String) -> Bool {
        // ASCII only: `Character.isHexDigit` also accepts the full-width digits and letters.
        value.unicodeScalars.count == 7 && value.first == "#"
            && value.unicodeScalars.dropFirst().allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) }
    }

    /// Black or white, whichever contrasts more with the colour (WCAG relative luminance).
    static func textColor(on value: String) -> String {
        let luminance = luminance(of: value)
        return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) ? "#FFFFFF" : darkText
    }

    static let darkText = "#111827"

    /// The WCAG contrast ratio of the colour with the better of the two text colours pages
    /// put on it (white and `darkText`); Settings refuses a brand colour below AA's 4.5:1.
    static func contrast(on value: String) -> Double {
        let background = luminance(of: value)
        func ratio(_ text: Double) -> Double { (max(text, background) + 0.05) / (min(text, background) + 0.05) }
        return max(ratio(1), ratio(luminance(of: darkText)))
    }

    /// The colour pages draw text and links in on a white background: the brand colour,
    /// darkened towards black until it reads at AA's 4.5:1 on white. A light brand (a pale
    /// yellow is a fine button colour with dark text on it) still gives readable links.
    static func ink(_ value: String) -> String {
        let hex = sanitized(value).dropFirst()
        let channels = stride(from: 0, to: 6, by: 2).map { offset -> Double in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return Double(Int(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0)
        }
        // At least the 20 % darkening the style sheet applied before, more when it is needed.
        var share = 0.8
        while share > 0 {
            let mixed = "#" + Hex.string(channels.map { UInt8(clamping: Int(($0 * share).rounded())) }, uppercase: true)
            if 1.05 / (luminance(of: mixed) + 0.05) >= 4.5 { return mixed }
            share -= 0.05
        }
        return "#000000"
    }

    /// WCAG relative luminance of a `#RRGGBB` colour.
    static func luminance(of value: String) -> Double {
        let hex = sanitized(value).dropFirst()
        let channels = stride(from: 0, to: 6, by: 2).map { offset -> Double in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            let byte = Double(Int(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0) / 255
            return byte <= 0.03928 ? byte / 12.92 : pow((byte + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    }
}
