
enum GroupsView {
    enum Notice: String, Sendable { case created, renamed, moved, deleted }

    struct Model: Sendable {
        struct Option: Sendable, Equatable {
            let id: String
            let label: String
        }
        struct Row: Sendable {
            let id: String
            let name: String
            let depth: Int
            let directAccounts: Int
            let totalAccounts: Int
            let mayManage: Bool
            let whyNotDeletable: String?
        }
        var rows: [Row]
        var parentOptions: [Option]
        var mayCreateTop: Bool
        var notice: Notice?
        var error: String?
    }

    /// The page that moves one group.
    struct MoveModel: Sendable {
        let id: String
        let label: String
        let targets: [Model.Option]
        let mayMoveToTop: Bool
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Groups")),
                      .p(.text("Groups and subgroups organise client accounts. An operator granted a group reaches everything below it.")))),
            .unwrap(model.notice) { notice in
                .div(.class("banner success"), .attr("role", "status"), .text("The group was \(notice.rawValue)."))
            },
            .unwrap(model.error) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .if(model.mayCreateTop || !model.parentOptions.isEmpty, createForm(model, csrfToken: csrfToken)),
            .if(model.rows.isEmpty,
                .div(.class("card empty"), .h2(.text("No groups yet")), .p(.text("Create the first group to organise accounts."))),
                else: .ul(.class("tree"), .forEach(model.rows) { row in item(row, csrfToken: csrfToken) }))
        )
    }

    private static func createForm(_ model: Model, csrfToken: String) -> Markup {
        .form(
            .class("card inline-form"), .method(.post), .action(SiteURL.groups),
            Forms.csrfField(csrfToken),
            .h2(.text("New group")),
            .div(.class("field"), .label(.for("new-group-name"), .text("Name")),
                 .input(.id("new-group-name"), .name("name"), .type(.text), .required(true))),
            .div(.class("field"), .label(.for("new-group-parent"), .text("Inside")),
                 .select(.id("new-group-parent"), .attr("name", "parent"),
                         .if(model.mayCreateTop, Forms.option(value: "", label: "Top level")),
                         .forEach(model.parentOptions) { option in Forms.option(value: option.id, label: option.label) })),
            .button(.class("button primary"), .type(.submit), .text("Create group"))
        )
    }

    private static func item(_ row: Model.Row, csrfToken: String) -> Markup {
        .li(
            .class("tree-item depth-\(min(row.depth, 8))"),
            .div(
                .class("tree-row"),
                .span(.class("tree-name"), .text(row.name)),
                .span(.class("badge"), .text("\(row.directAccounts) account\(row.directAccounts == 1 ? "" : "s")")),
                .if(row.totalAccounts != row.directAccounts,
                    .span(.class("hint"), .text("\(row.totalAccounts) with subgroups"))),
                .if(row.mayManage, .element("details", [
                    .class("tree-actions"),
                    .summary(text: "Manage"),
                    .form(.class("inline-form"), .method(.post), .action(SiteURL.renameGroup(id: row.id)),
                          Forms.csrfField(csrfToken),
                          .label(.for("rename-\(row.id)"), .text("New name")),
                          .input(.id("rename-\(row.id)"), .name("name"), .type(.text), .value(row.name), .required(true)),
                          .button(.class("button secondary"), .type(.submit), .text("Rename"))),
                    .a(.class("button secondary"), .href(SiteURL.moveGroup(id: row.id)), .text("Move…"),
                       .attr("aria-label", "Move \(row.name)")),
                    .form(.class("inline-form"), .method(.post), .action(SiteURL.deleteGroup(id: row.id)),
                          Forms.csrfField(csrfToken),
                          .button(.class("button danger"), .type(.submit),
                                  .if(row.whyNotDeletable != nil, .attr("disabled", "disabled")),
                                  .attr("aria-describedby", row.whyNotDeletable == nil ? nil : "why-\(row.id)"),
                                  .text("Delete")),
                          .unwrap(row.whyNotDeletable) { .span(.class("hint"), .id("why-\(row.id)"), .text($0)) }),
                ]))
            )
        )
    }

    static func move(_ model: MoveModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Move “\(model.label)”")),
                      .p(.text("The group moves with its subgroups and their accounts. Operators granted a group above the new place reach it from then on.")))),
            .if(model.targets.isEmpty && !model.mayMoveToTop,
                .div(.class("card empty"), .p(.text("There is no other group you manage to move it into."))),
                else: .form(
                    .class("card inline-form"), .method(.post), .action(SiteURL.moveGroup(id: model.id)),
                    Forms.csrfField(csrfToken),
                    .div(.class("field"), .label(.for("move-parent"), .text("Move into")),
                         .select(.id("move-parent"), .attr("name", "parent"),
                                 .if(model.mayMoveToTop, Forms.option(value: "", label: "Top level")),
                                 .forEach(model.targets) { option in Forms.option(value: option.id, label: option.label) })),
                    .button(.class("button primary"), .type(.submit), .text("Move group")))),
            .p(.a(.href(SiteURL.groups), .text("Back to the groups")))
        )
    }
}
