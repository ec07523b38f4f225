import Plot
import Vapor

/// `GET /`: the signed-in operator's start page.
enum HomeController {
    static func show(_ request: Request) async throws -> Response {
        let signedIn = try request.requireSignedIn()
        let partner = try request.partner
        let actor = try await request.actor()
        let model = HomeView.Model(
            operatorName: signedIn.name,
            partnerName: partner.name,
            roles: actor.grants.map { grant in
                .init(role: grant.role.name, scope: HomeView.describe(scope: grant.scope))
            },
            permissionCount: actor.grants.reduce(into: Set<Permission>()) { $0.formUnion($1.role.allPermissions) }.count
        )
        return await request.page("Home", current: .home, content: HomeView.render(model))
    }
}

enum HomeView {
    struct Model: Sendable, Equatable {
        struct RoleLine: Sendable, Equatable {
            let role: String
            let scope: String
        }
        var operatorName: String
        var partnerName: String
        var roles: [RoleLine]
        var permissionCount: Int

        static let mock = Model(operatorName: "Ada Admin", partnerName: "Acme Partners",
                                roles: [.init(role: "Admin", scope: "All accounts")], permissionCount: 41)
    }

    static func describe(scope: Scope) -> String {
        switch scope {
        case .all: "All accounts"
        case .group: "One group and its subgroups"
        case .account: "One account"
        case .assigned: "Assigned accounts"
        }
    }

    static func render(_ model: Model) -> Node<HTML.BodyContext> {
        let welcome = "Welcome, " + model.operatorName
        let lead = "You are signed in to " + model.partnerName + "."
        let header: Node<HTML.BodyContext> = .div(.class("page-header"), .div(.h1(.text(welcome)), .p(.text(lead))))
        return .group(
            header,
            .div(
                .class("grid"),
                .div(.class("stat"), .div(.class("label"), .text("Roles")), .div(.class("value"), .text(String(model.roles.count)))),
                .div(.class("stat"), .div(.class("label"), .text("Permissions")), .div(.class("value"), .text(String(model.permissionCount))))
            ),
            .div(
                .class("card"),
                .h2(.text("Your access")),
                .if(model.roles.isEmpty,
                    .div(.class("empty"), .h3(.text("No roles yet")), .p(.text("An admin can grant you a role."))),
                    else: .div(
                        .class("table-wrap"),
                        .table(
                            .thead(.tr(.th(.attribute(named: "scope", value: "col"), .text("Role")), .th(.attribute(named: "scope", value: "col"), .text("Scope")))),
                            .tbody(.forEach(model.roles) { line in .tr(.td(.text(line.role)), .td(.text(line.scope))) })
                        )
                    )
                )
            )
        )
    }
}
