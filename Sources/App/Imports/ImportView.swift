import Foundation

/// The import pages: the upload form, and an import's page, which shows in turn the mapping,
/// the check's progress and findings, the import's progress and its results. Everything that
/// changes as the import goes on is in one card, which `BulkProgressScript` keeps up to date.
enum ImportView {
    struct Line: Sendable, Equatable {
        var id: String
        var fileName: String
        var status: String
        var createdAt: Date
    }

    struct NewModel: Sendable {
        var kind: ImportKind
        var error: String?
        var recent: [Line]
    }

    struct FieldChoice: Sendable, Equatable {
        var field: ImportField
        var label: String
        var hint: String
        var column: Int?
        var required: Bool
        var error: String?
    }

    struct Page: Sendable {
        var id: String
        var kind: ImportKind
        var fileName: String
        var phase: DataImport.Phase
        var total: Int
        var done: Int
        var tally: ImportTally
        var error: String?
        var createdAt: Date
        var hasHeader: Bool
        /// How each column is called, and the first rows as read.
        var columns: [String]
        var sample: [[String]]
        var fields: [FieldChoice]
        var mappingError: String?
        /// The rows not imported, first ones first, and how many there are.
        var problems: [ImportResult]
        var problemCount: Int
        var refreshes: Bool

        var isRunning: Bool { phase == .checking || phase == .importing }
    }

    static let problemLimit = 100

    static func line(_ record: DataImport) -> Line {
        Line(id: (record.id ?? UUID()).uuidString.lowercased(), fileName: record.fileName, status: status(record), createdAt: record.createdAt)
    }

    static func status(_ record: DataImport) -> String {
        switch record.phase {
        case .mapping: "Waiting for its columns to be confirmed"
        case .checking: "Checking: \(BulkText.number(record.done)) of \(ImportText.rows(record.total))"
        case .checked: "Checked: " + ImportText.summary(record.kind, record.tally, checking: true)
        case .importing: "Importing: \(BulkText.number(record.done)) of \(ImportText.rows(record.total))"
        case .done: "Imported: " + ImportText.summary(record.kind, record.tally, checking: false)
        case .failed: record.error ?? "Stopped"
        }
    }

    // MARK: - Upload

