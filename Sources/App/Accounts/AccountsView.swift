import Foundation

/// The client accounts list and the new-account form.
enum AccountsView {
    struct Option: Sendable, Equatable {
        let id: String
        let label: String
    }

    struct ListModel: Sendable {
        var filter: AccountDirectory.Filter
        var counts: [AccountDirectory.Status: Int]
        var rows: [AccountDirectory.Row]
        var next: UUID?
        var isFirstPage: Bool
        var groupPaths: GroupPaths
        var groupOptions: [Option]
        var planOptions: [String]
        var operatorOptions: [Option]
        var mayCreate: Bool
        var mayExport: Bool
        /// Bulk actions offered: tag and assign (each account is still decided on its own).
        var mayTag: Bool
        var mayAssign: Bool
        var notice: String?
        /// Contact details beside each name; not for readers of messages alone.
        var showsDetails = true
    }

    /// The query string of `filter`, to link to another page or status of the same list.
    static func query(_ filter: AccountDirectory.Filter, status: AccountDirectory.Status?? = nil, after: UUID? = nil) -> String {
        var items: [(String, String)] = []
        if !filter.search.isEmpty { items.append(("q", filter.search)) }
        if let status = status ?? filter.status { items.append(("status", status.rawValue)) }
        func flag(_ key: String, _ value: Bool?) { if let value { items.append((key, value ? "yes" : "no")) } }
        flag("locked", filter.locked)
        flag("setup", filter.setupCompleted)
        flag("secure", filter.secure)
        flag("template", filter.template)
        if let group = filter.groupID { items.append(("group", group.uuidString.lowercased())) }
        if filter.mine { items.append(("mine", "1")) }
        if let tag = filter.tag { items.append(("tag", tag)) }
        if let plan = filter.plan { items.append(("plan", plan)) }
        if let op = filter.operatorID { items.append(("operator", op.uuidString.lowercased())) }
        if filter.sort != .name { items.append(("sort", filter.sort.rawValue)) }
        if let after { items.append(("after", after.uuidString.lowercased())) }
        let encoded = items.map { "\($0.0)=\($0.1.urlQueryEscaped)" }
        return encoded.isEmpty ? "" : "?" + encoded.joined(separator: "&")
    }

    private static func bulkBar(_ model: ListModel) -> Markup {
        .if(model.mayTag || model.mayAssign,
            .div(.class("bulk-bar"),
                 .div(.class("field"), .label(.for("bulk-action"), .text("With the selected accounts")),
                      .select(.id("bulk-action"), .attr("name", "action"),
                              .if(model.mayTag, Forms.option(value: "tag", label: "Add the tag")),
                              .if(model.mayAssign, Forms.option(value: "assign", label: "Assign the operator")))),
                 .if(model.mayTag, .div(.class("field"), .label(.for("bulk-tag"), .text("Tag")),
                                        .input(.id("bulk-tag"), .name("tag"), .type(.text), .attr("autocomplete", "off")))),
                 .if(model.mayAssign, .div(.class("field"), .label(.for("bulk-operator"), .text("Operator")),
                                           .select(.id("bulk-operator"), .attr("name", "operator"),
                                                   .forEach(model.operatorOptions) { Forms.option(value: $0.id, label: $0.label) }))),
                 .button(.class("button secondary"), .type(.submit), .text("Apply"))))
    }

