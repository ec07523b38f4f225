import Foundation
import Vapor

enum OperatorsView {
    enum Notice: String, Sendable {
        case invited, blocked, unblocked, resent, resetSent = "reset-sent", removed
        case profileSaved = "profile-saved", rolesSaved = "roles-saved", notificationsSaved = "notifications-saved"
        case secondFactorReset = "second-factor-reset"

        var text: String {
            switch self {
            case .invited: "The invitation was emailed."
            case .profileSaved: "The profile was updated."
            case .rolesSaved: "The roles were updated and apply from their next page."
            case .notificationsSaved: "The digest settings were updated."
            case .blocked: "The operator was blocked and signed out everywhere."
            case .unblocked: "The operator was unblocked."
            case .resent: "A new invitation was emailed; the previous link no longer works."
            case .resetSent: "A password reset link was emailed."
            case .removed: "The operator was removed and told by email."
            case .secondFactorReset: "Their two-step sign-in was reset; they choose a new method at their next sign-in, and were told by email."
            }
        }
    }

    struct Option: Sendable, Equatable {
        let id: String
        let label: String
    }

    // MARK: - The form for invites and grants

    /// Up to three (role, scope) rows; empty rows are ignored.
    struct InviteForm: Content, Sendable {
        var name: String?
        var email: String?
        var phone: String?
        var timeZone: String?
        var role1: String?, scope1: String?
        var role2: String?, scope2: String?
        var role3: String?, scope3: String?

        enum CodingKeys: String, CodingKey {
            case name, email, phone, role1, scope1, role2, scope2, role3, scope3
            case timeZone = "time_zone"
        }

        init() {}

        init(grants: [(String, String)]) {
            let padded = grants + Array(repeating: ("", "all"), count: max(0, 3 - grants.count))
            (role1, scope1) = padded[0]
            (role2, scope2) = padded[1]
            (role3, scope3) = padded[2]
        }

        var rows: [(role: String, scope: String)] {
            [(role1, scope1), (role2, scope2), (role3, scope3)].map { ($0 ?? "", $1 ?? "all") }
        }

        func requestedGrants() throws -> [OperatorAdministration.RequestedGrant] {
            try rows.filter { !$0.role.isEmpty }.map { row in
                let (kind, id) = try APIService.parseScope(row.scope)
                return .init(role: row.role, scope: kind, scopeID: id)
            }
        }
    }

