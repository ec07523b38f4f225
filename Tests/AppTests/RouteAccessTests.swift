@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Every route of the portal and every operation of the API asks the access layer: walking the
/// application's own route table (the registry), an operator whose only role is Marketing
/// (sign in, partner kit) is refused everything except the routes listed here as open to any
/// signed-in operator. A route added without asking the policy fails this walk.
@Suite struct RouteAccessTests {
    /// Routes any signed-in operator may use on themselves, or that need no sign-in at all.
    static let openToEveryone: Set<String> = [
        "GET /", "GET /healthz", "GET /readyz", "GET /assets/portal.css",
        // The installation's figures: a loopback peer or METRICS_TOKEN, never a session (MetricsTests).
        "GET /metrics",
        // The script that fills a time-zone field from the browser (PeopleFormsTests).
        "GET /assets/time-zone.js",
        // Everyone has their own tasks: the page and the API show the categories their roles
        // cover, in their scope (TasksTests.anOperatorWithoutAccountOrOperatorRightsHasNoCategories).
        "GET /tasks", "GET /api/v1/tasks",
        "GET /sign-in", "POST /sign-in", "POST /sign-out", "GET /sign-in/code", "POST /sign-in/code", "POST /sign-in/code/resend",
        "GET /sign-in/enrol", "POST /sign-in/enrol", "POST /sign-out-as",
        // "Forgot password?" needs no sign-in; the job decides who gets a link (PasswordResetTests).
        "GET /forgot-password", "POST /forgot-password",
        "GET /profile", "POST /profile", "POST /profile/email", "POST /profile/notifications", "POST /profile/password",
        "POST /profile/second-factor",
        // The recovery codes just made, as a file: only the session that made them gets it (RecoveryCodesTests).
        "POST /profile/recovery-codes.txt", "POST /app/security/recovery-codes.txt", "GET /assets/copy.js", "GET /assets/bulk-progress.js",
        // The type-ahead of the accounts list's group and assignee filters (AccountsFilterChoicesTests).
        "GET /assets/picker.js",
        // Marketing's own right: the partner kit.
        "GET /partner-kit", "GET /partner-kit/:itemId/file",
        "GET /api/v1/me", "PATCH /api/v1/me", "GET /api/v1/openapi.yaml",
        // Their own API tokens come with signing in; revoking another's is refused (TokenSettingsTests).
        "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/:tokenId", "GET /settings/api-tokens", "POST /settings/api-tokens",
        "GET /api/v1/partner-kit", "GET /api/v1/partner-kit/:itemId", "GET /api/v1/partner-kit/:itemId/file",
        // The permission catalogue is the product's own reference, the same for every partner.
        "GET /api/v1/permissions",
        "POST /api/v1/me/sign-out-as",
        // The client workspace has sessions of its own: an operator's opens nothing there
        // (WorkspaceSignInTests.formsNeedTheirTokenAndTheOperatorsSessionOpensNothingHere).
        "GET /app", "GET /app/sign-in", "POST /app/sign-in", "POST /app/sign-out", "GET /app/password", "POST /app/password",
        "GET /app/forgot-password", "POST /app/forgot-password", "POST /app/onboarding", "GET /app/profile", "POST /app/profile",
        "GET /app/staff", "POST /app/staff", "POST /app/staff/remove", "POST /app/staff/resend",
        "GET /app/bookings", "POST /app/bookings", "GET /app/bookings/past", "POST /app/bookings/:bookingId/status",
        "GET /app/payments", "POST /app/payments", "POST /app/payments/:paymentId/status",
        "GET /app/sign-in/code", "POST /app/sign-in/code", "GET /app/security", "POST /app/security/authenticator",
        "POST /app/security/authenticator/confirm", "POST /app/security/authenticator/remove", "POST /app/security/recovery-codes",
        "POST /app/sign-out-as", "GET /app/support-access", "POST /app/support-access", "POST /app/support-access/revoke",
        "GET /app/messages", "GET /app/messages/:conversationId", "POST /app/messages/:conversationId/reply",
        "GET /app/announcements", "POST /app/announcements",
        // Public: the business page, its forms and the widget, for anyone on the partner's domain
        // (BusinessPageTests, WidgetTests).
        "GET /b/:pageKey", "POST /b/:pageKey/booking", "POST /b/:pageKey/contact", "GET /w/:businessUid", "GET /w/:businessUid/seen",
        // The partner's logo, shown on its sign-in pages and business pages (SettingsLogoTests).
        "GET /brand/logo",
        // The tab icon in the partner's colour, on every page, signed in or not (FaviconTests).
        "GET /favicon.svg", "GET /favicon.ico",
        // A digest's unsubscribe link: its token is the proof (DigestTests).
        "GET /unsubscribe/:token", "POST /unsubscribe/:token",
        // Their own operator record, through the page and the API (name and digest only).
        "GET /operators/:operatorId", "POST /operators/:operatorId", "POST /operators/:operatorId/notifications",
        "GET /api/v1/operators/:operatorId", "PATCH /api/v1/operators/:operatorId",
    ]

