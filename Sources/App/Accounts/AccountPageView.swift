import Foundation

/// The account page (seed 001 §3): a header, a tab bar, and one tab at a time. A tab the
/// operator may not see is not linked; a control they may not use is shown disabled, with
/// the reason.
enum AccountPageView {
    enum Tab: String, CaseIterable, Sendable {
        case business = "", activity, subscription, staff, messages, history, account

        var title: String {
            switch self {
            case .business: "Business information"
            case .messages: "Messages"
            case .activity: "Activity"
            case .subscription: "Subscription"
            case .staff: "Staff"
            case .history: "History"
            case .account: "Account"
            }
        }

        func url(uid: String) -> SiteURL {
            self == .business ? SiteURL.account(uid: uid) : SiteURL.accountAction(uid: uid, action: .tab(self))
        }

        func path(uid: String) -> String { url(uid: uid).path }
    }

    enum State: Sendable, Equatable {
        case enabled, disabled(String)
    }

    struct Header: Sendable {
        var row: AccountDirectory.Row
        var tabs: [Tab]
        var current: Tab
        var notice: String?
        var message: String?
        /// "Login as" the owner, with its state; nil when the operator may not log in at all.
        var loginAs: LoginAs? = nil
    }

    /// The header's "Login as": the button (or why not), whether a reason is asked for, and
    /// the owner's consent where the partner asks for it.
    struct LoginAs: Sendable {
        var ownerName: String?
        var state: State
        var reasonRequired: Bool
        var consent: String?
    }

    /// What was typed into the forms of the tab, and what was wrong with it.
    struct Form: Sendable {
        var values: [String: String] = [:]
        var errors = OperatorInput.Errors()

        subscript(_ name: String) -> String { values[name] ?? "" }
    }

    /// A "Login as" form: the button, and the reason field when the partner asks for one.
    static func loginAsButton(_ loginAs: LoginAs, uid: String, userID: String?, name: String, label: String, csrfToken: String) -> Markup {
        let id = "login-as-\(userID ?? "owner")"
        switch loginAs.state {
        case .disabled(let why): return disabledButton(label, reason: why, id: "why-\(id)")
        case .enabled:
            return .form(.method(.post), .action(userID.map { SiteURL.accountStaffLoginAs(uid: uid, userID: $0) } ?? .accountLoginAs(uid: uid)), .class("inline"),
                         Forms.csrfField(csrfToken),
                         .if(loginAs.reasonRequired,
                             .group(.label(.class("visually-hidden"), .for("\(id)-reason"), .text("Reason for logging in as \(name)")),
                                    .input(.id("\(id)-reason"), .name("reason"), .type(.text), .attr("placeholder", "Reason"), .attr("required", "required"),
                                           .attr("maxlength", "500")))),
                         .button(.class("button primary"), .type(.submit), .ariaLabel("\(label) \(name)"), .text(label)))
        }
    }

