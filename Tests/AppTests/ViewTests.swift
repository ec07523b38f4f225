@testable import App
import Foundation
import Testing

/// Pages render from plain models, without a request or a database.
@Suite struct ViewTests {
    private func page(_ content: Markup, layout: LayoutModel = .mock) -> String {
        Layout.page(title: "Test", layout: layout, nonce: "n0nce", content: content).render()
    }

    @Test func layoutShowsPartnerNavigationAndWhoIsSignedIn() {
        let html = page(HomeView.render(.mock))
        #expect(html.contains("<title>Test · Acme Partners</title>"))
        #expect(html.contains("Ada Admin"))
        #expect(html.contains("aria-current=\"page\""))
        #expect(html.contains("action=\"/sign-out\""))
        #expect(html.contains("<style nonce=\"n0nce\">:root{--brand:#4F46E5;--brand-text:#FFFFFF;--brand-strong:#3F38B7}</style>"))
        #expect(html.contains("<html lang=\"en\">"))
    }

    @Test func signedOutLayoutHasNoNavigationOrSignOut() {
        var layout = LayoutModel.mock
        layout.viewer = nil
        let html = page(SignInView.render(.init(email: "", next: nil, error: nil, notice: nil), csrfToken: "t"), layout: layout)
        #expect(!html.contains("action=\"/sign-out\""))
        #expect(!html.contains("class=\"nav\""))
        #expect(html.contains("<label for=\"field-email\">Email</label>"))
        #expect(html.contains("autocomplete=\"current-password\""))
    }

    @Test func userTextIsEscapedInTextAndAttributes() {
        let hostile = "\"><script>alert(1)</script>"
        let html = page(SignInView.render(.init(email: hostile, next: hostile, error: hostile, notice: nil), csrfToken: "t"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""))
    }

    @Test func operatorNamesAreEscapedInTheLayoutAndTheImpersonationBanner() {
        let hostile = "\"><script>alert(1)</script>"
        var layout = LayoutModel.mock
        layout.viewer = .init(name: hostile, email: "x@example.com", impersonator: hostile, impersonationEnds: Date())
        let html = page(.p(.text("body")), layout: layout)
        #expect(!html.contains("<script>"))
        #expect(html.contains("aria-label=\"Your profile: &quot;&gt;&lt;script&gt;"))
        #expect(html.contains("impersonation-banner") && html.contains("Sign out as"))
    }

    @Test(arguments: [("#4F46E5", "#FFFFFF"), ("#FFD60A", "#111827"), ("#000000", "#FFFFFF"), ("#FFFFFF", "#111827")])
    func brandTextColourContrasts(brand: String, text: String) {
        #expect(BrandColor.textColor(on: brand) == text)
    }

    @Test func invalidBrandColourFallsBack() {
        #expect(BrandColor.sanitized("red;}body{display:none") == Partner.defaultBrandColor)
        #expect(BrandColor.sanitized("#12ab9F") == "#12ab9F")
    }

    @Test func errorPageNamesTheStatus() {
        let html = page(ErrorPageView.render(status: .notFound, title: "Not found", detail: "There is nothing at this address."))
        #expect(html.contains("<p class=\"code\">404</p>"))
        #expect(html.contains("There is nothing at this address."))
    }
}
