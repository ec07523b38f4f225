
enum GroupsView {
    enum Notice: Sendable, Equatable {
        case created, renamed, moved, deleted
        /// A group deleted with its contents moved; `into` names where they went.
        case deletedMoving(accounts: Int, subgroups: Int, into: String)

        var text: String {
            switch self {
            case .created: return "The group was created."
            case .renamed: return "The group was renamed."
            case .moved: return "The group was moved."
            case .deleted: return "The group was deleted."
            case .deletedMoving(let accounts, let subgroups, let into):
                let moved = [accounts > 0 ? GroupService.count(accounts, "account") : nil, subgroups > 0 ? GroupService.count(subgroups, "subgroup") : nil]
                    .compactMap { $0 }.joined(separator: " and ")
                return "Deleted the group and moved \(moved) to \(into)."
            }
        }
    }

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
        /// Groups it may move into, its current parent among them; never itself or below it.
        let targets: [Model.Option]
        /// Whether "Top level" is offered: where it is now, or a place the operator may move it to.
        let offersTop: Bool
        /// The current parent's id, or nil at the top level: preselected.
        let currentParent: String?
    }

    /// The page that renames one group.
    struct RenameModel: Sendable {
        let id: String
        /// Its place in the tree ("North › Leeds").
        let label: String
        /// The name in the field: the current one, or the one typed when it was refused.
        let name: String
        let error: String?
    }

    /// The page that deletes one group, moving what it holds in the same step.
    struct DeleteModel: Sendable {
        let id: String
        let label: String
        /// Accounts directly in it that the reader may see, and its subgroups.
        let accounts: Int
        let subgroups: Int
        /// Where its contents may go: groups outside it that the operator manages.
        let destinations: [Model.Option]
        let mayMoveToTop: Bool
        /// The destination chosen when the form comes back ("top" or a group id).
        let chosen: String?
        /// What keeps it from being deleted at all (operator grants over it).
        let blocker: String?
        let error: String?

        var isEmpty: Bool { accounts == 0 && subgroups == 0 }
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Groups")),
                      .p(.text("Groups and subgroups organise client accounts. An operator granted a group reaches everything below it.")))),
            .unwrap(model.notice) { notice in
                .div(.class("banner success"), .attr("role", "status"), .text(notice.text))
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
                    .a(.class("button secondary"), .href(SiteURL.renameGroup(id: row.id)), .text("Rename…"),
                       .attr("aria-label", "Rename \(row.name)")),
                    .a(.class("button secondary"), .href(SiteURL.moveGroup(id: row.id)), .text("Move…"),
                       .attr("aria-label", "Move \(row.name)")),
                    .unwrap(row.whyNotDeletable, { why in
                        .div(.class("disabled-action"),
                             .button(.class("button danger"), .type(.button), .attr("disabled", "disabled"),
                                     .attr("aria-describedby", "why-\(row.id)"), .text("Delete…")),
                             .span(.class("hint"), .id("why-\(row.id)"), .text(why)))
                    }, else: .a(.class("button danger"), .href(SiteURL.deleteGroup(id: row.id)), .text("Delete…"),
                                .attr("aria-label", "Delete \(row.name)"))),
                ]))
            )
        )
    }

    static func rename(_ model: RenameModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Rename “\(model.label)”")),
                      .p(.text("Its accounts, subgroups and the operators granted it stay as they are; the new name shows wherever the group is named.")))),
            .form(
                .class("card"), .method(.post), .action(SiteURL.renameGroup(id: model.id)), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.field(.init(name: "name", label: "Name", value: model.name, error: model.error,
                                  hint: "1 to 100 characters, unique among the groups beside it.", autocomplete: "off")),
                .div(.class("form-actions"),
                     .button(.class("button primary"), .type(.submit), .text("Rename group")),
                     .a(.class("button secondary"), .href(SiteURL.groups), .text("Cancel")))),
            .p(.a(.href(SiteURL.groups), .text("Back to the groups")))
        )
    }

    static func move(_ model: MoveModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Move “\(model.label)”")),
                      .p(.text("The group moves with its subgroups and their accounts. Operators granted a group above the new place reach it from then on.")))),
            .if(model.targets.allSatisfy { $0.id == model.currentParent } && (!model.offersTop || model.currentParent == nil),
                .div(.class("card empty"), .p(.text("There is no other group you manage to move it into."))),
                else: .form(
                    .class("card inline-form"), .method(.post), .action(SiteURL.moveGroup(id: model.id)),
                    Forms.csrfField(csrfToken),
                    .div(.class("field"), .label(.for("move-parent"), .text("Move into")),
                         .select(.id("move-parent"), .attr("name", "parent"),
                                 .if(model.offersTop, Forms.option(value: "", label: "Top level", selected: model.currentParent == nil)),
                                 .forEach(model.targets) { option in
                                     Forms.option(value: option.id, label: option.label + (option.id == model.currentParent ? " (where it is now)" : ""),
                                                  selected: option.id == model.currentParent)
                                 })),
                    .button(.class("button primary"), .type(.submit), .text("Move group")))),
            .p(.a(.href(SiteURL.groups), .text("Back to the groups")))
        )
    }

    static func delete(_ model: DeleteModel, csrfToken: String) -> Markup {
        let contents = [model.accounts > 0 ? GroupService.count(model.accounts, "account") : nil,
                        model.subgroups > 0 ? GroupService.count(model.subgroups, "subgroup") : nil].compactMap { $0 }.joined(separator: " and ")
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Delete “\(model.label)”")),
                      .p(.text(model.isEmpty ? "The group is empty: nothing else changes."
                                             : "It holds \(contents). Choose where they go: they move there in the same step, each move recorded in the audit log.")))),
            .unwrap(model.blocker, { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
                    else: .form(
                        .class("card"), .method(.post), .action(SiteURL.deleteGroup(id: model.id)), .novalidate(),
                        Forms.csrfField(csrfToken),
                        Forms.errorSummary(model.isEmpty ? model.error : nil),
                        .if(!model.isEmpty,
                            .div(.class("field"), .label(.for("delete-destination"), .text("Move its accounts and subgroups to")),
                                 .select(.id("delete-destination"), .attr("name", "destination"), .required(true),
                                         .attr("aria-describedby", model.error == nil ? nil : "delete-error"),
                                         Forms.option(value: "", label: "Choose a group", selected: model.chosen == nil),
                                         .if(model.mayMoveToTop, Forms.option(value: "top", label: "Top level (no group)", selected: model.chosen == "top")),
                                         .forEach(model.destinations) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.chosen) }),
                                 .unwrap(model.error) { .div(.class("error"), .id("delete-error"), .text($0)) })),
                        .div(.class("form-actions"),
                             .button(.class("button danger"), .type(.submit), .text(model.isEmpty ? "Delete group" : "Move and delete group")),
                             .a(.class("button secondary"), .href(SiteURL.groups), .text("Cancel"))))),
            .p(.a(.href(SiteURL.groups), .text("Back to the groups")))
        )
    }
}