    static func key(_ route: Route) -> String {
        "\(route.method) /" + route.path.map(\.description).joined(separator: "/")
    }

    @Test func anOperatorWithoutRightsIsRefusedEveryRouteThatIsNotTheirOwn() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator(role: "admin-secure")
            let marketing = try await portal.makeOperator(email: "mo@example.com", name: "Mo Marketing", role: "marketing")
            let partnerID = try portal.partner.requireID()
            let group = AccountGroup(partnerID: partnerID, parent: nil, name: "Region")
            try await group.create(on: portal.db)
            let account = Account(partnerID: partnerID, name: "Shop", email: "shop@example.com", groupID: group.id, secure: false)
            account.nickname = "shop"
            try await account.create(on: portal.db)
            let staff = AccountUser(partnerID: partnerID, accountID: try account.requireID(), role: .staff, name: "Staff", email: "staff@example.com")
            try await staff.create(on: portal.db)
            let location = AccountLocation(partnerID: partnerID, accountID: try account.requireID(), name: "Shop", address: "1 Road")
            try await location.create(on: portal.db)
            let role = CustomRole(partnerID: partnerID, name: "Custom", description: "", permissions: [.accountView], secureClearance: false)
            try await role.create(on: portal.db)
            let kitItem = PartnerKitItem(partnerID: partnerID, title: "Brochure", summary: "", kind: .file, fileName: "brochure.pdf",
                                         contentType: "application/pdf", byteSize: 3, createdAt: Date(), createdBy: "Ada")
            try await kitItem.create(on: portal.db)
            try await PartnerKitFile(itemID: try kitItem.requireID(), partnerID: partnerID, contents: Data("pdf".utf8)).create(on: portal.db)
            let adminToken = try await APITokens.create(name: "admin's", operator: admin, now: Date(), on: portal.db)
            let ids: [String: String] = [
                "groupId": try group.requireID().uuidString.lowercased(),
                "businessUid": account.businessUID,
                "roleId": try role.requireID().uuidString.lowercased(),
                "operatorId": try admin.requireID().uuidString.lowercased(),
                "itemId": try kitItem.requireID().uuidString.lowercased(),
                "tag": "vip", "nickname": "shop",
                "userId": try staff.requireID().uuidString.lowercased(),
                "locationId": try location.requireID().uuidString.lowercased(),
                "tokenId": try adminToken.token.requireID().uuidString.lowercased(),
                "operationId": UUID().uuidString.lowercased(),
                "importId": UUID().uuidString.lowercased(),
                "pushId": UUID().uuidString.lowercased(),
                "conversationId": UUID().uuidString.lowercased(),
            ]
            let api = try await portal.api(as: marketing)
            let browser = try await portal.signIn(email: "mo@example.com")
            let csrf = try #require(try await portal.visit("/", browser: browser).csrfToken)

            let routes = portal.app.routes.all.filter { route in
                !Self.openToEveryone.contains(Self.key(route)) && !route.path.contains { $0.description == ":token" }
            }
            #expect(routes.count >= 60, "the walk reaches the pages and the API (\(routes.count) routes)")
            var refused = 0
            for route in routes {
                var unknown: String? = nil
                let path = "/" + route.path.map { component -> String in
                    guard case .parameter(let name) = component else { return component.description }
                    guard let id = ids[name] else { unknown = name; return "x" }
                    return id
                }.joined(separator: "/")
                if let unknown {
                    Issue.record("route \(Self.key(route)) takes :\(unknown); add it to this walk")
                    continue
                }
                let response: TestingHTTPResponse
                if path.hasPrefix("/api/") {
                    let json: String? = [.POST, .PUT, .PATCH].contains(route.method) ? "{}" : nil
                    response = try await api.call(route.method, String(path.dropFirst("/api/v1".count)), json: json)
                } else if route.method == .GET {
                    response = try await portal.send(.GET, path, cookies: browser)
                } else {
                    response = try await portal.submit(path, ["csrf_token": csrf, "name": "Renamed"], browser: browser)
                }
                // Refused (403), or hidden (404), or the API refusing the empty body before it
                // reached the policy (400/422): never done, and never redirected onwards.
                let allowedAnswers: Set<UInt> = path.hasPrefix("/api/") ? [400, 403, 404, 422] : [403, 404]
                #expect(allowedAnswers.contains(response.status.code), "\(Self.key(route)) answered \(response.status) to Marketing")
                if response.status == .forbidden { refused += 1 }
            }
            #expect(refused * 2 > routes.count, "most routes refuse with 403 (\(refused) of \(routes.count))")
            // Nothing was changed on the way.
            #expect(try await Account.find(account.id, on: portal.db)?.name == "Shop")
            #expect(try await AccountGroup.find(group.id, on: portal.db)?.name == "Region")
            #expect(try await Operator.find(admin.id, on: portal.db)?.status == .active)
        }
    }

    @Test func everyOpenRouteStillExists() async throws {
        try await TestPortal.run { portal in
            let registered = Set(portal.app.routes.all.map(Self.key))
            for route in Self.openToEveryone { #expect(registered.contains(route), "\(route) is listed as open but not registered") }
        }
    }
}