    static func list(_ model: ListModel, csrfToken: String) -> Markup {
        let filter = model.filter
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Client accounts")), .p(.text("Every account you may see, with what needs attention."))),
                 .div(.class("actions"),
                      .if(model.mayExport, .a(.class("button secondary"), .href(.site(.accountsExport, query: query(filter))),
                                              .attr("download", "accounts.csv"), .text("Export CSV"))),
                      .if(model.mayCreate, .a(.class("button primary"), .href(SiteURL.newAccount), .text("New account"))))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .div(.class("grid"),
                 .forEach(AccountDirectory.Status.allCases) { status in
                     .a(.class("stat"), .href(.site(.accounts, query: query(filter, status: .some(status)))),
                        .if(filter.status == status, .attr("aria-current", "true")),
                        .div(.class("label"), .text(status.title)),
                        .div(.class("value"), .text(String(model.counts[status] ?? 0))))
                 }),
            filterForm(model),
            .if(model.rows.isEmpty,
                .div(.class("card empty"), .h2(.text("No accounts match")), .p(.text("Change the search or the filters."))),
                else: rowsForm(model, csrfToken: csrfToken)),
            .div(.class("pager"),
                 .if(!model.isFirstPage, .a(.class("button secondary"), .href(.site(.accounts, query: query(filter))), .text("First page"))),
                 .unwrap(model.next) { next in
                     .a(.class("button secondary"), .attr("rel", "next"),
                        .href(.site(.accounts, query: query(filter, after: next))), .text("Next page"))
                 })
        )
    }

    private static func rowsForm(_ model: ListModel, csrfToken: String) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        return .form(.id("bulk"), .method(.post), .action(.site(.accountsBulk, query: query(model.filter))), Forms.csrfField(csrfToken),
                     bulkBar(model),
                     .div(.class("table-wrap"), .table(
                        .thead(.tr(.th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Select"))),
                                   header("Account"), header("Business UID"), header("Group"), header("State"), header("Created"), header("Last activity"))),
                        .tbody(.forEach(model.rows) { tableRow($0, groupPaths: model.groupPaths, showsDetails: model.showsDetails) }))))
    }

    private static func tableRow(_ row: AccountDirectory.Row, groupPaths: GroupPaths, showsDetails: Bool) -> Markup {
        let checkbox: Markup = .input(.type(.checkbox), .name("accounts[]"), .value(row.businessUID),
                                                      .id("select-\(row.businessUID)"), .attr("aria-label", "Select \(row.name)"))
        let name: Markup = .group(.a(.href(SiteURL.account(uid: row.businessUID)), .strong(.text(row.name))),
                                                  .if(showsDetails, .group(.br(), .small(.text(row.email)))))
        let created = row.createdAt.map { $0.formatted(date: .abbreviated, time: .omitted) } ?? "—"
        let active = row.lastActivityAt.map { $0.formatted(date: .abbreviated, time: .omitted) } ?? "Never"
        return .tr(.td(checkbox), .td(name), .td(.code(text: row.businessUID)),
                   .td(.text(groupPaths.label(of: row.groupID) ?? "—")), .td(badges(row)), .td(.text(created)), .td(.text(active)))
    }

    static func badges(_ row: AccountDirectory.Row) -> Markup {
        .group(
            .if(row.locked, .span(.class("badge danger"), .text("Locked"))),
            .if(!row.setupCompleted, .span(.class("badge warning"), .text("In setup"))),
            .if(row.secure, .span(.class("badge"), .text("Secure"))),
            .if(row.isTemplate, .span(.class("badge"), .text("Template"))),
            .if(row.setupCompleted && !row.locked, .span(.class("badge success"), .text("Set up")))
        )
    }

    private static func filterForm(_ model: ListModel) -> Markup {
        let filter = model.filter
        func choice(_ name: String, _ label: String, _ value: Bool?, yes: String, no: String) -> Markup {
            .div(.class("field"), .label(.for(name), .text(label)),
                 .select(.id(name), .attr("name", name),
                         Forms.option(value: "", label: "Any", selected: value == nil),
                         Forms.option(value: "yes", label: yes, selected: value == true),
                         Forms.option(value: "no", label: no, selected: value == false)))
        }
        return .form(
            .class("card inline-form filters"), .method(.get), .action(SiteURL.accounts),
            .div(.class("field"), .label(.for("q"), .text("Search")),
                 .input(.id("q"), .name("q"), .type(.search), .value(filter.search),
                        .placeholder(filter.namesOnly ? "Name, UID, nickname" : "Name, email, phone, UID, nickname, owner, tag"))),
            .div(.class("field"), .label(.for("status"), .text("Status")),
                 .select(.id("status"), .attr("name", "status"),
                         Forms.option(value: "", label: "Any", selected: filter.status == nil),
                         .forEach(AccountDirectory.Status.allCases) { Forms.option(value: $0.rawValue, label: $0.title, selected: $0 == filter.status) })),
            choice("locked", "Locked", filter.locked, yes: "Locked", no: "Not locked"),
            choice("setup", "Setup", filter.setupCompleted, yes: "Set up", no: "In setup"),
            choice("secure", "Secure", filter.secure, yes: "Secure", no: "Not secure"),
            choice("template", "Template", filter.template, yes: "Templates", no: "Not templates"),
            .if(!model.groupOptions.isEmpty,
                .div(.class("field"), .label(.for("group"), .text("Group")),
                     .select(.id("group"), .attr("name", "group"),
                             Forms.option(value: "", label: "Any", selected: filter.groupID == nil),
                             .forEach(model.groupOptions) { option in
                                 Forms.option(value: option.id, label: option.label, selected: option.id == filter.groupID?.uuidString.lowercased())
                             }))),
            .div(.class("field"), .label(.for("plan"), .text("Plan")),
                 .select(.id("plan"), .attr("name", "plan"),
                         Forms.option(value: "", label: "Any", selected: filter.plan == nil),
                         .forEach(model.planOptions) { Forms.option(value: $0, label: $0, selected: $0 == filter.plan) },
                         Forms.option(value: AccountDirectory.noPlan, label: "No plan", selected: filter.plan == AccountDirectory.noPlan))),
            .div(.class("field"), .label(.for("operator"), .text("Assigned to")),
                 .select(.id("operator"), .attr("name", "operator"),
                         Forms.option(value: "", label: "Anyone", selected: filter.operatorID == nil),
                         .forEach(model.operatorOptions) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == filter.operatorID?.uuidString.lowercased()) })),
            .div(.class("field"), .label(.for("sort"), .text("Sort")),
                 .select(.id("sort"), .attr("name", "sort"),
                         .forEach(AccountDirectory.Sort.allCases) { Forms.option(value: $0.rawValue, label: $0.title, selected: $0 == filter.sort) })),
            .div(.class("field"), .label(.for("tag"), .text("Tag")),
                 .input(.id("tag"), .name("tag"), .type(.text), .value((filter.tag ?? "")))),
            .div(.class("field checkbox"),
                 .input(.type(.checkbox), .id("mine"), .name("mine"), .value("1"), .checked(filter.mine)),
                 .label(.for("mine"), .text("My Accounts"))),
            .button(.class("button secondary"), .type(.submit), .text("Filter"))
        )
    }

    struct NewModel: Sendable {
        var name: String
        var email: String
        var ownerName: String
        var phone: String
        var group: String
        var template: String
        var secure: Bool
        var groupOptions: [Option]
        var templateOptions: [Option]
        var mayMarkSecure: Bool
        var errors: OperatorInput.Errors
        var message: String?
    }

    static func new(_ model: NewModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("New account")), .p(.text("Blank, or from a template: its plan, staff slots, tags and group are copied; never staff, activity, notes or history."))),
                 .a(.class("button secondary"), .href(SiteURL.accounts), .text("All accounts"))),
            .form(.class("card"), .method(.post), .action(SiteURL.accounts), .novalidate(),
                  Forms.csrfField(csrfToken),
                  Forms.errorSummary(model.message ?? (model.errors.isEmpty ? nil : "Correct the fields marked below.")),
                  .if(!model.templateOptions.isEmpty,
                      .div(.class("field"), .label(.for("field-template"), .text("Template")),
                           .select(.id("field-template"), .attr("name", "template"),
                                   Forms.option(value: "", label: "None: a blank account", selected: model.template.isEmpty),
                                   .forEach(model.templateOptions) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.template) }))),
                  Forms.field(.init(name: "name", label: "Business name", value: model.name, error: model.errors["name"], autocomplete: "organization")),
                  Forms.field(.init(name: "owner_name", label: "Owner's name (optional)", value: model.ownerName, error: model.errors["ownerName"],
                                    autocomplete: "name", required: false)),
                  Forms.field(.init(name: "email", label: "Owner's email", type: .email, value: model.email, error: model.errors["email"],
                                    hint: "The owner signs in with this address.", autocomplete: "email")),
                  Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: model.phone, error: model.errors["phone"],
                                    autocomplete: "tel", required: false)),
                  .if(!model.groupOptions.isEmpty,
                      .div(.class("field"), .label(.for("field-group"), .text("Group")),
                           .select(.id("field-group"), .attr("name", "group"),
                                   Forms.option(value: "", label: "No group (or the template's)", selected: model.group.isEmpty),
                                   .forEach(model.groupOptions) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.group) }))),
                  .if(model.mayMarkSecure,
                      .div(.class("field checkbox"),
                           .input(.type(.checkbox), .id("field-secure"), .name("secure"), .value("1"), .checked(model.secure)),
                           .label(.for("field-secure"), .text("Secure: only operators with a Secure role may act on it")))),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Create account"))))
        )
    }
}
