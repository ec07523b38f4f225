import Vapor

enum RolesView {
    struct Model: Sendable {
        struct Role: Sendable {
            let id: String
            let name: String
            let description: String
            let isBuiltIn: Bool
            let secureClearance: Bool
            let permissions: Set<Permission>
            let whileInSetup: Set<Permission>
            let holders: Int
        }
        var roles: [Role]
        var mayManage: Bool
        /// What the last change did: "Role “Support” created."
        var notice: String?
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        let custom = model.roles.filter { !$0.isBuiltIn }
        return .group(
            .div(
                .class("page-header"),
                .div(.h1(.text("Roles & permissions")),
                     .p(.text("What each role may do. The portal decides every request from these same definitions."))),
                .div(
                    .class("form-actions"),
                    .a(.class("button secondary"), .href(SiteURL.rolesMatrixCSV), .text("Download CSV")),
                    .if(model.mayManage, .a(.class("button primary"), .href(SiteURL.newRole(from: nil)), .text("New role")))
                )
            ),
            .unwrap(model.notice) { notice in
                .div(.class("banner success"), .attr("role", "status"), .text(notice))
            },
            .div(
                .class("card"),
                .h2(.text("Custom roles")),
                .if(custom.isEmpty,
                    .div(.class("empty"),
                         .p(.text("No custom roles yet. Clone a built-in role below, or start from scratch with New role."))),
                    else: roleTable(custom, mayManage: model.mayManage, csrfToken: csrfToken))
            ),
            .h2(.text("Matrix")),
            .p(.class("hint"), .text("✓ the role holds the permission · “setup” only while the account is in setup. Every role with account permissions has a Secure twin: the same permissions plus secure clearance.")),
            matrix(model.roles),
            .h2(.class("section"), .text("Built-in roles")),
            roleTable(model.roles.filter(\.isBuiltIn), mayManage: model.mayManage, csrfToken: csrfToken)
        )
    }

    private static func matrix(_ roles: [Model.Role]) -> Markup {
        .div(
            .class("table-wrap matrix"),
            .attr("tabindex", "0"),
            .attr("role", "region"),
            .ariaLabel("Roles and permissions matrix"),
            .table(
                .thead(.tr(
                    .th(.attr("scope", "col"), .text("Permission")),
                    .forEach(roles) { role in .th(.attr("scope", "col"), .text(role.name)) }
                )),
                .tbody(
                    .tr(.th(.attr("scope", "row"), .text("Secure clearance")),
                        .forEach(roles) { role in cell(role.secureClearance ? .yes : .no) }),
                    .forEach(Permission.allCases) { permission in
                        .tr(
                            .th(.attr("scope", "row"), .attr("title", permission.summary),
                                .text(permission.title), .small(.class("mono"), .text(permission.rawValue))),
                            .forEach(roles) { role in
                                cell(role.permissions.contains(permission) ? .yes : role.whileInSetup.contains(permission) ? .inSetup : .no)
                            }
                        )
                    }
                )
            )
        )
    }

    private enum Cell { case yes, inSetup, no }

    private static func cell(_ value: Cell) -> Markup {
        switch value {
        case .yes: .td(.class("yes"), .span(.attr("aria-hidden", "true"), .text("✓")), .span(.class("visually-hidden"), .text("yes")))
        case .inSetup: .td(.class("setup"), .text("setup"))
        case .no: .td(.span(.class("visually-hidden"), .text("no")))
        }
    }

    private static func roleTable(_ roles: [Model.Role], mayManage: Bool, csrfToken: String) -> Markup {
        .div(
            .class("table-wrap"),
            .table(
                .thead(.tr(
                    .th(.attr("scope", "col"), .text("Role")),
                    .th(.attr("scope", "col"), .text("Permissions")),
                    .th(.attr("scope", "col"), .text("Operators")),
                    .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions")))
                )),
                .tbody(.forEach(roles) { role in
                    .tr(
                        .td(.strong(.text(role.name)),
                            .if(role.secureClearance, .span(.class("badge brand"), .text("Secure"))),
                            .div(.class("hint"), .text(role.description))),
                        .td(.text(String(role.permissions.count + role.whileInSetup.count))),
                        .td(.text(String(role.holders))),
                        .td(.class("actions"), .if(mayManage, actions(for: role, csrfToken: csrfToken)))
                    )
                })
            )
        )
    }

