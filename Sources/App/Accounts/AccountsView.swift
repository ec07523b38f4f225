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
        var mayCreate: Bool
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
                 .div(.h1(.text("Client accounts")), .p(.text("Every account you may see, with what needs attention."))),
                 .if(model.mayCreate, .a(.class("button primary"), .href(SiteURL.newAccount.path), .text("New account")))),
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
            .div(.class("field"), .label(.for("tag"), .text("Tag")),
                 .input(.id("tag"), .name("tag"), .type(.text), .value((filter.tag ?? "").attributeEscaped))),
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

    static func new(_ model: NewModel, csrfToken: String) -> Node<HTML.BodyContext> {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("New account")), .p(.text("Blank, or from a template: its plan, staff slots, tags and group are copied; never staff, activity, notes or history."))),
                 .a(.class("button secondary"), .href(SiteURL.accounts.path), .text("All accounts"))),
            .form(.class("card"), .method(.post), .action(SiteURL.accounts.path), .novalidate(),
                  Forms.csrfField(csrfToken),
                  Forms.errorSummary(model.message ?? (model.errors.isEmpty ? nil : "Correct the fields marked below.")),
                  .if(!model.templateOptions.isEmpty,
                      .div(.class("field"), .label(.for("field-template"), .text("Template")),
                           .select(.id("field-template"), .attribute(named: "name", value: "template"),
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
                           .select(.id("field-group"), .attribute(named: "name", value: "group"),
                                   Forms.option(value: "", label: "No group (or the template's)", selected: model.group.isEmpty),
                                   .forEach(model.groupOptions) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.group) }))),
                  .if(model.mayMarkSecure,
                      .div(.class("field checkbox"),
                           .input(.type(.checkbox), .id("field-secure"), .name("secure"), .value("1"), .checked(model.secure)),
                           .label(.for("field-secure"), .text("Secure: only operators with a Secure role may act on it")))),
                  .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Create account"))))
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
        var controls: [Control]
        var nicknameState: Control.State
        var typedNickname: String
        var assignmentState: Control.State
        var operators: [AssignableOperator]
        /// Nil when the operator may not see the history.
        var history: [HistoryLine]?
        var tags: [String]
        var tagState: Control.State
        var typedTag: String
        var notes: [NoteLine]
        var noteState: Control.State
        var typedNote: String
        var notice: String?
        var errors: OperatorInput.Errors
    }

    /// A switch of the Account tab: what it is now, and the button that changes it.
    struct Control: Sendable {
        enum State: Sendable, Equatable { case enabled, disabled(String) }
        let label: String
        let value: String
        let button: AccountAdministration.Toggle
        let path: String
        let state: State

        var buttonText: String {
            switch button {
            case .lock: "Lock account"
            case .unlock: "Unlock account"
            case .enableSendLinks: "Enable send links"
            case .disableSendLinks: "Screen links again"
            case .markSecure: "Mark as secure"
            case .unmarkSecure: "Remove secure"
            case .setTemplate: "Set as template"
            case .unsetTemplate: "Stop being a template"
            case .completeSetup: "Mark setup as complete"
            }
        }
    }

    struct AssignableOperator: Sendable, Equatable {
        let id: String
        let name: String
        let assigned: Bool
    }

    struct NoteLine: Sendable, Equatable {
        let author: String
        let body: String
        let at: Date
    }

    struct HistoryLine: Sendable, Equatable {
        let action: String
        let actor: String
        let onBehalfOf: String?
        let details: String
        let at: Date
    }

    static func detail(_ model: DetailModel, csrfToken: String) -> Node<HTML.BodyContext> {
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
                 ]),
                 tagsSection(model, csrfToken: csrfToken),
                 notesSection(model, csrfToken: csrfToken)),
            accountCard(model, csrfToken: csrfToken),
            .unwrap(model.history) { historyCard($0) }
        )
    }

    private static func disabledButton(_ text: String, reason: String, id: String) -> Node<HTML.BodyContext> {
        .div(.class("disabled-action"),
             .button(.class("button secondary"), .type(.button), .attribute(named: "disabled", value: "disabled"),
                     .attribute(named: "aria-describedby", value: id), .text(text)),
             .span(.class("hint"), .id(id), .text(reason)))
    }

    private static func accountCard(_ model: DetailModel, csrfToken: String) -> Node<HTML.BodyContext> {
        .div(.class("card"),
             .h2(.text("Account")),
             .unwrap(model.notice) { .div(.class("banner success"), .attribute(named: "role", value: "status"), .text($0)) },
             .table(.class("controls"), .tbody(.forEach(model.controls) { control in
                 .tr(.th(.attribute(named: "scope", value: "row"), .text(control.label)),
                     .td(.text(control.value)),
                     .td(control.state == .enabled
                         ? .form(.method(.post), .action(control.path), Forms.csrfField(csrfToken),
                                 .button(.class("button secondary"), .type(.submit), .text(control.buttonText)))
                         : disabledButton(control.buttonText, reason: { if case .disabled(let why) = control.state { return why } else { return "" } }(),
                                          id: "why-\(control.button.rawValue)")))
             })),
             .h3(.text("Nickname")),
             .p(.class("hint"), .text("The business page address, /b/nickname, and the account's external ID. Unique among your accounts.")),
             {
                 switch model.nicknameState {
                 case .enabled:
                     return .form(.method(.post), .action(SiteURL.accountAction(uid: model.businessUID, action: "nickname").path), .novalidate(),
                                  Forms.csrfField(csrfToken),
                                  Forms.field(.init(name: "nickname", label: "Nickname", value: model.typedNickname, error: model.errors["nickname"],
                                                    hint: "Lowercase letters, digits and hyphens. Leave empty to remove it.", autocomplete: "off", required: false)),
                                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Save nickname"))))
                 case .disabled(let why):
                     return .group(.p(.text(model.nickname ?? "No nickname")), disabledButton("Change nickname", reason: why, id: "why-nickname"))
                 }
             }(),
             .h3(.text("Operator assignments")),
             {
                 switch model.assignmentState {
                 case .enabled:
                     return .form(.method(.post), .action(SiteURL.accountAction(uid: model.businessUID, action: "assignments").path),
                                  Forms.csrfField(csrfToken),
                                  .fieldset(.class("permissions"),
                                            .element(named: "legend", text: "Assigned operators"),
                                            .forEach(model.operators) { op in
                                                .div(.class("checkbox"),
                                                     .input(.type(.checkbox), .id("assign-\(op.id)"), .name("operators[]"), .value(op.id), .checked(op.assigned)),
                                                     .label(.for("assign-\(op.id)"), .text(op.name)))
                                            }),
                                  .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Save assignments"))))
                 case .disabled(let why):
                     return .group(.p(.text(model.operators.filter(\.assigned).map(\.name).joined(separator: ", ").nilIfEmpty ?? "Nobody is assigned.")),
                                   disabledButton("Change assignments", reason: why, id: "why-assignments"))
                 }
             }()
        )
    }

    private static func tagsSection(_ model: DetailModel, csrfToken: String) -> Node<HTML.BodyContext> {
        .group(
            .h3(.text("Tags")),
            .if(model.tags.isEmpty, .p(.class("hint"), .text("No tags yet."))),
            .ul(.class("tags"), .forEach(model.tags) { tag in
                .li(.span(.class("badge"), .text(tag)),
                    .if(model.tagState == .enabled,
                        .form(.method(.post), .action(SiteURL.accountAction(uid: model.businessUID, action: "remove-tag").path), .class("inline"),
                              Forms.csrfField(csrfToken), .input(.type(.hidden), .name("tag"), .value(tag.attributeEscaped)),
                              .button(.class("button link"), .type(.submit), .ariaLabel("Remove tag \(tag)".attributeEscaped), .text("Remove")))))
            }),
            {
                switch model.tagState {
                case .enabled:
                    return .form(.class("inline-form"), .method(.post), .action(SiteURL.accountAction(uid: model.businessUID, action: "tags").path), .novalidate(),
                                 Forms.csrfField(csrfToken),
                                 Forms.field(.init(name: "tag", label: "New tag", value: model.typedTag, error: model.errors["tag"], autocomplete: "off")),
                                 .button(.class("button secondary"), .type(.submit), .text("Add tag")))
                case .disabled(let why):
                    return disabledButton("Add tag", reason: why, id: "why-tags")
                }
            }()
        )
    }

    private static func notesSection(_ model: DetailModel, csrfToken: String) -> Node<HTML.BodyContext> {
        .group(
            .h3(.text("Internal notes")),
            {
                switch model.noteState {
                case .enabled:
                    return .form(.method(.post), .action(SiteURL.accountAction(uid: model.businessUID, action: "notes").path), .novalidate(),
                                 Forms.csrfField(csrfToken),
                                 .div(.class("field"),
                                      .label(.for("field-note"), .text("New note")),
                                      .textarea(.id("field-note"), .name("note"), .attribute(named: "rows", value: "3"),
                                                .attribute(named: "aria-invalid", value: model.errors["note"] == nil ? nil : "true"),
                                                .attribute(named: "aria-describedby", value: model.errors["note"] == nil ? "field-note-hint" : "field-note-hint field-note-error"),
                                                .text(model.typedNote)),
                                      .div(.class("hint"), .id("field-note-hint"), .text("Seen by your team only, never by the client.")),
                                      .unwrap(model.errors["note"]) { .div(.class("error"), .id("field-note-error"), .text($0)) }),
                                 .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Add note"))))
                case .disabled(let why):
                    return disabledButton("Add note", reason: why, id: "why-notes")
                }
            }(),
            .if(model.notes.isEmpty, .p(.class("hint"), .text("No notes yet."))),
            .ul(.class("notes"), .forEach(model.notes) { note in
                .li(.p(.text(note.body)), .small(.text("\(note.author) · \(note.at.formatted(date: .abbreviated, time: .shortened))")))
            })
        )
    }

    private static func historyCard(_ lines: [HistoryLine]) -> Node<HTML.BodyContext> {
        .div(.class("card"),
             .h2(.text("History")),
             .if(lines.isEmpty, .p(.class("hint"), .text("No operator has changed this account yet."))),
             .if(!lines.isEmpty,
                 .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attribute(named: "scope", value: "col"), .text("When")), .th(.attribute(named: "scope", value: "col"), .text("Who")),
                               .th(.attribute(named: "scope", value: "col"), .text("What")))),
                    .tbody(.forEach(lines) { line in
                        .tr(.td(.text(line.at.formatted(date: .abbreviated, time: .shortened))),
                            .td(.text(line.actor), .unwrap(line.onBehalfOf) { .small(.text(" (\($0) logged in as them)")) }),
                            .td(.strong(.text(line.action)), .br(), .text(line.details)))
                    })))))
    }
}
