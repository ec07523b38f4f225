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
        /// Whether the reader may see any group, and so filter by one.
        var offersGroupFilter: Bool
        var planOptions: [String]
        /// The operator of the "Assigned to" filter in force.
        var assignee: FilterChoice?
        var mayCreate: Bool
        var mayExport: Bool
        /// The bulk control: the actions offered (each account is still decided on its own).
        var bulk: BulkView.Toolbar
        var notice: String?
        /// Contact details beside each name; not for readers of messages alone.
        var showsDetails = true
        /// Whether the reader may import accounts from a CSV file.
        var mayImport = false
        /// How many accounts the filter lists; nil while a filter value is not valid.
        var total: Int? = nil
        /// Set when a search matches more accounts than this and none were counted (the
        /// header counts and the total are then not shown as numbers).
        var moreThan: Int? = nil
        /// The position of the first row in the list (1-based); nil when not known.
        var start: Int? = nil
        /// Pass as `before` for the previous page; nil on the first.
        var previous: UUID? = nil
        /// A message next to each filter whose value is not valid, and those values as typed.
        var errors: [String: String] = [:]
        var rejected: [String: String] = [:]
        /// Secure accounts in the reader's scope that their roles do not let them see.
        var hiddenSecure = 0
        /// The moment the rows' statuses are read at, as the header counts were.
        var now = Date()
        /// Accounts on a full page.
        var pageSize = 50
    }

    /// The query string of `filter`, to link to another page or status of the same list;
    /// `rejected` keeps values that are not valid, as typed, until they are removed.
    static func query(_ filter: AccountDirectory.Filter, status: AccountDirectory.Status?? = nil, after: UUID? = nil, before: UUID? = nil,
                      last: Bool = false, start: Int? = nil, rejected: [String: String] = [:]) -> String {
        var items: [(String, String)] = AccountListQuery.keys.compactMap { key in rejected[key].map { (key, $0) } }
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
        if let before { items.append(("before", before.uuidString.lowercased())) }
        if last { items.append(("page", "last")) }
        if let start { items.append(("start", String(start))) }
        let encoded = items.map { "\($0.0)=\($0.1.urlQueryEscaped)" }
        return encoded.isEmpty ? "" : "?" + encoded.joined(separator: "&")
    }

    static func list(_ model: ListModel, csrfToken: String) -> Markup {
        let filter = model.filter
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Client accounts")), .p(.text("Every account you may see, with what needs attention."))),
                 .div(.class("actions"),
                      .if(model.mayExport, .a(.class("button secondary"), .href(.site(.accountsExport, query: query(filter))),
                                              .attr("download", "accounts.csv"), .text("Export CSV"))),
                      .if(model.mayImport, .a(.class("button secondary"), .href(.newImport(.accounts)), .text("Import CSV"))),
                      .if(model.mayCreate, .a(.class("button primary"), .href(SiteURL.newAccount), .text("New account"))))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            BulkView.operations(model.bulk, listsRows: !model.rows.isEmpty),
            secureNotice(model.hiddenSecure),
            .if(model.errors.isEmpty,
                .div(.class("grid account-counts"),
                     .forEach(AccountDirectory.Status.allCases) { status in
                         .a(.class("stat"), .href(.site(.accounts, query: query(filter, status: .some(status)))),
                            .if(filter.status == status, .attr("aria-current", "true")),
                            .div(.class("label"), .text(status.title)),
                            .div(.class("value"), model.moreThan == nil ? .text(number(model.counts[status] ?? 0))
                                 : .group(.span(.attr("aria-hidden", "true"), .text("—")), .span(.class("visually-hidden"), .text("not counted")))))
                     })),
            filterForm(model),
            chips(model),
            .if(!model.errors.isEmpty,
                .div(.class("card empty"), .h2(.text("No accounts shown")),
                     .p(.text("A filter value is not valid. Correct it next to its control, or remove it above."))),
                else: .if(model.rows.isEmpty,
                          .div(.class("card empty"), .h2(.text("No accounts match")), .p(.text("Change the search or the filters."))),
                          else: .group(summary(model), rowsForm(model, csrfToken: csrfToken)))),
            pager(model),
            FilterPicker.script
        )
    }

    /// A number as people read it ("2,000").
    static func number(_ value: Int) -> String { value.formatted(.number.locale(Locale(identifier: "en_US"))) }

    /// "N secure accounts need a Secure role": the reader's scope holds secure accounts their
    /// roles do not let them see. Only the number; nothing else about those accounts.
    private static func secureNotice(_ hidden: Int) -> Markup {
        .if(hidden > 0,
            .div(.class("banner info secure-notice"), .attr("role", "note"),
                 .strong(.text(hidden == 1 ? "1 secure account needs a Secure role" : "\(number(hidden)) secure accounts need a Secure role")),
                 .text(hidden == 1 ? ". It is in your scope, but only a Secure variant of your role shows it: ask an admin if you need it."
                                   : ". They are in your scope, but only a Secure variant of your role shows them: ask an admin if you need them.")))
    }

    /// "51–100 of 2,000 accounts", read out when the page changes.
    private static func summary(_ model: ListModel) -> Markup {
        if let cap = model.moreThan {
            let of = "of more than \(number(cap)) accounts"
            let text: String
            if let start = model.start {
                let end = start + model.rows.count - 1
                text = start == end ? "\(number(start)) \(of)" : "\(number(start))–\(number(end)) \(of)"
            } else {
                text = "\(number(model.rows.count)) shown \(of)"
            }
            return .group(.p(.class("list-summary"), .id("list-position"), .text(text)),
                          .p(.class("hint"), .text("More than \(number(cap)) accounts match this search, so they are not counted: narrow it to see the counts.")))
        }
        return .unwrap(model.total) { total in
            let noun = total == 1 ? "account" : "accounts"
            let text: String
            if let start = model.start {
                let end = start + model.rows.count - 1
                text = start == end ? "\(number(start)) of \(number(total)) \(noun)" : "\(number(start))–\(number(end)) of \(number(total)) \(noun)"
            } else {
                text = "\(number(model.rows.count)) shown of \(number(total)) \(noun)"
            }
            return .p(.class("list-summary"), .id("list-position"), .text(text))
        }
    }

    /// First, previous, next and last pages; the ones that lead nowhere are shown, not linked.
    private static func pager(_ model: ListModel) -> Markup {
        let filter = model.filter, rejected = model.rejected
        guard model.errors.isEmpty, model.previous != nil || model.next != nil else { return .empty }
        func link(_ label: String, _ rel: String?, _ query: String?) -> Markup {
            guard let query else { return .span(.class("button secondary disabled"), .attr("aria-disabled", "true"), .text(label)) }
            return .a(.class("button secondary"), .attr("rel", rel), .href(.site(.accounts, query: query)), .text(label))
        }
        let previousStart = model.start.map { max($0 - model.pageSize, 1) }
        let nextStart = model.start.map { $0 + model.rows.count }
        return .nav(.class("pager"), .ariaLabel("Pages of accounts"),
                    link("First page", "first", model.previous == nil ? nil : query(filter, rejected: rejected)),
                    link("Previous page", "prev", model.previous.map { query(filter, before: $0, start: previousStart, rejected: rejected) }),
                    link("Next page", "next", model.next.map { query(filter, after: $0, start: nextStart, rejected: rejected) }),
                    link("Last page", "last", model.next == nil ? nil : query(filter, last: true, rejected: rejected)))
    }

    /// A chip for each filter in force (a wrong value too), each a link to the same list
    /// without that one filter.
    private static func chips(_ model: ListModel) -> Markup {
        let filter = model.filter
        var chips: [(label: String, query: String, isError: Bool)] = []
        func add(_ label: String, _ change: (inout AccountDirectory.Filter) -> Void) {
            var without = filter
            change(&without)
            chips.append((label, query(without, rejected: model.rejected), false))
        }
        func yesNo(_ value: Bool?, _ yes: String, _ no: String) -> String? { value.map { $0 ? yes : no } }
        if !filter.search.isEmpty { add("Search: \(filter.search)") { $0.search = "" } }
        if let status = filter.status { add("Status: \(status.title)") { $0.status = nil } }
        if let text = yesNo(filter.locked, "Locked", "Not locked") { add(text) { $0.locked = nil } }
        if let text = yesNo(filter.setupCompleted, "Set up", "In setup") { add("Setup: \(text)") { $0.setupCompleted = nil } }
        if let text = yesNo(filter.secure, "Secure", "Not secure") { add(text) { $0.secure = nil } }
        if let text = yesNo(filter.template, "Templates", "Not templates") { add(text) { $0.template = nil } }
        if let group = filter.groupID { add("Group: \(model.groupPaths.label(of: group) ?? "—")") { $0.groupID = nil } }
        if filter.mine { add("My Accounts") { $0.mine = false } }
        if let tag = filter.tag { add("Tag: \(tag)") { $0.tag = nil } }
        if let plan = filter.plan { add("Plan: \(plan == AccountDirectory.noPlan ? "No plan" : plan)") { $0.plan = nil } }
        if let id = filter.operatorID?.uuidString.lowercased() {
            add("Assigned to: \(model.assignee.flatMap { $0.id.uuidString.lowercased() == id ? $0.label : nil } ?? "—")") { $0.operatorID = nil }
        }
        for key in AccountListQuery.keys where model.rejected[key] != nil {
            var rest = model.rejected
            rest[key] = nil
            chips.append(("\(filterTitles[key] ?? key): \(model.rejected[key] ?? "") (not valid)", query(filter, rejected: rest), true))
        }
        guard !chips.isEmpty else { return .empty }
        var cleared = AccountDirectory.Filter()
        cleared.sort = filter.sort
        return .div(.class("chips"), .attr("aria-label", "Filters in force"), .attr("role", "group"),
                    .forEach(chips) { chip in
                        .a(.class(chip.isError ? "chip error" : "chip"), .href(.site(.accounts, query: chip.query)),
                           .span(.class("visually-hidden"), .text("Remove filter ")), .text(chip.label),
                           .span(.class("chip-remove"), .attr("aria-hidden", "true"), .text("×")))
                    },
                    .if(chips.count > 1, .a(.class("chip-clear"), .href(.site(.accounts, query: query(cleared))), .text("Clear all filters"))))
    }

    /// The controls' names, for the chip of a value that is not valid.
    private static let filterTitles = ["q": "Search", "status": "Status", "locked": "Locked", "setup": "Setup", "secure": "Secure",
                                       "template": "Template", "group": "Group", "mine": "My Accounts", "tag": "Tag", "plan": "Plan",
                                       "operator": "Assigned to", "sort": "Sort"]

    private static func rowsForm(_ model: ListModel, csrfToken: String) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        return .form(.id("bulk"), .method(.post), .action(.site(.accountsBulk, query: query(model.filter))), Forms.csrfField(csrfToken),
                     BulkView.toolbar(model.bulk, matching: model.moreThan == nil ? (model.total ?? 0) : nil, pageUIDs: model.rows.map(\.businessUID)),
                     .div(.class("table-wrap"), .table(
                        .thead(.tr(.th(.attr("scope", "col"), BulkView.selectAllOnPage(model.bulk, uids: model.rows.map(\.businessUID))),
                                   header("Account"), header("Business UID"), header("Group"), header("State"), header("Created"), header("Last activity"))),
                        .tbody(.forEach(model.rows) { tableRow($0, groupPaths: model.groupPaths, showsDetails: model.showsDetails, now: model.now, bulk: model.bulk) }))))
    }

    private static func tableRow(_ row: AccountDirectory.Row, groupPaths: GroupPaths, showsDetails: Bool, now: Date,
                                 bulk: BulkView.Toolbar) -> Markup {
        let checkbox = BulkView.checkbox(uid: row.businessUID, name: row.name, bulk)
        let name: Markup = .group(.a(.href(SiteURL.account(uid: row.businessUID)), .strong(.text(row.name))),
                                  .if(showsDetails, .small(.text(row.email))))
        let created = row.createdAt.map { DisplayDate.text($0) } ?? "—"
        let active = row.lastActivityAt.map { DisplayDate.text($0) } ?? "Never"
        return .tr(.td(checkbox), .td(name), .td(.code(text: row.businessUID)),
                   .td(.text(groupPaths.label(of: row.groupID) ?? "—")), .td(state(row, now: now)), .td(.text(created)), .td(.text(active)))
    }

    /// The row's status by the header counts' own rule, then what else marks it.
    private static func state(_ row: AccountDirectory.Row, now: Date) -> Markup {
        let status = AccountDirectory.status(of: row, now: now)
        let tone = switch status {
        case .locked: "badge danger"
        case .inSetup: "badge warning"
        case .active, .new: "badge success"
        case .inactive: "badge"
        }
        return .group(.span(.class(tone + " state"), .text(status.title)),
                      .if(row.secure, .span(.class("badge"), .text("Secure"))),
                      .if(row.isTemplate, .span(.class("badge"), .text("Template"))))
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

    /// The filters behind "More filters": every one but the search, My Accounts and the order.
    static let moreFilterKeys: Set<String> = ["status", "locked", "setup", "secure", "template", "group", "tag", "plan", "operator"]

    /// The search, My Accounts and the order in sight; the other filters folded away under
    /// "More filters" (a `<details>`, so it opens without JavaScript), open when one of them
    /// is in force or not valid. Each value that is not valid has its message beside it.
    private static func filterForm(_ model: ListModel) -> Markup {
        let filter = model.filter
        func described(_ id: String) -> Markup {
            .group(.attr("aria-invalid", model.errors[id] == nil ? nil : "true"),
                   .attr("aria-describedby", model.errors[id] == nil ? nil : "\(id)-error"))
        }
        func error(_ id: String) -> Markup { .unwrap(model.errors[id]) { .div(.class("error"), .id("\(id)-error"), .text($0)) } }
        func select(_ id: String, _ label: String, _ options: Markup) -> Markup {
            .div(.class("field"), .label(.for(id), .text(label)), .select(.id(id), .attr("name", id), described(id), options), error(id))
        }
        func choice(_ name: String, _ label: String, _ value: Bool?, yes: String, no: String) -> Markup {
            select(name, label, .group(Forms.option(value: "", label: "Any", selected: value == nil),
                                       Forms.option(value: "yes", label: yes, selected: value == true),
                                       Forms.option(value: "no", label: no, selected: value == false)))
        }
        let inForce = [filter.status != nil, filter.locked != nil, filter.setupCompleted != nil, filter.secure != nil, filter.template != nil,
                       filter.groupID != nil, filter.tag != nil, filter.plan != nil, filter.operatorID != nil].filter { $0 }.count
            + model.rejected.keys.filter(moreFilterKeys.contains).count
        let opens = inForce > 0
        return .form(
            .class("card filters"), .id("filters"), .method(.get), .action(SiteURL.accounts), .novalidate(),
            Forms.errorSummary(model.errors.isEmpty ? nil : "A filter value is not valid: see the message next to it."),
            .div(.class("inline-form filters-main"),
                 .div(.class("field search"), .label(.for("q"), .text("Search")),
                      .input(.id("q"), .name("q"), .type(.search), .value(model.rejected["q"] ?? filter.search), described("q"),
                             .placeholder(filter.namesOnly ? "Name, UID, nickname" : "Name, email, phone, UID, nickname, owner, tag")),
                      error("q")),
                 .div(.class("field checkbox"),
                      .input(.type(.checkbox), .id("mine"), .name("mine"), .value("1"), .checked(filter.mine), described("mine")),
                      .label(.for("mine"), .text("My Accounts")), error("mine")),
                 select("sort", "Sort", .forEach(AccountDirectory.Sort.allCases) { Forms.option(value: $0.rawValue, label: $0.title, selected: $0 == filter.sort) }),
                 .button(.class("button secondary"), .type(.submit), .text("Filter"))),
            .details(.class("more-filters"), .open(opens),
                     .summary(.text("More filters"), .if(inForce > 0, .span(.class("badge"), .text("\(inForce) in force")))),
                     .div(.class("inline-form"),
                          select("status", "Status", .group(
                              Forms.option(value: "", label: "Any", selected: filter.status == nil),
                              .forEach(AccountDirectory.Status.allCases) { Forms.option(value: $0.rawValue, label: $0.title, selected: $0 == filter.status) })),
                          choice("locked", "Locked", filter.locked, yes: "Locked", no: "Not locked"),
                          choice("setup", "Setup", filter.setupCompleted, yes: "Set up", no: "In setup"),
                          choice("secure", "Secure", filter.secure, yes: "Secure", no: "Not secure"),
                          choice("template", "Template", filter.template, yes: "Templates", no: "Not templates"),
                          .if(model.offersGroupFilter || model.errors["group"] != nil,
                              FilterPicker.field(.init(
                                  name: "group", label: "Group", anyLabel: "Any group", placeholder: "Type a group's name",
                                  chosen: filter.groupID.map { .init(FilterChoice(id: $0, label: model.groupPaths.label(of: $0) ?? "—")) },
                                  suggestions: .groupSuggestions,
                                  fallback: .link(choicesLink(.accountsGroupChoices, model, without: \.groupID), "Choose from every group"),
                                  error: model.errors["group"]))),
                          select("plan", "Plan", .group(
                              Forms.option(value: "", label: "Any", selected: filter.plan == nil),
                              .forEach(model.planOptions) { Forms.option(value: $0, label: $0, selected: $0 == filter.plan) },
                              Forms.option(value: AccountDirectory.noPlan, label: "No plan", selected: filter.plan == AccountDirectory.noPlan))),
                          FilterPicker.field(.init(
                              name: "operator", label: "Assigned to", anyLabel: "Anyone", placeholder: "Type an operator's name",
                              chosen: model.assignee.map(FilterPicker.Chosen.init), suggestions: .assigneeSuggestions,
                              fallback: .link(choicesLink(.accountsAssigneeChoices, model, without: \.operatorID), "Choose from every operator"),
                              error: model.errors["operator"])),
                          .div(.class("field"), .label(.for("tag"), .text("Tag")),
                               .input(.id("tag"), .name("tag"), .type(.text), .value(model.rejected["tag"] ?? filter.tag ?? ""), described("tag")),
                               error("tag")),
                          .button(.class("button secondary"), .type(.submit), .text("Apply filters"))))
        )
    }

    /// The page of every choice of a filter, carrying the list's other filters.
    private static func choicesLink(_ page: SiteURL, _ model: ListModel, without key: WritableKeyPath<AccountDirectory.Filter, UUID?>) -> LinkTarget {
        var filter = model.filter
        filter[keyPath: key] = nil
        return .site(page, query: query(filter))
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