    private static func actions(for role: Model.Role, csrfToken: String) -> Markup {
        .div(
            .class("form-actions inline"),
            .a(.class("button secondary"), .href(SiteURL.newRole(from: role.id)), .text("Clone"), .ariaLabel("Clone \(role.name)")),
            .if(!role.isBuiltIn, .group(
                .a(.class("button secondary"), .href(SiteURL.editRole(id: role.id)), .text("Edit"), .ariaLabel("Edit \(role.name)")),
                .form(
                    .method(.post), .action(SiteURL.deleteRole(id: role.id)),
                    Forms.csrfField(csrfToken),
                    .button(.class("button danger"), .type(.submit), .ariaLabel("Delete \(role.name)"),
                            .if(role.holders > 0, .group(.attr("disabled", "disabled"),
                                                           .attr("title", "Still held by \(role.holders) operator grant(s)"))),
                            .text("Delete"))
                )
            ))
        )
    }
}

enum RoleEditorView {
    struct Model: Sendable {
        var roleID: String?
        var name: String
        var description: String
        var permissions: Set<Permission>
        var secureClearance: Bool
        var error: String?

        var title: String { roleID == nil ? "New role" : "Edit role" }

        var input: RoleService.Input {
            .init(name: name, description: description, permissions: permissions, secureClearance: secureClearance)
        }

        func with(error: String) -> Model {
            var copy = self
            copy.error = error
            return copy
        }

        init(roleID: String?, name: String, description: String, permissions: Set<Permission>, secureClearance: Bool, error: String?) {
            self.roleID = roleID
            self.name = name
            self.description = description
            self.permissions = permissions
            self.secureClearance = secureClearance
            self.error = error
        }

        /// Reads the submitted form; unchecked boxes are simply absent.
        init(decoding request: Request, roleID: String?) throws {
            struct Form: Content {
                var name: String?
                var description: String?
                var permissions: [String]?
                var secureClearance: String?
                enum CodingKeys: String, CodingKey {
                    case name, description
                    case permissions
                    case secureClearance = "secure_clearance"
                }
            }
            let form = try request.content.decode(Form.self)
            self.init(roleID: roleID, name: form.name ?? "", description: form.description ?? "",
                      permissions: Set((form.permissions ?? []).compactMap(Permission.init(rawValue:))),
                      secureClearance: form.secureClearance != nil, error: nil)
        }
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        let action = model.roleID.map { SiteURL.role(id: $0) } ?? SiteURL.roles
        return .group(
            .div(.class("page-header"), .div(.h1(.text(model.title)),
                                             .p(.text("Choose what the role may do. You can only give permissions you hold yourself.")))),
            .form(
                .class("card"), .method(.post), .action(action), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.error),
                Forms.field(.init(name: "name", label: "Name", value: model.name, autofocus: true)),
                Forms.field(.init(name: "description", label: "Description", value: model.description, required: false)),
                .div(.class("field checkbox"),
                     .input(.type(.checkbox), .id("field-secure"), .name("secure_clearance"), .value("on"), .checked(model.secureClearance)),
                     .label(.for("field-secure"), .text("Secure clearance: may act on secure accounts"))),
                permissionGroup("Partner-wide", Permission.partnerLevel, selected: model.permissions),
                permissionGroup("On client accounts", Permission.accountLevel, selected: model.permissions),
                .div(.class("form-actions"),
                     .button(.class("button primary"), .type(.submit), .text(model.roleID == nil ? "Create role" : "Save role")),
                     .a(.class("button secondary"), .href(SiteURL.roles), .text("Cancel")))
            )
        )
    }

    private static func permissionGroup(_ legend: String, _ permissions: [Permission], selected: Set<Permission>) -> Markup {
        .fieldset(
            .class("permissions"),
            .legend(text: legend),
            .forEach(permissions) { permission in
                let id = "perm-" + permission.rawValue.replacingOccurrences(of: ".", with: "-")
                return .div(.class("checkbox"),
                            .input(.type(.checkbox), .id(id), .name("permissions[]"), .value(permission.rawValue), .checked(selected.contains(permission)),
                                   .attr("aria-describedby", id + "-summary")),
                            .label(.for(id), .text(permission.title), .small(.class("mono"), .text(" " + permission.rawValue)),
                                   .small(.class("summary"), .id(id + "-summary"), .text(permission.summary))))
            }
        )
    }
}