    static func new(_ model: NewModel, csrfToken: String) -> Markup {
        let kind = model.kind
        let columns = kind.fields.map { $0.label + ($0.isRequired(for: kind) ? " (needed)" : "") }.joined(separator: ", ")
        let back: SiteURL = kind == .accounts ? .accounts : .operators
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text(kind.title)),
                      .p(.text(kind == .accounts
                               ? "Create and update client accounts from a CSV file. New accounts' owners are invited by email."
                               : "Invite operators from a CSV file, each with one role."))),
                 .a(.class("button secondary"), .href(back), .text(kind == .accounts ? "Client accounts" : "Operators"))),
            .form(.class("card"), .id("upload"), .method(.post), .action(SiteURL.imports), .enctype(.multipartData), .novalidate(),
                  Forms.csrfField(csrfToken),
                  .input(.type(.hidden), .name("kind"), .value(kind.rawValue)),
                  .div(.class("field"),
                       .label(.for("field-file"), .text("CSV file")),
                       .input(.id("field-file"), .name("file"), .type(.file), .attr("accept", ".csv,text/csv"), .required(true),
                              .attr("aria-invalid", model.error == nil ? nil : "true"),
                              .attr("aria-describedby", model.error == nil ? "field-file-hint" : "field-file-hint field-file-error"),
                              .autofocus(model.error != nil)),
                       .div(.class("hint"), .id("field-file-hint"),
                            .text("Up to \(BulkText.number(ImportService.maxRows)) rows and 50 MB, saved as “CSV UTF-8”. The columns it can read: \(columns). "
                                  + "You choose which column is which next, and nothing is imported before you have seen the check.")),
                       .unwrap(model.error) { .div(.class("error"), .id("field-file-error"), .text($0)) }),
                  .button(.type(.submit), .class("button primary"), .text("Upload and check"))),
            .if(!model.recent.isEmpty,
                .div(.class("card"),
                     .h2(.text("Your recent imports")),
                     .ul(.forEach(model.recent) { line in
                         .li(.a(.href(SiteURL.importDetail(id: line.id)), .text(line.fileName)),
                             .text(" — \(DisplayDate.text(line.createdAt, .minute)) UTC: \(line.status)"))
                     }))))
    }

    // MARK: - An import

    static func show(_ model: Page, csrfToken: String) -> Markup {
        let back: SiteURL = model.kind == .accounts ? .accounts : .operators
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.kind.title)),
                      .p(.text("\(model.fileName), uploaded \(DisplayDate.text(model.createdAt, .minute)) UTC: \(ImportText.rows(model.total)).")) ),
                 .div(.class("actions"),
                      .a(.class("button secondary"), .href(.newImport(model.kind)), .text("Another file")),
                      .a(.class("button secondary"), .href(back), .text(model.kind == .accounts ? "Client accounts" : "Operators")))),
            .div(.class("card bulk-progress"), .id("bulk-progress"), .attr("aria-live", "polite"),
                 .if(model.isRunning && model.refreshes, .attr("data-updates", "2")),
                 body(model, csrfToken: csrfToken)),
            .if(model.isRunning && model.refreshes, BulkProgressScript.element))
    }

    private static func body(_ model: Page, csrfToken: String) -> Markup {
        switch model.phase {
        case .mapping:
            return mapping(model, csrfToken: csrfToken, open: true)
        case .checking, .importing:
            let checking = model.phase == .checking
            let stillQuery = "refresh=off"
            return .group(
                .h2(.text(checking ? "Checking the file" : "Importing")),
                .p(.class("bulk-count"), .id("bulk-progress-text"),
                   .text("\(BulkText.number(model.done)) of \(ImportText.rows(model.total))"
                         + (model.tally.failed > 0 ? " — \(ImportText.rows(model.tally.failed)) with problems" : ""))),
                .element("progress", [.attr("max", String(max(model.total, 1))), .attr("value", String(min(model.done, max(model.total, 1)))),
                                      .attr("aria-labelledby", "bulk-progress-text")]),
                .p(.class("hint"),
                   .text(checking ? "Nothing is changed while the file is checked. " : "Each row is imported on its own; you can leave this page: the import goes on. "),
                   .if(model.refreshes,
                       .group(.text("This page updates every few seconds. "),
                              .a(.href(.site(.importDetail(id: model.id), query: stillQuery)), .text("Stop updating"))),
                       else: .group(.a(.href(SiteURL.importDetail(id: model.id)), .text("Show the progress now")),
                                    .text(" (it no longer updates by itself).")))))
        case .checked:
            let importable = model.tally.created + model.tally.updated
            return .group(
                .h2(.text("The check")),
                .p(.class(model.tally.failed > 0 ? "banner warning" : "banner success"),
                   .text(ImportText.summary(model.kind, model.tally, checking: true) + " Nothing has been changed yet.")),
                problems(model, checking: true),
                .div(.class("import-actions"),
                     .if(importable > 0,
                         .form(.method(.post), .action(SiteURL.importStart(id: model.id)),
                               Forms.csrfField(csrfToken),
                               .button(.type(.submit), .class("button primary"),
                                       .text("Import \(ImportText.rows(importable))" + (model.tally.failed > 0 ? ", leaving out the others" : ""))))),
                     .a(.class("button secondary"), .href(SiteURL.importReport(id: model.id)), .text("Download the check (CSV)"))),
                mapping(model, csrfToken: csrfToken, open: false))
        case .done:
            return .group(
                .h2(.text("Imported")),
                .p(.class(model.tally.failed > 0 ? "banner warning" : "banner success"), .text(ImportText.summary(model.kind, model.tally, checking: false))),
                problems(model, checking: false),
                .div(.class("import-actions"),
                     .a(.class("button primary"), .href(SiteURL.importReport(id: model.id)), .text("Download the report (CSV)"))))
        case .failed:
            return .group(
                .h2(.text("Stopped")),
                .p(.class("banner error"), .attr("role", "alert"), .text(model.error ?? "The import stopped.")),
                .if(model.done > 0, .p(.text("\(ImportText.rows(model.done)) had been gone through; the report lists them."))),
                .if(model.done > 0, .div(.class("import-actions"),
                                         .a(.class("button secondary"), .href(SiteURL.importReport(id: model.id)), .text("Download the report (CSV)")))))
        }
    }

    /// The rows not imported: row number, field, reason.
    private static func problems(_ model: Page, checking: Bool) -> Markup {
        .if(model.problemCount > 0,
            .group(
                .h3(.text(checking ? "Rows that cannot be imported" : "Rows not imported")),
                .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attr("scope", "col"), .text("Row")), .th(.attr("scope", "col"), .text("Column")),
                               .th(.attr("scope", "col"), .text("Why")))),
                    .tbody(.forEach(model.problems) { result in
                        .tr(.td(.text(String(result.number))),
                            .td(.text(result.field.map { field in columnLabel(model, field) } ?? "—")),
                            .td(.text(result.message ?? "")))
                    }))),
                .if(model.problemCount > model.problems.count,
                    .p(.class("hint"), .text("The first \(model.problems.count) of \(BulkText.number(model.problemCount)) are listed; the CSV lists them all.")))))
    }

    private static func columnLabel(_ model: Page, _ field: ImportField) -> String {
        guard let column = model.fields.first(where: { $0.field == field })?.column, column < model.columns.count else { return field.label }
        let heading = model.columns[column]
        return heading.lowercased() == field.label.lowercased() ? heading : "\(heading) (\(field.label))"
    }

    /// Which column is which: a list per field, with the file's first rows to see by.
    private static func mapping(_ model: Page, csrfToken: String, open: Bool) -> Markup {
        let options: [(value: String, label: String)] = [("", "— not imported —")]
            + model.columns.enumerated().map { (String($0.offset), $0.element) }
        let form: Markup = .form(
            .id("mapping"), .method(.post), .action(LinkTarget.site(.importMapping(id: model.id), fragment: "mapping")), .novalidate(),
            Forms.csrfField(csrfToken),
            .unwrap(model.mappingError) { .p(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .div(.class("field checkbox"),
                 .input(.type(.checkbox), .id("field-has-header"), .name("has_header"), .value("1"), .checked(model.hasHeader)),
                 .label(.for("field-has-header"), .text("The first row holds the columns' headings (it is not imported)"))),
            .forEach(model.fields) { choice in
                Forms.select(name: "column_\(choice.field.rawValue)", label: choice.label + (choice.required ? " (needed)" : ""),
                             options: options, selected: choice.column.map(String.init) ?? "", error: choice.error,
                             hint: choice.hint.isEmpty ? nil : choice.hint)
            },
            .if(!model.sample.isEmpty,
                .group(
                    .h3(.text("The first rows")),
                    .div(.class("table-wrap"), .table(
                        .thead(.tr(.forEach(model.columns) { .th(.attr("scope", "col"), .text($0)) })),
                        .tbody(.forEach(model.sample) { cells in .tr(.forEach(cells) { .td(.text($0)) }) }))))),
            .button(.type(.submit), .class("button primary"), .text(open ? "Check the file" : "Check again with these columns")))
        return open ? .group(.h2(.text("Which column is which")),
                             .p(.text("The columns were guessed from the first row. Change any that are wrong, then check the file: nothing is changed until you import.")),
                             form)
            : .details(.summary(.text("Change which column is which")), form)
    }
}