    static func grantRows(_ form: InviteForm, roles: [Option], scopes: [Option]) -> Markup {
        .fieldset(
            .class("grants"),
            .legend(text: "Roles"),
            .p(.class("hint"), .text("Each row gives one role over a scope. Leave a row's role empty to skip it.")),
            .forEach(Array(form.rows.enumerated())) { index, row in
                let number = index + 1
                return .div(
                    .class("inline-form grant-row"),
                    .div(.class("field"), .label(.for("role\(number)"), .text("Role \(number)")),
                         .select(.id("role\(number)"), .attr("name", "role\(number)"),
                                 Forms.option(value: "", label: "—", selected: row.role.isEmpty),
                                 .forEach(roles) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == row.role) })),
                    .div(.class("field"), .label(.for("scope\(number)"), .text("Over")),
                         .select(.id("scope\(number)"), .attr("name", "scope\(number)"),
                                 .forEach(scopes) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == row.scope) }))
                )
            }
        )
    }

    // MARK: - List

    struct ListModel: Sendable {
        struct Row: Sendable {
            let id: String
            let name: String
            let email: String
            let status: Operator.Status
            let roles: [String]
            let lastLoginAt: Date?
        }
        var rows: [Row]
        var counts: [Operator.Status: Int]
        var filter: OperatorDirectory.Filter
        var roleOptions: [Option]
        var groupOptions: [Option]
        var mayInvite: Bool
        var notice: Notice?
        /// Whether the reader may invite operators from a CSV file.
        var mayImport = false
        /// The group filter as a type-ahead (the group in force, if any) instead of
        /// `groupOptions`, for a partner with many groups.
        var groupTypeAhead: FilterPicker.Chosen?? = nil
        /// How many operators match, the position of the first row shown, and the query
        /// strings of the pages before and after (nil at either end).
        var total = 0
        var first = 1
        var previousQuery: String? = nil
        var nextQuery: String? = nil
    }

    /// The list's query string ("" or "?…") for its filters and page.
    static func query(_ filter: OperatorDirectory.Filter, page: Int) -> String {
        var items = queryItems(filter)
        if page > 1 { items.append((name: "page", value: String(page))) }
        return items.isEmpty ? "" : "?" + items.map { "\($0.name)=\($0.value.urlQueryEscaped)" }.joined(separator: "&")
    }

    /// The list's filters as query items (names and values as typed, not encoded).
    static func queryItems(_ filter: OperatorDirectory.Filter) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if !filter.query.isEmpty { items.append(("q", filter.query)) }
        if let status = filter.status { items.append(("status", status.rawValue)) }
        if let role = filter.role { items.append(("role", role)) }
        if let group = filter.group { items.append(("group", group.uuidString.lowercased())) }
        return items
    }

    static func statusBadge(_ status: Operator.Status) -> Markup {
        switch status {
        case .active: .span(.class("badge success"), .text("Active"))
        case .invited: .span(.class("badge warning"), .text("Invited"))
        case .blocked: .span(.class("badge danger"), .text("Blocked"))
        }
    }

    static func list(_ model: ListModel) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Operators")), .p(.text("Your team: who can sign in, with which roles."))),
                 .div(.class("actions"),
                      .if(model.mayImport, .a(.class("button secondary"), .href(.newImport(.operators)), .text("Import CSV"))),
                      .if(model.mayInvite, .a(.class("button primary"), .href(SiteURL.newOperator), .text("Invite operator"))))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0.text)) },
            .div(.class("grid"),
                 .forEach([Operator.Status.active, .invited, .blocked]) { status in
                     .div(.class("stat"), .div(.class("label"), .text(status.rawValue.capitalized)),
                          .div(.class("value"), .text(String(model.counts[status] ?? 0))))
                 }),
            .form(
                .class("card inline-form filters"), .method(.get), .action(SiteURL.operators),
                .div(.class("field"), .label(.for("q"), .text("Search")),
                     .input(.id("q"), .name("q"), .type(.search), .value(model.filter.query), .placeholder("Name or email"))),
                .div(.class("field"), .label(.for("status"), .text("Status")),
                     .select(.id("status"), .attr("name", "status"),
                             Forms.option(value: "", label: "Any", selected: model.filter.status == nil),
                             .forEach(Operator.Status.allCases) { Forms.option(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == model.filter.status) })),
                .div(.class("field"), .label(.for("role"), .text("Role")),
                     .select(.id("role"), .attr("name", "role"),
                             Forms.option(value: "", label: "Any", selected: model.filter.role == nil),
                             .forEach(model.roleOptions) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.filter.role) })),
                .unwrap(model.groupTypeAhead) { chosen in
                    FilterPicker.field(.init(
                        name: "group", label: "Group", anyLabel: "Any group", placeholder: "Type a group's name", chosen: chosen,
                        suggestions: .groupSuggestions,
                        fallback: .link(.site(.operatorsGroupChoices, query: query(model.filter, page: 1)), "Choose from every group"), error: nil))
                },
                .if(!model.groupOptions.isEmpty,
                    .div(.class("field"), .label(.for("group"), .text("Group")),
                         .select(.id("group"), .attr("name", "group"),
                                 Forms.option(value: "", label: "Any", selected: model.filter.group == nil),
                                 .forEach(model.groupOptions) { option in
                                     Forms.option(value: option.id, label: option.label, selected: option.id == model.filter.group?.uuidString.lowercased())
                                 }))),
                .button(.class("button secondary"), .type(.submit), .text("Filter"))
            ),
            .if(model.rows.isEmpty,
                .div(.class("card empty"), .h2(.text("No operators match")), .p(.text("Change the filters, or invite someone."))),
                else: .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attr("scope", "col"), .text("Operator")), .th(.attr("scope", "col"), .text("Roles")),
                               .th(.attr("scope", "col"), .text("Status")), .th(.attr("scope", "col"), .text("Last sign-in")))),
                    .tbody(.forEach(model.rows) { row in
                        .tr(.td(.a(.href(SiteURL.operatorDetail(id: row.id)), .strong(.text(row.name))), .div(.class("hint"), .text(row.email))),
                            .td(.text(row.roles.joined(separator: ", "))),
                            .td(statusBadge(row.status)),
                            .td(.text(row.lastLoginAt.map { DisplayDate.text($0, .minute) } ?? "Never")))
                    })
                ))),
            .if(model.total > model.rows.count, pager(model)),
            .if(model.groupTypeAhead != nil, FilterPicker.script)
        )
    }

    private static func pager(_ model: ListModel) -> Markup {
        let last = model.first + model.rows.count - 1
        func page(_ label: String, _ rel: String, _ query: String?) -> Markup {
            guard let query else { return .span(.class("button secondary disabled"), .attr("aria-disabled", "true"), .text(label)) }
            return .a(.class("button secondary"), .attr("rel", rel), .href(.site(.operators, query: query)), .text(label))
        }
        return .div(.p(.class("list-summary"), .id("operators-position"), .text("\(AccountsView.number(model.first))–\(AccountsView.number(last)) of \(AccountsView.number(model.total)) operators")),
                    .nav(.class("pager"), .ariaLabel("Pages of operators"),
                         page("Previous page", "prev", model.previousQuery), page("Next page", "next", model.nextQuery)))
    }

    // MARK: - Invite

    struct InviteModel: Sendable {
        var form: InviteForm
        var errors: OperatorInput.Errors
        var message: String?
        var roleOptions: [Option]
        var scopeOptions: [Option]
        var timeZone: TimeZoneField.Model
    }

    static func invite(_ model: InviteModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"), .div(.h1(.text("Invite an operator")),
                                             .p(.text("They get an email with a link to choose a password. The link works once, for 7 days.")))),
            .form(
                .class("card"), .method(.post), .action(SiteURL.operators), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.message ?? (model.errors.isEmpty ? nil : "Correct the fields marked below.")),
                Forms.field(.init(name: "name", label: "Name", value: model.form.name ?? "", error: model.errors["name"], autocomplete: "off", autofocus: true)),
                Forms.field(.init(name: "email", label: "Email", type: .email, value: model.form.email ?? "", error: model.errors["email"], autocomplete: "off")),
                Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: model.form.phone ?? "", error: model.errors["phone"],
                                  hint: "Used for SMS sign-in codes.", autocomplete: "off", required: false)),
                TimeZoneField.field(model.timeZone),
                .unwrap(model.errors["grants"]) { .div(.class("banner error"), .text($0)) },
                grantRows(model.form, roles: model.roleOptions, scopes: model.scopeOptions),
                .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Send invitation")),
                     .a(.class("button secondary"), .href(SiteURL.operators), .text("Cancel")))
            )
        )
    }

    // MARK: - Detail

    /// "See what they see": log in as the operator, with a reason when the partner asks for one.
    private static func loginAsCard(_ model: DetailModel, csrfToken: String) -> Markup {
        let login = model.loginAs
        let intro = "See the portal exactly as \(model.name) does, for up to \(login.maxMinutes) minutes. Everything you do meanwhile is recorded with both your names."
        switch login.state {
        case .enabled:
            return .form(.class("card"), .method(.post), .action(SiteURL.operatorAction(id: model.id, action: .loginAs)), .novalidate(),
                         Forms.csrfField(csrfToken),
                         .h2(.text("Log in as \(model.name)")),
                         .p(.class("hint"), .text(intro)),
                         Forms.field(.init(name: "reason", label: login.reasonRequired ? "Reason" : "Reason (optional)", value: login.reason,
                                           error: login.error, hint: "Kept in the audit log.", autocomplete: "off", required: login.reasonRequired)),
                         .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Log in as \(model.name)"))))
        case .disabled(let why):
            return .div(.class("card"),
                        .h2(.text("Log in as \(model.name)")),
                        .div(.class("disabled-action"),
                             .button(.class("button secondary"), .type(.button), .attr("disabled", "disabled"),
                                     .attr("aria-describedby", "why-login-as"), .text("Log in as \(model.name)")),
                             .span(.class("hint"), .id("why-login-as"), .text(why))))
        }
    }

    struct Action: Sendable {
        enum State: Sendable { case enabled, disabled(String) }
        let label: String
        let path: String
        let style: String
        let state: State
    }

    struct LoginAs: Sendable {
        var state: Action.State
        var reasonRequired: Bool
        var reason: String
        var error: String?
        var maxMinutes: Int
    }

    struct DetailModel: Sendable {
        struct GrantLine: Sendable { let role: String; let scope: String }
        var id: String
        var name: String
        var email: String
        var phone: String
        var status: Operator.Status
        var lastLoginAt: Date?
        var grants: [GrantLine]
        var grantForm: InviteForm
        var mayEdit: Bool
        /// Your own page: a change of email or phone asks for your current password.
        var isSelf: Bool = false
        var actions: [Action]
        var loginAs: LoginAs
        var notifications: NotificationPreferences
        var notice: Notice?
        var message: String?
        var errors: OperatorInput.Errors
        var roleOptions: [Option]
        var scopeOptions: [Option]
        var timeZone: TimeZoneField.Model
    }

    static func detail(_ model: DetailModel, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.name)), .p(.text(model.email + " · "), statusBadge(model.status),
                                                  .text(" · last sign-in " + (model.lastLoginAt.map { DisplayDate.text($0, .minute) } ?? "never")))),
                 .a(.class("button secondary"), .href(SiteURL.operators), .text("All operators"))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0.text)) },
            .unwrap(model.message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .div(.class("card"),
                 .h2(.text("Actions")),
                 .div(.class("form-actions inline actions-list"), .forEach(model.actions) { action in
                     switch action.state {
                     case .enabled:
                         return .form(.method(.post), .action(LinkTarget.localPath(action.path) ?? .site(.operators)), Forms.csrfField(csrfToken),
                                      .button(.class("button \(action.style)"), .type(.submit), .text(action.label)))
                     case .disabled(let reason):
                         let id = "why-" + action.label.lowercased().replacingOccurrences(of: " ", with: "-")
                         return .div(.class("disabled-action"),
                                     .button(.class("button \(action.style)"), .type(.button), .attr("disabled", "disabled"),
                                             .attr("aria-describedby", id), .text(action.label)),
                                     .span(.class("hint"), .id(id), .text(reason)))
                     }
                 })),
            loginAsCard(model, csrfToken: csrfToken),
            .if(model.mayEdit,
                .form(.class("card"), .method(.post), .action(SiteURL.operatorAction(id: model.id, action: .notifications)),
                      Forms.csrfField(csrfToken),
                      .h2(.text("Notifications")),
                      .p(.class("hint"), .text("The digest of outstanding tasks \(model.name) receives by email.")),
                      ProfileView.notificationFields(model.notifications),
                      .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Save notifications"))))),
            .if(model.mayEdit,
                .form(.class("card"), .method(.post), .action(SiteURL.operatorDetail(id: model.id)), .novalidate(),
                      Forms.csrfField(csrfToken),
                      .h2(.text("Profile")),
                      Forms.field(.init(name: "name", label: "Name", value: model.name, error: model.errors["name"], autocomplete: "off")),
                      Forms.field(.init(name: "email", label: "Email", type: .email, value: model.email, error: model.errors["email"], autocomplete: "off")),
                      Forms.field(.init(name: "phone", label: "Phone (optional)", type: .tel, value: model.phone, error: model.errors["phone"],
                                        autocomplete: "off", required: false)),
                      TimeZoneField.field(model.timeZone),
                      .if(model.isSelf,
                          Forms.field(.init(name: "current_password", label: "Current password", type: .password,
                                            error: model.errors["current_password"], hint: "Needed only to change your email or phone.",
                                            autocomplete: "current-password", required: false))),
                      .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save profile")))),
                else: .div(.class("card"), .h2(.text("Profile")), .p(.text("\(model.name) · \(model.email)")))),
            .div(.class("card"),
                 .h2(.text("Roles")),
                 .div(.class("table-wrap"), .table(
                     .thead(.tr(.th(.attr("scope", "col"), .text("Role")), .th(.attr("scope", "col"), .text("Over")))),
                     .tbody(.forEach(model.grants) { line in .tr(.td(.text(line.role)), .td(.text(line.scope))) }))),
                 .if(model.mayEdit && !model.roleOptions.isEmpty,
                     .form(.method(.post), .action(SiteURL.operatorAction(id: model.id, action: .grants)),
                           Forms.csrfField(csrfToken),
                           grantRows(model.grantForm, roles: model.roleOptions, scopes: model.scopeOptions),
                           .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save roles"))))))
        )
    }
}
