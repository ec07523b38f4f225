import Foundation

/// A template's push page (what it holds, which parts to push to which accounts, and what
/// that would change on each) and a push's progress page.
enum TemplateView {
    struct PartChoice: Sendable, Equatable {
        var part: TemplatePart
        var chosen: Bool
        /// Accounts this part would change, among those chosen.
        var changing: Int
    }

    struct AccountChoice: Sendable, Equatable {
        var uid: String
        var name: String
        var chosen: Bool
    }

    struct Step: Sendable, Equatable {
        var code: String
        var title: String
        var chosen: Bool
    }

    /// What the template holds beyond its plan and tags, editable here (a template has no
    /// owner to edit it in the workspace).
    struct Contents: Sendable {
        var plan: String?
        var staffSlots: Int
        var tags: [String]
        var brandColor: String
        var logoURL: String
        var description: String
        var openingHours: String
        var services: String
        var steps: [Step]
        var mayEdit: Bool
        var errors: OperatorInput.Errors = .init()
    }

    struct PushPage: Sendable {
        var uid: String
        var name: String
        var contents: Contents
        var parts: [PartChoice]
        var accountsTotal: Int
        var allAccounts: Bool
        var accounts: [AccountChoice]
        var lines: [TemplatePushes.Line]
        var changing: Int
        var refused: Int
        var error: String?
        var notice: String?
    }

    static let accountChoiceLimit = 200

