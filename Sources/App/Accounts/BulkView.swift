import Foundation

/// The accounts list's bulk control (the row and page checkboxes, the choice of accounts, the
/// action and what it needs), the lock confirmation, and a bulk change's progress page.
enum BulkView {
    /// What the form held, kept when it comes back with an error.
    struct Form: Sendable, Equatable {
        var action = ""
        var tag = ""
        var operatorID = ""
        var group = ""
        /// "All matching this filter" rather than the ticked accounts.
        var matching = false
        /// "All on this page" (its accounts are named in the form).
        var pageAll = false
        var selected: Set<String> = []
    }

    /// One of the operator's bulk changes, running or just ended, as the list mentions it.
    struct Line: Sendable, Equatable {
        let id: UUID
        let title: String
        let status: String
        let isFinished: Bool
    }

    struct Toolbar: Sendable {
        /// The actions the operator may take on some account; none: no bulk control.
        var actions: [BulkAction]
        var form = Form()
        var errors = OperatorInput.Errors()
        var operations: [Line] = []
        /// The operator and the group the kept form names, as the type-aheads show them.
        var chosenOperator: FilterPicker.Chosen?
        var chosenGroup: FilterPicker.Chosen?

        var isOffered: Bool { !actions.isEmpty }
        var offersTags: Bool { actions.contains(.tag) || actions.contains(.untag) }
        var offersOperators: Bool { actions.contains(.assign) || actions.contains(.unassign) }
        var offersGroups: Bool { actions.contains(.move) }
    }

    static func progressText(done: Int, total: Int, refused: Int) -> String {
        "\(BulkText.number(done)) of \(BulkText.number(total))" + (refused > 0 ? " — \(BulkText.number(refused)) refused" : "")
    }

    static func line(_ operation: BulkOperation) -> Line {
        Line(id: operation.id ?? UUID(), title: operation.change.title,
             status: operation.isFinished ? (operation.error ?? operation.change.summary(operation.tally))
                : progressText(done: operation.done, total: operation.total, refused: operation.refused),
             isFinished: operation.isFinished)
    }

