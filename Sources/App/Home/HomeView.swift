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

    static func render(_ model: Model) -> Markup {
        let welcome = "Welcome, " + model.operatorName
        let lead = "You are signed in to " + model.partnerName + "."
        let header: Markup = .div(.class("page-header"), .div(.h1(.text(welcome)), .p(.text(lead))))
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
                            .thead(.tr(.th(.attr("scope", "col"), .text("Role")), .th(.attr("scope", "col"), .text("Scope")))),
                            .tbody(.forEach(model.roles) { line in .tr(.td(.text(line.role)), .td(.text(line.scope))) })
                        )
                    )
                )
            )
        )
    }
}