    static func push(_ model: PushPage, csrfToken: String) -> Markup {
        let uid = model.uid
        let chosenParts = model.parts.filter(\.chosen).map(\.part)
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Push “\(model.name)” to its accounts")),
                      .p(.text("\(BulkText.accounts(model.accountsTotal)) you may see were made from this template. "
                               + "Choose what to pass on to them; each account keeps everything else."))),
                 .a(.class("button secondary"), .href(SiteURL.account(uid: uid)), .text("The template's page"))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .unwrap(model.error) { .div(.class("banner error"), .attr("role", "alert"), .id("push-error"), .text($0)) },
            contents(model, csrfToken: csrfToken),
            .form(.class("card"), .id("push-choice"), .method(.get), .action(LinkTarget.site(.templatePush(uid: uid), fragment: "preview")),
                  .h2(.text("What to push, and where")),
                  .fieldset(.legend(.text("Parts")),
                            .forEach(model.parts) { choice in
                                .div(.class("field checkbox"),
                                     .input(.type(.checkbox), .id("part-\(choice.part.rawValue)"), .name("part"), .value(choice.part.rawValue),
                                            .checked(choice.chosen)),
                                     .label(.for("part-\(choice.part.rawValue)"),
                                            .text(choice.part.label + " — " + (choice.changing == 0 ? "no account differs"
                                                                               : "\(BulkText.accounts(choice.changing)) differ"))))
                            }),
                  .fieldset(.legend(.text("Accounts")),
                            .div(.class("field checkbox"),
                                 .input(.type(.radio), .id("scope-all"), .name("scope"), .value("all"), .checked(model.allAccounts)),
                                 .label(.for("scope-all"), .text("All \(BulkText.accounts(model.accountsTotal)) made from this template"))),
                            .div(.class("field checkbox"),
                                 .input(.type(.radio), .id("scope-chosen"), .name("scope"), .value("chosen"), .checked(!model.allAccounts)),
                                 .label(.for("scope-chosen"), .text("Only the accounts ticked below"))),
                            .div(.class("choices"),
                                 .forEach(model.accounts) { account in
                                     .div(.class("field checkbox"),
                                          .input(.type(.checkbox), .id("account-\(account.uid)"), .name("account"), .value(account.uid), .checked(account.chosen)),
                                          .label(.for("account-\(account.uid)"), .text(account.name)))
                                 }),
                            .if(model.accountsTotal > model.accounts.count,
                                .p(.class("hint"), .text("The first \(model.accounts.count) are listed; push to all of them to reach the others.")))),
                  .button(.type(.submit), .class("button secondary"), .text("Show what would change"))),
            .div(.class("card"), .id("preview"),
                 .h2(.text("What would change")),
                 .p(.text(model.changing == 0 && model.refused == 0 ? "Every chosen account already has the template's values for these parts."
                          : "\(BulkText.accounts(model.changing)) would change"
                            + (model.refused > 0 ? "; \(BulkText.accounts(model.refused)) would be left alone: you may not change them there." : "."))),
                 .if(!model.lines.isEmpty,
                     .div(.class("table-wrap"), .table(
                         .thead(.tr(.th(.attr("scope", "col"), .text("Account")), .th(.attr("scope", "col"), .text("Change")))),
                         .tbody(.forEach(model.lines) { line in
                             .tr(.td(.a(.href(SiteURL.account(uid: line.businessUID)), .text(line.name))),
                                 .td(.unwrap(line.refusal, { .p(.class("error"), .text("Left alone: " + $0)) },
                                             else: .ul(.class("changes"), .forEach(line.changes) { change in
                                                 .li(.strong(.text(change.field + ": ")), .text("\(change.before) → \(change.after)"))
                                             }))))
                         })))),
                 .if(model.changing > 0,
                     .form(.method(.post), .action(SiteURL.templatePush(uid: uid)),
                           Forms.csrfField(csrfToken),
                           .forEach(chosenParts) { .input(.type(.hidden), .name("part"), .value($0.rawValue)) },
                           .input(.type(.hidden), .name("scope"), .value(model.allAccounts ? "all" : "chosen")),
                           .if(!model.allAccounts, .forEach(model.accounts.filter(\.chosen)) { .input(.type(.hidden), .name("account"), .value($0.uid)) }),
                           .button(.type(.submit), .class("button primary"), .text("Push to \(BulkText.accounts(model.changing))"))))))
    }

    private static func contents(_ model: PushPage, csrfToken: String) -> Markup {
        let contents = model.contents
        let errors = contents.errors
        return .div(.class("card"), .id("contents"),
            .h2(.text("What the template holds")),
            .element("dl", [
                .dt(.text("Plan and staff slots")), .dd(.text("\(contents.plan ?? "No plan"), \(contents.staffSlots) staff \(contents.staffSlots == 1 ? "slot" : "slots")")),
                .dt(.text("Tags")), .dd(.text(contents.tags.isEmpty ? "None" : contents.tags.joined(separator: ", "))),
            ]),
            .p(.class("hint"), .text("The plan, staff slots and tags are changed on the template's own page.")),
            .if(contents.mayEdit,
                .element("details", [
                    .if(!errors.isEmpty, .attr("open", "open")),
                    .summary(text: "Edit branding, business page, services and onboarding"),
                    Forms.post("contents-form", to: .templateContent(uid: model.uid), .novalidate(), Forms.csrfField(csrfToken),
                               Forms.field(.init(name: "brand_color", label: "Brand colour", value: contents.brandColor, error: errors["brand_color"],
                                                 hint: "A colour such as #0B6E4F; empty for the partner's.", required: false)),
                               Forms.field(.init(name: "logo_url", label: "Logo address", type: .url, value: contents.logoURL, error: errors["logo_url"],
                                                 hint: "An https address of an image; empty for none.", required: false)),
                               Forms.textArea(name: "description", label: "Business page description", value: contents.description, error: errors["description"]),
                               Forms.textArea(name: "opening_hours", label: "Opening hours", value: contents.openingHours, error: errors["opening_hours"]),
                               Forms.textArea(name: "services", label: "Services offered for booking", value: contents.services, error: errors["services"],
                                              hint: "One a line; empty for none, when clients describe what they want.", rows: 4),
                               .fieldset(.legend(.text("Onboarding steps")),
                                         .forEach(contents.steps) { step in
                                             .div(.class("field checkbox"),
                                                  .input(.type(.checkbox), .id("step-\(step.code)"), .name("step"), .value(step.code), .checked(step.chosen)),
                                                  .label(.for("step-\(step.code)"), .text(step.title)))
                                         }),
                               .div(.class("form-actions"), .button(.class("button secondary"), .type(.submit), .text("Save the template"))))
                ]),
                else: .p(.class("hint"), .text("Changing the template's branding and business page needs “Edit branding” on it."))))
    }

    // MARK: - Progress

    struct Progress: Sendable {
        var id: String
        var templateName: String
        var templateUID: String
        var state: TemplatePush.State
        var total: Int
        var done: Int
        var refused: Int
        var summary: String?
        var refusedAccounts: [TemplatePushes.Result]
        var refreshes: Bool

        var isRunning: Bool { state == .queued || state == .running }
    }

    static func progress(_ model: Progress) -> Markup {
        let stillQuery = "refresh=off"
        let stateText: String = switch model.state {
        case .queued: "Waiting to start"
        case .running: "Running"
        case .done: "Done"
        case .failed: "Stopped"
        }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Pushing “\(model.templateName)”"))),
                 .a(.class("button secondary"), .href(SiteURL.templatePush(uid: model.templateUID)), .text("The template's push page"))),
            .div(.class("card bulk-progress"), .id("bulk-progress"), .attr("aria-live", "polite"),
                 .if(model.isRunning && model.refreshes, .attr("data-updates", "2")),
                 .p(.class("bulk-state"), .span(.class(model.state == .failed ? "badge danger" : model.isRunning ? "badge warning" : "badge success"),
                                                .text(stateText))),
                 .p(.class("bulk-count"), .id("bulk-progress-text"),
                    .text("\(BulkText.number(model.done)) of \(BulkText.accounts(model.total))"
                          + (model.refused > 0 ? " — \(BulkText.number(model.refused)) left alone" : ""))),
                 .element("progress", [.attr("max", String(max(model.total, 1))), .attr("value", String(min(model.done, max(model.total, 1)))),
                                       .attr("aria-labelledby", "bulk-progress-text")]),
                 .unwrap(model.summary) { .p(.class(model.state == .failed ? "banner error" : "banner success"), .text($0)) },
                 .if(!model.refusedAccounts.isEmpty,
                     .group(.h2(.text("Left alone")),
                            .ul(.forEach(model.refusedAccounts) { result in
                                .li(.strong(.text(result.accountName + ": ")), .text(result.message ?? ""))
                            }))),
                 .if(model.isRunning,
                     .p(.class("hint"), .text("Each account is changed on its own; you can leave this page: the push goes on. "),
                        .if(model.refreshes,
                            .a(.href(.site(.templatePushProgress(id: model.id), query: stillQuery)), .text("Stop updating")),
                            else: .a(.href(SiteURL.templatePushProgress(id: model.id)), .text("Show the progress now")))))),
            .if(model.isRunning && model.refreshes, BulkProgressScript.element))
    }
}