    /// The operator's bulk changes still running or just ended, each linking to its progress;
    /// and, when the list shows no rows (and so no bulk control), why a bulk change was not made.
    static func operations(_ model: Toolbar, listsRows: Bool = true) -> Markup {
        .group(
          .if(!listsRows && !model.errors.isEmpty,
              .div(.class("banner error"), .attr("role", "alert"), .id("bulk-control"),
                   .text("The bulk change was not made: " + model.errors.fields.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")))),
          .if(!model.operations.isEmpty,
            .div(.class("banner info bulk-operations"), .attr("role", "status"),
                 .ul(.forEach(model.operations) { line in
                     .li(.strong(.text(line.title + ": ")), .text(line.status + " "),
                         .a(.href(SiteURL.bulkOperation(id: line.id.uuidString.lowercased())),
                            .text(line.isFinished ? "See what was done" : "See progress")))
                 }))))
    }

    /// The header cell: "all on this page", which names the page's accounts so that it works
    /// without a script, ticking none of the rows itself.
    static func selectAllOnPage(_ model: Toolbar, uids: [String]) -> Markup {
        .if(model.isOffered,
            .group(
                .input(.type(.checkbox), .id("bulk-page-all"), .name("page_all"), .value("1"), .checked(model.form.pageAll),
                       .attr("aria-describedby", "bulk-page-all-hint")),
                .label(.for("bulk-page-all"), .class("page-all"), .text("All on this page")),
                .span(.class("visually-hidden"), .id("bulk-page-all-hint"), .text("Applies the bulk action to every account listed here.")),
                .input(.type(.hidden), .name("on_page"), .value(uids.joined(separator: " ")))),
            else: .span(.class("visually-hidden"), .text("Select")))
    }

    /// A row's checkbox, ticked again when the form comes back with an error.
    static func checkbox(uid: String, name: String, _ model: Toolbar) -> Markup {
        .if(model.isOffered,
            .input(.type(.checkbox), .name("accounts[]"), .value(uid),
                   .checked(model.form.selected.contains(uid) || model.form.pageAll), .attr("aria-label", "Select \(name)")))
    }

    /// The bulk control above the rows. `matching` is the list's own count for the filter (nil
    /// for a search with more matches than the list counts);
    /// accounts ticked on another page than this one stay selected.
    static func toolbar(_ model: Toolbar, matching: Int?, pageUIDs: [String]) -> Markup {
        let form = model.form
        let elsewhere = form.selected.subtracting(pageUIDs).sorted()
        let errors = model.errors
        func error(_ field: String) -> Markup {
            .unwrap(errors[field]) { .div(.class("error"), .id("bulk-\(field)-error"), .text($0)) }
        }
        func described(_ field: String) -> Markup {
            .group(.attr("aria-invalid", errors[field] == nil ? nil : "true"),
                   .attr("aria-describedby", errors[field] == nil ? nil : "bulk-\(field)-error"))
        }
        return .if(model.isOffered,
            .fieldset(.class("bulk-bar"), .id("bulk-control"),
                .legend(text: "Change several accounts"),
                Forms.errorSummary(errors.isEmpty ? nil : "The bulk change was not made: correct what is marked below. Your selection is kept."),
                .div(.class("field bulk-scope"),
                     .div(.class("checkbox"),
                          .input(.type(.radio), .id("bulk-scope-selected"), .name("scope"), .value("selected"), .checked(!form.matching),
                                 described("accounts")),
                          .label(.for("bulk-scope-selected"), .text("The accounts ticked below"))),
                     .div(.class("checkbox"),
                          .input(.type(.radio), .id("bulk-scope-matching"), .name("scope"), .value("matching"), .checked(form.matching)),
                          .label(.for("bulk-scope-matching"), .text(matching.map { "All \(BulkText.accounts($0)) matching this filter" } ?? "All accounts matching this filter"))),
                     error("accounts")),
                .div(.class("field"), .label(.for("bulk-action"), .text("Action")),
                     .select(.id("bulk-action"), .attr("name", "action"), described("action"),
                             Forms.option(value: "", label: "Choose an action", selected: form.action.isEmpty),
                             .forEach(model.actions) { Forms.option(value: $0.rawValue, label: $0.label, selected: form.action == $0.rawValue) }),
                     error("action")),
                .if(model.offersTags,
                    .div(.class("field bulk-param bulk-param-tag"), .label(.for("bulk-tag"), .text("Tag (to add or remove)")),
                         .input(.id("bulk-tag"), .name("tag"), .type(.text), .value(form.tag), .attr("autocomplete", "off"), described("tag")),
                         error("tag"))),
                .if(model.offersOperators,
                    .div(.class("bulk-param bulk-param-operator"),
                         FilterPicker.field(.init(
                             name: "operator", id: "bulk-operator", label: "Operator (to assign or unassign)", anyLabel: "No operator chosen",
                             placeholder: "Type an operator's name", chosen: model.chosenOperator, suggestions: .assigneeSuggestions,
                             fallback: .note("Apply asks for one from the full list."), error: errors["operator"])))),
                .if(model.offersGroups,
                    .div(.class("bulk-param bulk-param-group"),
                         FilterPicker.field(.init(
                             name: "group", id: "bulk-group", label: "Group (to move to)", anyLabel: "No group chosen",
                             placeholder: "Type a group's name", chosen: model.chosenGroup, suggestions: .groupSuggestions,
                             suggestionsQuery: "top=1", fallback: .note("Apply asks for one from the full list."), error: errors["group"])))),
                .if(!elsewhere.isEmpty,
                    .p(.class("hint"), .text("Also selected: \(BulkText.accounts(elsewhere.count)) ticked on another page."),
                       .forEach(elsewhere) { .input(.type(.hidden), .name("accounts[]"), .value($0)) })),
                .button(.class("button secondary"), .type(.submit), .text("Apply"))))
    }

    // MARK: - Lock confirmation

    struct Confirmation: Sendable {
        var count: Int
        var matching: Bool
        /// The list's query string (its filter), for the form's address and the way back.
        var query: String
        var form: Form
        var pageUIDs: [String]
    }

    /// "Lock N accounts?", posting the same form again with `confirmed=yes`.
    static func confirmLock(_ model: Confirmation, csrfToken: String) -> Markup {
        let accounts = BulkText.accounts(model.count)
        return .form(
            .class("card confirmation"), .method(.post), .action(.site(.accountsBulk, query: model.query)),
            Forms.csrfField(csrfToken),
            .input(.type(.hidden), .name(ConfirmationView.fieldName), .value("yes")),
            .input(.type(.hidden), .name("action"), .value(BulkAction.lock.rawValue)),
            .input(.type(.hidden), .name("scope"), .value(model.matching ? "matching" : "selected")),
            .if(model.form.pageAll, .input(.type(.hidden), .name("page_all"), .value("1"))),
            .input(.type(.hidden), .name("on_page"), .value(model.pageUIDs.joined(separator: " "))),
            .forEach(model.form.selected.sorted()) { .input(.type(.hidden), .name("accounts[]"), .value($0)) },
            .h1(.text(model.matching ? "Lock all \(accounts) matching this filter?" : "Lock \(accounts)?")),
            .p(.text("Their owners and staff are signed out at once and nobody can log in to them, operators included, until they are unlocked. "
                     + "Accounts you may not lock are left alone.")),
            .div(.class("form-actions"),
                 .button(.class("button danger"), .type(.submit), .text("Lock \(accounts)")),
                 .a(.class("button secondary"), .href(.site(.accounts, query: model.query)), .text("Cancel"))))
    }

    // MARK: - Choosing the operator or the group

    /// The step that lists every operator or group when the bar's type-ahead left it out.
    struct Choose: Sendable {
        enum Field: String, Sendable {
            case `operator`, group

            var formValue: WritableKeyPath<Form, String> { self == .operator ? \.operatorID : \.group }
            var title: String { self == .operator ? "Choose the operator" : "Choose the group" }
        }

        /// Choices on the page; a search narrows the rest.
        static let limit = 200

        var field: Field
        var form: Form
        var pageUIDs: [String]
        /// The list's query string (its filter), for the form's address and the way back.
        var query: String
        var find: String
        var findError: String?
        /// "Choose one" when Apply was pressed with none chosen.
        var error: String?
        var choices: [FilterPicker.Chosen]
        /// How many match `find` in all.
        var total: Int
    }

    /// "Choose the operator" / "Choose the group": the bulk form again, with a radio per choice.
    static func choose(_ model: Choose, csrfToken: String) -> Markup {
        let form = model.form
        let name = model.field.rawValue
        let chosen = form[keyPath: model.field.formValue]
        let noun = model.field == .operator ? "operator" : "group"
        let action = BulkAction(rawValue: form.action)
        let count = form.matching ? "all the accounts matching the list's filter"
            : BulkText.accounts(form.selected.union(form.pageAll ? Set(model.pageUIDs) : []).count)
        return .form(
            .class("card bulk-choose"), .method(.post), .action(.site(.accountsBulk, query: model.query)),
            Forms.csrfField(csrfToken),
            .input(.type(.hidden), .name("action"), .value(form.action)),
            .if(!form.tag.isEmpty, .input(.type(.hidden), .name("tag"), .value(form.tag))),
            .input(.type(.hidden), .name("scope"), .value(form.matching ? "matching" : "selected")),
            .if(form.pageAll, .input(.type(.hidden), .name("page_all"), .value("1"))),
            .input(.type(.hidden), .name("on_page"), .value(model.pageUIDs.joined(separator: " "))),
            .forEach(form.selected.sorted()) { .input(.type(.hidden), .name("accounts[]"), .value($0)) },
            .h1(.text(model.field.title)),
            .p(.text("\(action?.label ?? "Change"): \(count). Choose the \(noun), then Apply.")),
            .div(.class("inline-form"),
                 .div(.class("field search"),
                      .label(.for("bulk-find"), .text(model.field == .operator ? "Find an operator" : "Find a group")),
                      .input(.id("bulk-find"), .name("find"), .type(.search), .value(model.find), .attr("autocomplete", "off"),
                             .attr("aria-invalid", model.findError == nil ? nil : "true"),
                             .attr("aria-describedby", model.findError == nil ? nil : "bulk-find-error")),
                      .unwrap(model.findError) { .div(.class("error"), .id("bulk-find-error"), .text($0)) }),
                 .button(.class("button secondary"), .type(.submit), .name("step"), .value("find"), .text("Find"))),
            .fieldset(.class("choices"), .attr("aria-describedby", model.error == nil ? nil : "bulk-choose-error"),
                .legend(text: model.field == .operator ? "Operator" : "Group"),
                .unwrap(model.error) { .div(.class("error"), .id("bulk-choose-error"), .text($0)) },
                .if(model.choices.isEmpty,
                    .p(.class("hint"), .text(model.find.isEmpty ? "There is no \(noun) to choose." : "No \(noun) matches “\(model.find)”."))),
                .forEach(Array(model.choices.enumerated())) { index, choice in
                    .div(.class("checkbox"),
                         .input(.type(.radio), .id("bulk-choice-\(index)"), .name(name), .value(choice.value), .checked(choice.value == chosen)),
                         .label(.for("bulk-choice-\(index)"), .text(choice.label)))
                },
                .if(model.total > model.choices.count,
                    .p(.class("hint"), .text("\(BulkText.number(model.total - model.choices.count)) more: find the \(noun) by name to see it.")))),
            .div(.class("form-actions"),
                 .button(.class("button"), .type(.submit), .name("step"), .value("chosen"), .text("Apply")),
                 .a(.class("button secondary"), .href(.site(.accounts, query: model.query)), .text("Cancel"))))
    }

    // MARK: - Progress page

    struct Progress: Sendable {
        var id: String
        var title: String
        var state: BulkOperation.State
        var total: Int
        var done: Int
        var refused: Int
        /// What was done, once it has ended; the error when it stopped.
        var summary: String?
        var startedAt: Date
        var finishedAt: Date?
        /// Whether the page keeps its progress up to date while the change runs (the reader may stop it).
        var refreshes = true
        var isRunning: Bool { state == .queued || state == .running }
    }

    /// The address that shows the page without updating itself.
    static let stillQuery = "refresh=off"

    /// Seconds between two updates of a running change's page.
    static let updateSeconds = 3

    /// `/accounts/bulk/{id}`: how far the change has gone; while it runs, `BulkProgressScript`
    /// brings the card up to date in place.
    static func progress(_ model: Progress) -> Markup {
        let stateText: String = switch model.state {
        case .queued: "Waiting to start"
        case .running: "Running"
        case .done: "Done"
        case .failed: "Stopped"
        }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.title)),
                      .p(.text("Started \(DisplayDate.text(model.startedAt, .minute)) UTC"
                               + (model.finishedAt.map { ", ended \($0.formatted(date: .omitted, time: .shortened)) UTC" } ?? "") + "."))),
                 .a(.class("button secondary"), .href(SiteURL.accounts), .text("Client accounts"))),
            .div(.class("card bulk-progress"), .id("bulk-progress"), .attr("aria-live", "polite"),
                 .if(model.isRunning && model.refreshes, .attr("data-updates", String(updateSeconds))),
                 .p(.class("bulk-state"), .span(.class(model.state == .failed ? "badge danger" : model.isRunning ? "badge warning" : "badge success"),
                                                .text(stateText))),
                 .p(.class("bulk-count"), .id("bulk-progress-text"),
                    .text(progressText(done: model.done, total: model.total, refused: model.refused))),
                 .element("progress", [.attr("max", String(max(model.total, 1))), .attr("value", String(min(model.done, max(model.total, 1)))),
                                       .attr("aria-labelledby", "bulk-progress-text")]),
                 .unwrap(model.summary) { .p(.class(model.state == .failed ? "banner error" : "banner success"), .text($0)) },
                 .if(model.isRunning && model.refreshes,
                     .p(.class("hint"), .text("This page updates every few seconds until the change is done. You can leave it: the change goes on. "),
                        .a(.href(.site(.bulkOperation(id: model.id), query: stillQuery)), .text("Stop updating")), .text(" · "),
                        .a(.href(SiteURL.bulkOperation(id: model.id)), .text("Show the progress now")))),
                 .if(model.isRunning && !model.refreshes,
                     .p(.class("hint"), .text("This page no longer updates by itself. "),
                        .a(.href(.site(.bulkOperation(id: model.id), query: stillQuery)), .text("Show the progress now")), .text(" or "),
                        .a(.href(SiteURL.bulkOperation(id: model.id)), .text("update automatically again")), .text(".")))),
            .if(model.isRunning && model.refreshes, BulkProgressScript.element))
    }
}
