import Foundation

/// Home: the operator's dashboard. The task counts, the accounts list's header counts, their
/// own accounts and, for admins over all accounts, the partner's latest audit entries.
enum HomeView {
    struct Model: Sendable, Equatable {
        var operatorName: String
        var partnerName: String
        /// The task categories the operator may see, with their counts (rows are not read).
        var tasks: [TasksView.Model.Section]
        /// Nil without `account.view`: no accounts part at all.
        var headerCounts: [AccountDirectory.Status: Int]?
        var assigned: [HomeDashboard.AssignedAccount]?
        /// Nil unless the operator may read the partner's audit log over all accounts.
        var recentAudit: [HomeDashboard.AuditLine]?

        static let mock = Model(
            operatorName: "Ada Admin", partnerName: "Acme Partners",
            tasks: [.init(category: .stuckInSetup, rule: "Created more than 14 days ago and still in setup.", total: 2, rows: [])],
            headerCounts: [.active: 3, .new: 1, .inactive: 2],
            assigned: [.init(name: "Blue Bakery", businessUID: "abc123", lastActivityAt: nil)],
            recentAudit: [.init(at: Date(timeIntervalSince1970: 1_767_225_600), actorName: "Ada Admin", impersonatorName: nil,
                                action: "account.locked", targetLabel: "Blue Bakery", accountUID: "abc123")])
    }

    static func render(_ model: Model) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Welcome, " + model.operatorName)), .p(.text("You are signed in to " + model.partnerName + ".")))),
            .section(.class("card"), .attr("aria-labelledby", "home-tasks"),
                     .h2(.id("home-tasks"), .text("Your tasks")),
                     .if(model.tasks.isEmpty,
                         .p(.text("None of your roles covers client accounts or operators, so there is no work to show here.")),
                         else: .group(TasksView.counts(model.tasks), .p(.a(.href(SiteURL.tasks), .text("See every task")))))),
            .unwrap(model.headerCounts) { counts in
                .section(.class("card"), .attr("aria-labelledby", "home-accounts"),
                         .h2(.id("home-accounts"), .text("Client accounts")),
                         .div(.class("grid"), .forEach(AccountDirectory.Status.allCases) { status in
                             .a(.class("stat"), .href(.site(.accounts, query: AccountsView.query(.init(), status: .some(status)))),
                                .div(.class("label"), .text(status.title)),
                                .div(.class("value"), .text(String(counts[status] ?? 0))))
                         }))
            },
            .unwrap(model.assigned) { assigned in
                .section(.class("card"), .attr("aria-labelledby", "home-assigned"),
                         .h2(.id("home-assigned"), .text("Your accounts")),
                         .if(assigned.isEmpty,
                             .p(.text("No accounts are assigned to you.")),
                             else: .group(
                                .p(.class("hint"), .text("Assigned to you, most recent activity first.")),
                                .div(.class("table-wrap"), .table(
                                    .thead(.tr(header("Account"), header("Last activity"))),
                                    .tbody(.forEach(assigned) { account in
                                        .tr(.td(.a(.href(SiteURL.account(uid: account.businessUID)), .text(account.name))),
                                            .td(.unwrap(account.lastActivityAt, { .text(DisplayDate.text($0, .minute)) },
                                                        else: .text("None yet"))))
                                    }))),
                                .p(.a(.href(.site(.accounts, query: AccountsView.query(AccountDirectory.Filter(mine: true)))), .text("All your accounts"))))))
            },
            .unwrap(model.recentAudit) { entries in
                .section(.class("card"), .attr("aria-labelledby", "home-audit"),
                         .h2(.id("home-audit"), .text("Recent activity in the portal")),
                         .if(entries.isEmpty,
                             .p(.text("Nothing has been recorded yet.")),
                             else: .group(
                                .div(.class("table-wrap"), .table(
                                    .thead(.tr(header("When"), header("What happened"))),
                                    .tbody(.forEach(entries) { entry in
                                        let sentence = AuditSentence(action: entry.action, actor: entry.actorName,
                                                                     targetType: entry.accountUID == nil ? "" : "account", details: "")
                                        let target: Markup = .unwrap(entry.accountUID, { .a(.href(SiteURL.account(uid: $0)), .text(entry.targetLabel)) },
                                                                     else: .text(entry.targetLabel))
                                        return .tr(.attr("data-action", entry.action),
                                                   .td(.text(DisplayDate.text(entry.at, .minute))),
                                                   .td(sentence.markup(target: target, reading: .log),
                                                       .unwrap(entry.impersonatorName) { .small(.class("hint"), .text(" \($0) was logged in as \(entry.actorName).")) }))
                                    }))),
                                .p(.a(.href(SiteURL.audit), .text("The whole audit log"))))))
            }
        )
    }
}
