import Foundation
import Plot

/// The client accounts list and the account page.
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
        var groupNames: [UUID: String]
        var groupOptions: [Option]
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
        if filter.sort != .name { items.append(("sort", filter.sort.rawValue)) }
        if let after { items.append(("after", after.uuidString.lowercased())) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        return encoded.isEmpty ? "" : "?" + encoded.joined(separator: "&")
    }

    static func list(_ model: ListModel) -> Node<HTML.BodyContext> {
        let filter = model.filter
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Client accounts")), .p(.text("Every account you may see, with what needs attention.")))),
            .div(.class("grid"),
                 .forEach(AccountDirectory.Status.allCases) { status in
                     .a(.class("stat"), .href((SiteURL.accounts.path + query(filter, status: .some(status))).attributeEscaped),
                        .if(filter.status == status, .attribute(named: "aria-current", value: "true")),
                        .div(.class("label"), .text(status.title)),
                        .div(.class("value"), .text(String(model.counts[status] ?? 0))))
                 }),
            filterForm(model),
            .if(model.rows.isEmpty,
                .div(.class("card empty"), .h2(.text("No accounts match")), .p(.text("Change the search or the filters."))),
                else: .div(.class("table-wrap"), .table(
                    .thead(.tr(
                        .th(.attribute(named: "scope", value: "col"), .text("Account")),
                        .th(.attribute(named: "scope", value: "col"), .text("Business UID")),
                        .th(.attribute(named: "scope", value: "col"), .text("Group")),
                        .th(.attribute(named: "scope", value: "col"), .text("State")),
                        .th(.attribute(named: "scope", value: "col"), .text("Created")))),
                    .tbody(.forEach(model.rows) { row in
                        .tr(
                            .td(.a(.href(SiteURL.account(uid: row.businessUID).path.attributeEscaped), .strong(.text(row.name))),
                                .br(), .small(.text(row.email))),
                            .td(.element(named: "code", text: row.businessUID)),
                            .td(.text(row.groupID.flatMap { model.groupNames[$0] } ?? "—")),
                            .td(badges(row)),
                            .td(.text(row.createdAt.map { $0.formatted(date: .abbreviated, time: .omitted) } ?? "—")))
                    })))),
            .div(.class("pager"),
                 .if(!model.isFirstPage, .a(.class("button secondary"), .href((SiteURL.accounts.path + query(filter)).attributeEscaped), .text("First page"))),
                 .unwrap(model.next) { next in
                     .a(.class("button secondary"), .attribute(named: "rel", value: "next"),
                        .href((SiteURL.accounts.path + query(filter, after: next)).attributeEscaped), .text("Next page"))
                 })
        )
    }

    private static func badges(_ row: AccountDirectory.Row) -> Node<HTML.BodyContext> {
        .group(
            .if(row.locked, .span(.class("badge danger"), .text("Locked"))),
            .if(!row.setupCompleted, .span(.class("badge warning"), .text("In setup"))),
            .if(row.secure, .span(.class("badge"), .text("Secure"))),
            .if(row.isTemplate, .span(.class("badge"), .text("Template"))),
            .if(row.setupCompleted && !row.locked, .span(.class("badge success"), .text("Set up")))
        )
    }

    private static func filterForm(_ model: ListModel) -> Node<HTML.BodyContext> {
        let filter = model.filter
        func choice(_ name: String, _ label: String, _ value: Bool?, yes: String, no: String) -> Node<HTML.FormContext> {
            .div(.class("field"), .label(.for(name), .text(label)),
                 .select(.id(name), .attribute(named: "name", value: name),
                         Forms.option(value: "", label: "Any", selected: value == nil),
                         Forms.option(value: "yes", label: yes, selected: value == true),
                         Forms.option(value: "no", label: no, selected: value == false)))
        }
        return .form(
            .class("card inline-form filters"), .method(.get), .action(SiteURL.accounts.path),
            .div(.class("field"), .label(.for("q"), .text("Search")),
                 .input(.id("q"), .name("q"), .type(.search), .value(filter.search.attributeEscaped),
                        .placeholder("Name, email, phone, UID, nickname, owner"))),
            .div(.class("field"), .label(.for("status"), .text("Status")),
                 .select(.id("status"), .attribute(named: "name", value: "status"),
                         Forms.option(value: "", label: "Any", selected: filter.status == nil),
                         .forEach(AccountDirectory.Status.allCases) { Forms.option(value: $0.rawValue, label: $0.title, selected: $0 == filter.status) })),
            choice("locked", "Locked", filter.locked, yes: "Locked", no: "Not locked"),
            choice("setup", "Setup", filter.setupCompleted, yes: "Set up", no: "In setup"),
            choice("secure", "Secure", filter.secure, yes: "Secure", no: "Not secure"),
            choice("template", "Template", filter.template, yes: "Templates", no: "Not templates"),
            .if(!model.groupOptions.isEmpty,
                .div(.class("field"), .label(.for("group"), .text("Group")),
                     .select(.id("group"), .attribute(named: "name", value: "group"),
                             Forms.option(value: "", label: "Any", selected: filter.groupID == nil),
                             .forEach(model.groupOptions) { option in
                                 Forms.option(value: option.id, label: option.label, selected: option.id == filter.groupID?.uuidString.lowercased())
                             }))),
            .div(.class("field"), .label(.for("sort"), .text("Sort")),
                 .select(.id("sort"), .attribute(named: "name", value: "sort"),
                         .forEach(AccountDirectory.Sort.allCases) { Forms.option(value: $0.rawValue, label: $0.title, selected: $0 == filter.sort) })),
            .div(.class("field checkbox"),
                 .input(.type(.checkbox), .id("mine"), .name("mine"), .value("1"), .checked(filter.mine)),
                 .label(.for("mine"), .text("My Accounts"))),
            .button(.class("button secondary"), .type(.submit), .text("Filter"))
        )
    }

    struct DetailModel: Sendable {
        var name: String
        var businessUID: String
        var email: String
        var phone: String?
        var ownerName: String?
        var nickname: String?
        var plan: String?
        var staffSlots: Int
        var createdAt: Date?
        var group: String?
        var secure: Bool
        var locked: Bool
        var setupCompleted: Bool
        var isTemplate: Bool
        var sendLinksEnabled: Bool
        var lastActivityAt: Date?
    }

    static func detail(_ model: DetailModel) -> Node<HTML.BodyContext> {
        func line(_ label: String, _ value: String?) -> Node<HTML.BodyContext> {
            .group(.element(named: "dt", text: label), .element(named: "dd", text: value ?? "—"))
        }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.name)),
                      .p(badges(.init(id: UUID(), businessUID: model.businessUID, name: model.name, email: model.email, nickname: model.nickname,
                                      groupID: nil, secure: model.secure, locked: model.locked, setupCompleted: model.setupCompleted,
                                      isTemplate: model.isTemplate, createdAt: model.createdAt, lastActivityAt: model.lastActivityAt)))),
                 .a(.class("button secondary"), .href(SiteURL.accounts.path), .text("All accounts"))),
            .div(.class("card"),
                 .h2(.text("Business information")),
                 .element(named: "dl", nodes: [
                    line("Owner", model.ownerName),
                    line("Email", model.email),
                    line("Phone", model.phone),
                    line("Business UID", model.businessUID),
                    line("Nickname", model.nickname),
                    line("Created", model.createdAt.map { $0.formatted(date: .long, time: .shortened) }),
                    line("Plan", model.plan),
                    line("Staff slots", String(model.staffSlots)),
                    line("Group", model.group),
                    line("Last activity", model.lastActivityAt.map { $0.formatted(date: .long, time: .shortened) }),
                    line("Send links", model.sendLinksEnabled ? "Enabled" : "Screened for 30 days after creation"),
                 ]))
        )
    }
}
