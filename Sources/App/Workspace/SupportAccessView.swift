import Foundation

/// The pages of logging in as a client: the operator's reason step, and the workspace's
/// "Support access" page (the owner's grants and the recent logins by operators).
enum SupportAccessView {
    struct ReasonModel: Sendable {
        var accountName: String
        var userName: String
        var standing: String
        var action: SiteURL
        var back: SiteURL
        var minutes: Int
        var reason: String
        var error: String?
    }

    /// Asked for when the partner requires a reason, or when the one given was not usable.
    static func reason(_ model: ReasonModel, csrfToken: String) -> Markup {
        .div(.class("card narrow"),
             .h1(.text("Log in as \(model.userName)")),
             .p(.class("lead"), .text("You act as \(model.userName), \(model.standing), for up to \(model.minutes) minutes. Everything you do is recorded with both names.")),
             .form(.method(.post), .action(model.action), .novalidate(),
                   Forms.csrfField(csrfToken),
                   Forms.field(.init(name: "reason", label: "Reason", value: model.reason, error: model.error,
                                     hint: "Why you are logging in, for the account's History and the owner.", autocomplete: "off", autofocus: true)),
                   .div(.class("form-actions"),
                        .button(.class("button primary"), .type(.submit), .text("Log in as \(model.userName)")),
                        .a(.class("button secondary"), .href(model.back), .text("Cancel")))))
    }

    struct PageModel: Sendable {
        struct Grant: Sendable, Equatable {
            let id: String
            let grantedBy: String
            let grantedAt: Date
            let until: Date?
            let inForce: Bool
            let revoked: String?
        }

        struct Visit: Sendable, Equatable {
            let operatorName: String
            let asName: String
            let startedAt: Date
            let ended: String
            let reason: String?
        }

        var partnerName: String
        var consentRequired: Bool
        /// Whether this person may grant and revoke, and if not why.
        var grantState: Decision
        var grants: [Grant]
        var visits: [Visit]
        var notice: String?
    }

    static func page(_ model: PageModel, csrfToken: String) -> Markup {
        func when(_ date: Date) -> String { "\(DisplayDate.text(date, .minute)) UTC" }
        return .group(
            .div(.class("page-header"), .div(.h1(.text("Support access")),
                                             .p(.text("When \(model.partnerName) support logs in to your account, it is listed here and recorded in your account's history.")))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .if(model.consentRequired, .div(.class("card"),
                .h2(.text("Access for support")),
                .p(.text(model.grants.contains(where: \.inForce)
                         ? "Support may log in to your account while a grant below is in force."
                         : "Support can log in to your account only after you grant access.")),
                .if(model.grantState == .allow,
                    .form(.method(.post), .action(SiteURL.workspaceSupportAccess), .class("inline-form"),
                          Forms.csrfField(csrfToken),
                          .div(.class("field"),
                               .label(.for("length"), .text("Grant access")),
                               .select(.id("length"), .name("length"),
                                       .forEach(SupportConsent.Length.allCases) { Forms.option(value: $0.rawValue, label: $0.title) })),
                          .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Grant access")))),
                    else: .unwrap(model.grantState.denialMessage) { .p(.class("hint"), .text($0)) }),
                .if(!model.grants.isEmpty, .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attr("scope", "col"), .text("Granted by")), .th(.attr("scope", "col"), .text("Granted")),
                               .th(.attr("scope", "col"), .text("Until")), .th(.attr("scope", "col"), .text("State")),
                               .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                    .tbody(.forEach(model.grants) { grant in
                        .tr(.td(.text(grant.grantedBy)), .td(.text(when(grant.grantedAt))),
                            .td(.text(grant.until.map(when) ?? "Until revoked")),
                            .td(.text(grant.revoked.map { "Revoked by \($0)" } ?? (grant.inForce ? "In force" : "Ended"))),
                            .td(.if(grant.inForce && model.grantState == .allow,
                                    .form(.method(.post), .action(SiteURL.workspaceSupportAccessRevoke), .class("inline"), Forms.csrfField(csrfToken),
                                          .input(.type(.hidden), .name("grant"), .value(grant.id)),
                                          .button(.class("button link"), .type(.submit), .text("Revoke"))))))
                    })))))),
            .div(.class("card"),
                 .h2(.text("Recent support access")),
                 .if(model.visits.isEmpty, .p(.text("Nobody from \(model.partnerName) has logged in to your account."))),
                 .if(!model.visits.isEmpty, .div(.class("table-wrap"), .table(
                    .thead(.tr(.th(.attr("scope", "col"), .text("Who")), .th(.attr("scope", "col"), .text("As")),
                               .th(.attr("scope", "col"), .text("Started")), .th(.attr("scope", "col"), .text("Ended")),
                               .th(.attr("scope", "col"), .text("Reason")))),
                    .tbody(.forEach(model.visits) { visit in
                        .tr(.td(.text(visit.operatorName)), .td(.text(visit.asName)), .td(.text(when(visit.startedAt))),
                            .td(.text(visit.ended)), .td(.text(visit.reason ?? "—")))
                    })))))
        )
    }
}

extension Decision {
    /// The reason in words, when denied.
    var denialMessage: String? {
        if case .deny(let reason) = self { return reason.message }
        return nil
    }
}