    static func page(_ header: Header, body: Markup, csrfToken: String = "") -> Markup {
        let uid = header.row.businessUID
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text(header.row.name)),
                      .p(AccountsView.badges(header.row))),
                 .div(.class("header-actions"),
                      .unwrap(header.loginAs) { loginAsButton($0, uid: uid, userID: nil, name: $0.ownerName ?? "owner", label: "Login as", csrfToken: csrfToken) },
                      .a(.class("button secondary"), .href(SiteURL.accounts), .text("All accounts")))),
            .unwrap(header.loginAs?.consent) { .p(.class("hint"), .text($0)) },
            .element("nav", [
                .class("tabs"), .ariaLabel("Account"),
                .forEach(header.tabs) { tab in
                    .a(.href(tab.url(uid: uid)), .text(tab.title),
                       .attr("aria-current", tab == header.current ? "page" : nil))
                },
            ]),
            .unwrap(header.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .unwrap(header.message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            body
        )
    }

    static func disabledButton(_ text: String, reason: String, id: String, help: String? = nil) -> Markup {
        .div(.class("disabled-action"),
             .button(.class("button secondary"), .type(.button), .attr("disabled", "disabled"),
                     .attr("aria-describedby", [help, id].compactMap { $0 }.joined(separator: " ")), .text(text)),
             .span(.class("hint"), .id(id), .text(reason)))
    }

    /// A form for `state`: the form itself when allowed, else a disabled button with the reason.
    private static func guarded(_ state: State, _ buttonText: String, id: String, help: String? = nil, _ form: () -> Markup) -> Markup {
        switch state {
        case .enabled: form()
        case .disabled(let why): disabledButton(buttonText, reason: why, id: "why-\(id)", help: help)
        }
    }

    private static let groupHint = "Operators whose role covers a group see the accounts in it and in the groups below it: moving the account changes who sees it."

    /// The Account tab with every choice of one form listed.
    private static func every(_ uid: String, _ choice: EveryChoice) -> LinkTarget {
        .site(SiteURL.accountAction(uid: uid, action: .tab(.account)), query: "every=\(choice.rawValue)")
    }

    private static func action(_ uid: String, _ form: AccountForm) -> SiteURL { SiteURL.accountAction(uid: uid, action: .form(form)) }
    private static func action(_ uid: String, _ toggle: AccountAdministration.Toggle) -> SiteURL { SiteURL.accountAction(uid: uid, action: .toggle(toggle)) }

    private static func definitions(_ lines: [(String, String?)]) -> Markup {
        .element("dl", lines.map { line in .group(.dt(text: line.0), .dd(text: line.1 ?? "—")) })
    }

    private static func date(_ date: Date?) -> String? { date.map { $0.formatted(date: .long, time: .shortened) } }

    private static func textarea(_ name: String, label: String, value: String, error: String?, hint: String? = nil, rows: Int = 3) -> Markup {
        Forms.textArea(name: name, label: label, value: value, error: error, hint: hint, rows: rows)
    }

    private static func submit(_ text: String, help: String? = nil) -> Markup {
        .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .attr("aria-describedby", help), .text(text)))
    }

    // MARK: - Business information

    struct Business: Sendable {
        var email: String
        var phone: String?
        var ownerName: String?
        var address: String?
        var plan: String?
        var group: String?
        var template: String?
        var editState: State
        var tags: [String]
        var tagState: State
        var notes: [NoteLine]
        var noteState: State
        var locations: [LocationLine]
        /// What the owner wrote for the business page, in their workspace.
        var description: String? = nil
        var openingHours: String? = nil
        var services: [String] = []
    }

    struct NoteLine: Sendable, Equatable {
        let author: String
        let body: String
        let at: Date
    }

    struct LocationLine: Sendable, Equatable {
        let id: String
        let name: String
        let address: String
    }

    static func business(_ row: AccountDirectory.Row, _ model: Business, form: Form, csrfToken: String) -> Markup {
        let uid = row.businessUID
        return .group(
            .div(.class("card"),
                 .h2(.text("Contact and subscription")),
                 definitions([("Owner", model.ownerName), ("Email", model.email), ("Phone", model.phone), ("Address", model.address),
                              ("Business UID", uid), ("Created", date(row.createdAt)), ("Plan", model.plan), ("Group", model.group),
                              ("Created from template", model.template)]),
                 .if(model.description != nil || model.openingHours != nil || !model.services.isEmpty,
                     .group(.h3(.text("On the business page")),
                            definitions([("Description", model.description), ("Opening hours", model.openingHours),
                                         ("Services offered for booking", model.services.isEmpty ? nil : model.services.map { "“\($0)”" }.joined(separator: ", "))]))),
                 guarded(model.editState, "Edit details", id: "details") {
                     .element("details", [
                        .if(!form.errors.isEmpty && form.values["form"] == "details", .attr("open", "open")),
                        .summary(text: "Edit details"),
                        Forms.post("details-form", to: action(uid, .details), .novalidate(), Forms.csrfField(csrfToken),
                              .input(.type(.hidden), .name("form"), .value("details")),
                              Forms.field(.init(name: "name", label: "Business name", value: form.values["name"] ?? row.name, error: form.errors["name"], autocomplete: "organization")),
                              Forms.field(.init(name: "email", label: "Email", type: .email, value: form.values["email"] ?? model.email, error: form.errors["email"],
                                                hint: "The owner signs in with this address.", autocomplete: "email")),
                              Forms.field(.init(name: "owner_name", label: "Owner", value: form.values["owner_name"] ?? model.ownerName ?? "", error: form.errors["ownerName"],
                                                autocomplete: "name", required: false)),
                              Forms.field(.init(name: "phone", label: "Phone", type: .tel, value: form.values["phone"] ?? model.phone ?? "", error: form.errors["phone"],
                                                autocomplete: "tel", required: false)),
                              textarea("address", label: "Address", value: form.values["address"] ?? model.address ?? "", error: form.errors["address"], rows: 2),
                              submit("Save details")),
                     ])
                 }),
            .div(.class("card"), tags(uid, model, form: form, csrfToken: csrfToken)),
            .div(.class("card"), notes(uid, model, form: form, csrfToken: csrfToken)),
            .div(.class("card"), locations(uid, model, form: form, csrfToken: csrfToken))
        )
    }

    private static func tags(_ uid: String, _ model: Business, form: Form, csrfToken: String) -> Markup {
        .group(
            .h2(.text("Tags")),
            .if(model.tags.isEmpty, .p(.class("hint"), .text("No tags yet."))),
            .ul(.class("tags"), .forEach(model.tags) { tag in
                .li(.span(.class("badge"), .text(tag)),
                    .if(model.tagState == .enabled,
                        .form(.method(.post), .action(action(uid, .removeTag)), .class("inline"),
                              Forms.csrfField(csrfToken), .input(.type(.hidden), .name("tag"), .value(tag)),
                              .button(.class("button link"), .type(.submit), .ariaLabel("Remove tag \(tag)"), .text("Remove")))))
            }),
            guarded(model.tagState, "Add tag", id: "tags") {
                Forms.post("tag-form", to: action(uid, .tags), .class("inline-form"), .novalidate(), Forms.csrfField(csrfToken),
                      Forms.field(.init(name: "tag", label: "New tag", value: form["tag"], error: form.errors["tag"], autocomplete: "off")),
                      .button(.class("button secondary"), .type(.submit), .text("Add tag")))
            })
    }

    private static func notes(_ uid: String, _ model: Business, form: Form, csrfToken: String) -> Markup {
        .group(
            .h2(.text("Internal notes")),
            guarded(model.noteState, "Add note", id: "notes") {
                Forms.post("note-form", to: action(uid, .notes), .novalidate(), Forms.csrfField(csrfToken),
                      textarea("note", label: "New note", value: form["note"], error: form.errors["note"], hint: "Seen by your team only, never by the client."),
                      submit("Add note"))
            },
            .if(model.notes.isEmpty, .p(.class("hint"), .text("No notes yet."))),
            .ul(.class("notes"), .forEach(model.notes) { note in
                .li(.p(.text(note.body)), .small(.text("\(note.author) · \(DisplayDate.text(note.at, .minute))")))
            }))
    }

    private static func locations(_ uid: String, _ model: Business, form: Form, csrfToken: String) -> Markup {
        .group(
            .h2(.text("Locations")),
            .p(.class("hint"), .text("Everyone on the account sees all of its locations.")),
            .if(model.locations.isEmpty, .p(.class("hint"), .text("No locations yet."))),
            .ul(.class("notes"), .forEach(model.locations) { location in
                .li(.strong(.text(location.name)), .br(), .text(location.address),
                    .if(model.editState == .enabled,
                        .form(.method(.post), .action(action(uid, .removeLocation)), .class("inline"), Forms.csrfField(csrfToken),
                              .input(.type(.hidden), .name("location"), .value(location.id)),
                              .button(.class("button link"), .type(.submit), .ariaLabel("Remove location \(location.name)"), .text("Remove")))))
            }),
            guarded(model.editState, "Add location", id: "locations") {
                Forms.post("location-form", to: action(uid, .locations), .novalidate(), Forms.csrfField(csrfToken),
                      Forms.field(.init(name: "location_name", label: "Location name", value: form["location_name"], error: form.errors["locationName"], autocomplete: "off")),
                      textarea("location_address", label: "Location address", value: form["location_address"], error: form.errors["locationAddress"], rows: 2),
                      submit("Add location"))
            })
    }

    // MARK: - Activity

    struct Activity: Sendable {
        var summary: AccountActivity.Summary
        var steps: [PlanCatalogue.Step]
        var setupCompleted: Bool
        var completeSetupState: State
    }

    static func activity(_ row: AccountDirectory.Row, _ model: Activity, csrfToken: String) -> Markup {
        let summary = model.summary
        let done = model.steps.filter { summary.stepsDone[$0.code] != nil }.count
        return .group(
            .div(.class("card"),
                 .h2(.text("The last 3 months")),
                 .p(.text("\(summary.bookings) bookings and \(summary.payments) payments accepted"),
                    .text(summary.paymentTotals.isEmpty ? "." : ", worth " + summary.paymentTotals.map { AccountActivity.money($0.amountMinor, $0.currency) }
                        .joined(separator: " and ") + ".")),
                 ActivityChart.chart(summary.weeks),
                 .element("details", [
                    .summary(text: "The figures by week"),
                    .div(.class("table-wrap"), .table(
                        .thead(.tr(.th(.attr("scope", "col"), .text("Week of")),
                                   .th(.attr("scope", "col"), .text("Bookings")),
                                   .th(.attr("scope", "col"), .text("Payments")))),
                        .tbody(.forEach(summary.weeks) { week in
                            .tr(.td(.text(DisplayDate.text(week.start))), .td(.text(String(week.bookings))),
                                .td(.text(String(week.payments))))
                        }))),
                 ])),
            .div(.class("card"),
                 .h2(.text("Onboarding")),
                 model.setupCompleted
                    ? .group(
                        .p(.text("\(done) of \(model.steps.count) onboarding steps done.")),
                        .ul(.class("checklist"), .forEach(model.steps) { step in
                            let at = summary.stepsDone[step.code]
                            return .li(.class(at == nil ? "todo" : "done"),
                                       .span(.class("visually-hidden"), .text(at == nil ? "Not done: " : "Done: ")),
                                       .text(step.title),
                                       .unwrap(at) { .small(.text(" · \(DisplayDate.text($0))")) })
                        }))
                    : .group(
                        .p(.span(.class("badge warning"), .text("In setup")),
                           .text(" The client has not finished the onboarding wizard (\(done) of \(model.steps.count) steps done).")),
                        guarded(model.completeSetupState, "Mark setup as complete", id: "complete-setup") {
                            .form(.method(.post), .action(action(row.businessUID, AccountAdministration.Toggle.completeSetup)), Forms.csrfField(csrfToken),
                                  .button(.class("button secondary"), .type(.submit), .text("Mark setup as complete")))
                        })),
            .div(.class("card"),
                 .h2(.text("Sites")),
                 .p(.class("hint"), .text("The web sites the account's widgets were added to.")),
                 .if(summary.sites.isEmpty, .p(.text("No widget has been seen on a site yet."))),
                 .if(!summary.sites.isEmpty,
                     .div(.class("table-wrap"), .table(
                        .thead(.tr(.th(.attr("scope", "col"), .text("Site")),
                                   .th(.attr("scope", "col"), .text("First seen")),
                                   .th(.attr("scope", "col"), .text("Last seen")))),
                        .tbody(.forEach(summary.sites) { site in
                            .tr(.td(.text(site.host)), .td(.text(DisplayDate.text(site.firstSeenAt))),
                                .td(.text(DisplayDate.text(site.lastSeenAt))))
                        })))))
        )
    }

    // MARK: - Subscription

    struct Subscription: Sendable {
        var plan: String?
        var staffSlots: Int
        var staffCount: Int
        var plans: [PlanCatalogue.Plan]
        var state: State
    }

    static func subscription(_ row: AccountDirectory.Row, _ model: Subscription, form: Form, csrfToken: String) -> Markup {
        let chosen = form.values["plan"] ?? model.plan ?? ""
        return .div(.class("card"),
            .h2(.text("Subscription")),
            definitions([("Plan", model.plan), ("Staff", "\(model.staffCount) of \(model.staffSlots) staff slots in use")]),
            .if(model.staffCount >= model.staffSlots && model.staffSlots > 0,
                .p(.class("hint"), .text("Every staff slot is in use: the owner cannot add staff until slots are added."))),
            guarded(model.state, "Change subscription", id: "subscription") {
                Forms.post("subscription-form", to: action(row.businessUID, .subscription), .novalidate(), Forms.csrfField(csrfToken),
                      Forms.select(name: "plan", label: "Plan",
                                   options: (model.plan == nil ? [(value: "", label: "No plan")] : [])
                                       + model.plans.map { (value: $0.name, label: "\($0.name) (\($0.staffSlots) staff slots)") },
                                   selected: chosen, error: form.errors["plan"], hint: "The plans your portal offers; a retired plan stays on the accounts that have it."),
                      Forms.field(.init(name: "staff_slots", label: "Staff slots", type: .number, value: form.values["staff_slots"] ?? String(model.staffSlots),
                                        error: form.errors["staffSlots"], hint: "How many staff members the owner may add.", autocomplete: "off")),
                      submit("Save subscription"))
            })
    }

    // MARK: - Staff

    struct Staff: Sendable {
        var users: [UserLine]
        var staffSlots: Int
        var state: State
        var loginAsReasonRequired = false
    }

    struct UserLine: Sendable, Equatable {
        let id: String
        let name: String
        let email: String
        let isOwner: Bool
        let status: String
        /// "Login as" this person: nil when the operator may not log in to the account at all.
        var loginAs: State? = nil
    }

    static func staff(_ row: AccountDirectory.Row, _ model: Staff, form: Form, csrfToken: String) -> Markup {
        let staffCount = model.users.filter { !$0.isOwner }.count
        return .div(.class("card"),
            .h2(.text("Staff")),
            .p(.class("hint"), .text("Everyone here signs in with their own password. The owner is reached at the account's email. \(staffCount) of \(model.staffSlots) staff slots in use.")),
            .if(model.users.isEmpty, .p(.text("This account has no users yet."))),
            .if(!model.users.isEmpty,
                .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attr("scope", "col"), .text("Name")), .th(.attr("scope", "col"), .text("Email")),
                               .th(.attr("scope", "col"), .text("Role")), .th(.attr("scope", "col"), .text("Status")),
                               .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                    .tbody(.forEach(model.users) { user in
                        .tr(.td(.text(user.name)), .td(.text(user.email)), .td(.text(user.isOwner ? "Owner" : "Staff")), .td(.text(user.status)),
                            .td(.unwrap(user.loginAs) { state in
                                    loginAsButton(.init(ownerName: nil, state: state, reasonRequired: model.loginAsReasonRequired, consent: nil),
                                                  uid: row.businessUID, userID: user.isOwner ? nil : user.id, name: user.name, label: "Login as",
                                                  csrfToken: csrfToken)
                                },
                                .if(!user.isOwner && model.state == .enabled,
                                    .form(.method(.post), .action(action(row.businessUID, .removeStaff)), .class("inline"), Forms.csrfField(csrfToken),
                                          .input(.type(.hidden), .name("user"), .value(user.id)),
                                          .button(.class("button link"), .type(.submit), .ariaLabel("Remove \(user.name)"), .text("Remove"))))))
                    })))),
            .h3(.text("Add a staff member")),
            guarded(model.state, "Add staff member", id: "staff") {
                Forms.post("staff-form", to: action(row.businessUID, .staff), .novalidate(), Forms.csrfField(csrfToken),
                      Forms.field(.init(name: "staff_name", label: "Name", value: form["staff_name"], error: form.errors["name"], autocomplete: "off")),
                      Forms.field(.init(name: "staff_email", label: "Email", type: .email, value: form["staff_email"], error: form.errors["email"],
                                        hint: "They are emailed a link to choose a password.", autocomplete: "off")),
                      submit("Invite staff member"))
            })
    }

    // MARK: - History

    struct HistoryLine: Sendable, Equatable {
        let action: String
        let actor: String
        let onBehalfOf: String?
        let details: String
        let at: Date
    }

    static func history(_ lines: [HistoryLine], retentionDays: Int) -> Markup {
        .div(.class("card"),
             .h2(.text("History")),
             .p(.class("hint"), .text("What operators did on this account, newest first. Entries are kept for \(retentionDays) days.")),
             .if(lines.isEmpty, .p(.class("hint"), .text("No operator has changed this account yet."))),
             .if(!lines.isEmpty,
                 .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attr("scope", "col"), .text("When")), .th(.attr("scope", "col"), .text("What happened")))),
                    .tbody(.forEach(lines) { line in
                        let sentence = AuditSentence(action: line.action, actor: line.actor, targetType: "account", details: line.details)
                        return .tr(.attr("data-action", line.action),
                                   .td(.text(DisplayDate.text(line.at, .minute))),
                                   .td(sentence.cell(target: .text("the account"), reading: .ownAccount),
                                       .unwrap(line.onBehalfOf) { .small(.class("hint"), .text(" \($0) was logged in as \(line.actor).")) }))
                    })))))
    }

    // MARK: - Account

    /// A switch of the Account tab: what it is now, and the button that changes it.
    struct Control: Sendable {
        let label: String
        let value: String
        let button: AccountAdministration.Toggle
        let state: State

        /// Which switch this is, whichever way it is set: names its line of help.
        var topic: String {
            switch button {
            case .lock, .unlock: "lock"
            case .enableSendLinks, .disableSendLinks: "send-links"
            case .markSecure, .unmarkSecure: "secure"
            case .setTemplate, .unsetTemplate: "template"
            case .completeSetup: "setup"
            }
        }

        /// What the switch does, beside it.
        var help: String {
            switch button {
            case .lock, .unlock:
                "Locking signs the owner and staff out at once and keeps them out of the workspace until the account is unlocked. Nothing is deleted."
            case .enableSendLinks, .disableSendLinks:
                "New accounts are screened for their first 30 days: messages and announcements with web links are refused, to stop spam. Enabling send links lets this account send links now."
            case .markSecure, .unmarkSecure:
                "A secure account is seen and changed only by operators whose role has secure clearance (a Secure role); everyone else does not find it in lists, searches, tasks or the audit log."
            case .setTemplate, .unsetTemplate:
                "New accounts can start from a template: its plan, staff slots, tags, group, onboarding and branding are copied; its staff, activity, notes and history never are."
            case .completeSetup:
                "Marks the onboarding as done for an owner who finished it another way; the account leaves \u{201C}In setup\u{201D}."
            }
        }

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

    struct AccountControls: Sendable {
        var controls: [Control]
        var nickname: String?
        var nicknameState: State
        /// Every operator the account may be assigned to, or (when `everyOperatorListed` is
        /// false) only those assigned now, the others added through a type-ahead.
        var operators: [AssignableOperator]
        var assignmentState: State
        var groupID: String?
        /// Every group it may move into, or none when `everyGroupListed` is false (a type-ahead).
        var groups: [AccountsView.Option]
        var moveState: State
        var resetState: State
        var ownerEmail: String?
        /// Shown once, right after a reset.
        var resetResult: AccountUsers.ResetResult?
        /// The account as a template, or as made from one.
        var template: TemplateLink? = nil
        /// Whether `operators` and `groups` list every choice: a partner with more than
        /// `listedChoices` of them gets a type-ahead instead, every choice a link away.
        var everyOperatorListed = true
        var everyGroupListed = true
        /// The path of the account's group, shown in the group type-ahead.
        var groupLabel: String? = nil
    }

    /// Up to this many operators or groups, the Account tab lists them all (checkboxes, a
    /// `<select>`); above it, a type-ahead asks the server, so a partner with 2,000 operators
    /// and 1,000 groups does not send both on every visit.
    static let listedChoices = 25

    /// What the group form sends for "No group" (an empty value is a choice not made).
    static let noGroup = BulkChange.noGroup

    /// The query that opens the Account tab with every choice of one form listed.
    enum EveryChoice: String, Sendable { case operators, groups }

    enum TemplateLink: Sendable, Equatable {
        /// A template, and how many accounts were made from it.
        case template(made: Int, push: State)
        /// Made from this template (its name), which pushes follow until it is detached.
        case madeFrom(String, detach: State)
    }

    static func account(_ row: AccountDirectory.Row, _ model: AccountControls, form: Form, csrfToken: String) -> Markup {
        let uid = row.businessUID
        return .group(
            .div(.class("card"),
                 .h2(.text("Account")),
                 .table(.class("controls"), .tbody(.forEach(model.controls) { control in
                     let help = "help-\(control.topic)"
                     return .tr(.th(.attr("scope", "row"), .text(control.label)),
                                .td(.text(control.value)),
                                .td(guarded(control.state, control.buttonText, id: control.button.rawValue, help: help) {
                                    .form(.method(.post), .action(action(uid, control.button)), Forms.csrfField(csrfToken),
                                          .button(.class("button secondary"), .type(.submit), .attr("aria-describedby", help), .text(control.buttonText)))
                                },
                                .p(.class("hint control-help"), .id(help), .text(control.help))))
                 }))),
            .unwrap(model.template) { link in
                switch link {
                case .template(let made, let push):
                    .div(.class("card"), .id("template"),
                         .h2(.text("Template")),
                         .p(.class("hint"), .id("help-template-push"),
                            .text("\(BulkText.accounts(made)) were made from this template. A push passes its plan, tags, onboarding, branding or business page on to them, after showing what would change on each.")),
                         guarded(push, "Push changes to its accounts", id: "template-push", help: "help-template-push") {
                             .a(.class("button secondary"), .href(SiteURL.templatePush(uid: uid)), .attr("aria-describedby", "help-template-push"),
                                .text("Push changes to its accounts"))
                         })
                case .madeFrom(let name, let detach):
                    .div(.class("card"), .id("template"),
                         .h2(.text("Template")),
                         .p(.class("hint"), .id("help-template-detach"),
                            .text("Made from the template \(name): changes pushed from it reach this account. Detached, the account keeps what it has and pushes leave it alone.")),
                         guarded(detach, "Detach from the template", id: "detach", help: "help-template-detach") {
                             .form(.method(.post), .action(SiteURL.detachTemplate(uid: uid)), Forms.csrfField(csrfToken),
                                   submit("Detach from the template", help: "help-template-detach"))
                         })
                }
            },
            .div(.class("card"),
                 .h2(.text("Nickname")),
                 .p(.class("hint"), .id("help-nickname"), .text("The business page address, /b/nickname, and the account's external ID in the API. Unique among your accounts.")),
                 guarded(model.nicknameState, "Change nickname", id: "nickname", help: "help-nickname") {
                     Forms.post("nickname-form", to: action(uid, .nickname), .novalidate(), Forms.csrfField(csrfToken),
                                Forms.field(.init(name: "nickname", label: "Nickname", value: form.values["nickname"] ?? model.nickname ?? "", error: form.errors["nickname"],
                                                  hint: "Lowercase letters, digits and hyphens. Leave empty to remove it.", autocomplete: "off", required: false)),
                                submit("Save nickname", help: "help-nickname"))
                 },
                 .if(model.nicknameState != .enabled, .p(.text(model.nickname ?? "No nickname")))),
            .div(.class("card"),
                 .h2(.text("Operator assignments")),
                 .p(.class("hint"), .id("help-assignments"),
                    .text("Assigned operators find the account under My Accounts, and among their tasks as newly assigned. Assigning gives no rights: what they may do comes from their roles.")),
                 guarded(model.assignmentState, "Change assignments", id: "assignments", help: "help-assignments") {
                     Forms.post("assignments-form", to: action(uid, .assignments), Forms.csrfField(csrfToken),
                                .fieldset(.class("permissions"), .attr("aria-describedby", "help-assignments"),
                                          .legend(text: "Assigned operators"),
                                          .if(!model.everyOperatorListed && model.operators.isEmpty, .p(.class("hint"), .text("Nobody is assigned."))),
                                          .forEach(model.operators) { op in
                                              .div(.class("checkbox"),
                                                   .input(.type(.checkbox), .id("assign-\(op.id)"), .name("operators[]"), .value(op.id), .checked(op.assigned)),
                                                   .label(.for("assign-\(op.id)"), .text(op.name)))
                                          }),
                                .if(!model.everyOperatorListed, FilterPicker.field(.init(
                                    name: "operators[]", id: "assign-add", label: "Add an operator", anyLabel: "Nobody added",
                                    placeholder: "Type an operator's name", chosen: nil, suggestions: .assigneeSuggestions,
                                    fallback: .link(every(uid, .operators), "Choose from every operator"), error: nil))),
                                submit("Save assignments"))
                 },
                 .if(model.assignmentState != .enabled,
                     .p(.text(model.operators.filter(\.assigned).map(\.name).joined(separator: ", ").nilIfEmpty ?? "Nobody is assigned.")))),
            .div(.class("card"),
                 .h2(.text("Group")),
                 guarded(model.moveState, "Move to another group", id: "group", help: "field-group-hint") {
                     Forms.post("group-form", to: action(uid, .group), Forms.csrfField(csrfToken),
                                model.everyGroupListed
                                    ? Forms.select(name: "group", label: "Group",
                                                   options: [(value: noGroup, label: "No group")] + model.groups.map { (value: $0.id, label: $0.label) },
                                                   selected: model.groupID ?? noGroup, error: form.errors["group"],
                                                   hint: groupHint)
                                    : .group(
                                        FilterPicker.field(.init(
                                            name: "group", id: "group", label: "Group", anyLabel: "No group (top level)", placeholder: "Type a group's name",
                                            chosen: model.groupID.map { .init(value: $0, label: model.groupLabel ?? $0) } ?? GroupSuggestionsController.topLevel,
                                            suggestions: .groupSuggestions, suggestionsQuery: "top=1",
                                            fallback: .link(every(uid, .groups), "Choose from every group"), error: form.errors["group"])),
                                        .p(.class("hint"), .id("field-group-hint"), .text(groupHint))),
                                submit("Move account"))
                 }),
            .div(.class("card"),
                 .h2(.text("Reset the owner's password")),
                 .unwrap(model.resetResult) { result in
                     switch result {
                     case .link(let link):
                         return .div(.class("banner info"), .attr("role", "status"),
                                     .p(.text("The link below was emailed to \(model.ownerEmail ?? "the owner"). It works once and expires in 24 hours; it is not shown again.")),
                                     .p(.code(.id("reset-link"), .text(link))))
                     case .temporary(let password):
                         return .div(.class("banner info"), .attr("role", "status"),
                                     .p(.text("Give the owner this temporary password. They must choose a new one when they sign in; it is not shown again.")),
                                     .p(.code(.id("temporary-password"), .text(password))))
                     }
                 },
                 .p(.class("hint"), .id("help-reset-password"),
                    .text("For an owner who cannot sign in. You never see their new password; either way the owner's sessions end at once.")),
                 guarded(model.resetState, "Reset password", id: "reset-password", help: "help-reset-password") {
                     Forms.post("reset-password-form", to: action(uid, .resetPassword), Forms.csrfField(csrfToken),
                                .fieldset(.attr("aria-describedby", "help-reset-password"),
                                          .legend(text: "How the owner gets back in"),
                                          .div(.class("checkbox"),
                                               .input(.type(.radio), .id("reset-link-choice"), .name("method"), .value("link"), .checked(true)),
                                               .label(.for("reset-link-choice"), .text("A single-use link, emailed to the owner and shown here once"))),
                                          .div(.class("checkbox"),
                                               .input(.type(.radio), .id("reset-temporary-choice"), .name("method"), .value("temporary")),
                                               .label(.for("reset-temporary-choice"), .text("A temporary password, to be changed at the next sign-in")))),
                                submit("Reset password", help: "help-reset-password"))
                 }),
            .if(!model.everyOperatorListed || !model.everyGroupListed, FilterPicker.script)
        )
    }
}
