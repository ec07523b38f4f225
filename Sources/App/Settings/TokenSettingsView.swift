import Foundation

/// `/settings/api-tokens`: the tokens, each with a revoke button; the form that makes one; and,
/// right after making one, its value in a read-only field with the warning that it is not
/// shown again.
enum TokenSettingsView {
    static func render(_ model: TokenSettingsPage.Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("API tokens")),
                      .p(.text(model.showsEveryone
                               ? "Every operator's tokens for the API. A token acts with its operator's permissions; revoking one stops it at once."
                               : "Your tokens for the API. A token acts with your permissions, never more; revoking one stops it at once.")))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .unwrap(model.created, created),
            list(model, csrfToken: csrfToken),
            createForm(model, csrfToken: csrfToken)
        )
    }

    private static func created(_ token: TokenSettingsPage.Model.Created) -> Markup {
        .section(
            .class("card"), .id("new-token"), .attr("role", "status"),
            .h2(.text("Your new token “\(token.name)”")),
            .div(.class("banner warning"),
                 .text("Copy it now and keep it somewhere safe: it is not shown again. It works until \(when(token.expiresAt)).")),
            .div(.class("field"),
                 .label(.for("new-token-value"), .text("Token")),
                 .input(.id("new-token-value"), .type(.text), .value(token.value), .flag("readonly", true),
                        .attr("autocomplete", "off"), .attr("spellcheck", "false"), .attr("aria-describedby", "new-token-hint")),
                 .div(.class("hint"), .id("new-token-hint"), .text("Send it as the header Authorization: Bearer followed by the token.")))
        )
    }

    private static func list(_ model: TokenSettingsPage.Model, csrfToken: String) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        return .section(
            .class("card"), .id("tokens"),
            .h2(.text(model.showsEveryone ? "All tokens" : "Your tokens")),
            .if(model.tokens.isEmpty,
                .p(.class("empty"), .text(model.showsEveryone ? "No operator has an API token." : "You have no API tokens.")),
                else: .div(.class("table-wrap"), .table(
                    .caption(.class("visually-hidden"), .text("API tokens")),
                    .thead(.tr(header("Name"), .if(model.showsEveryone, header("Operator")), header("Created"), header("Expires"),
                               header("Last used"), header("Status"), .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                    .tbody(.forEach(model.tokens) { row($0, showsOwner: model.showsEveryone, csrfToken: csrfToken) })
                )))
        )
    }

    private static func row(_ token: TokenSettingsPage.Model.Token, showsOwner: Bool, csrfToken: String) -> Markup {
        .tr(
            .td(.text(token.name)),
            .if(showsOwner, .td(.text(token.owner ?? ""), .if(token.isOwn, .span(.class("badge"), .text("You"))))),
            .td(.text(when(token.createdAt))),
            .td(.text(when(token.expiresAt))),
            .td(.text(token.lastUsedAt.map(when) ?? "Never")),
            .td(.span(.class("badge"), .text(token.isExpired ? "Expired" : "Active"))),
            .td(.class("actions"),
                .form(.method(.post), .action(SiteURL.revokeAPIToken(id: token.id)),
                      Forms.csrfField(csrfToken),
                      .button(.class("button danger"), .type(.submit), .ariaLabel("Revoke \(token.name)"), .text("Revoke"))))
        )
    }

    private static func createForm(_ model: TokenSettingsPage.Model, csrfToken: String) -> Markup {
        .section(
            .class("card"), .id("create"),
            .h2(.text("Make a token")),
            .unwrap(model.createRefusal, { .p(.class("banner info"), .text($0)) }, else: .form(
                .method(.post), .action(SiteURL.apiTokens), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.errorSummary(model.errors.isEmpty ? nil : "The token was not made. Correct the fields marked below."),
                Forms.field(.init(name: "name", label: "Name", value: model.draft.name, error: model.errors["name"],
                                  hint: "What it is for, such as “CRM sync”. 1 to \(APITokens.maxNameLength) characters.", autocomplete: "off")),
                Forms.field(.init(name: "expires_in_days", label: "Expires after (days)", type: .number, value: model.draft.days,
                                  error: model.errors["expires_in_days"],
                                  hint: "1 to \(model.maxDays) days; \(model.defaultDays) unless you change it.")),
                .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Make token")))
            ))
        )
    }

    private static func when(_ date: Date) -> String { DisplayDate.text(date, .minute) }
}
