import Foundation

/// `/tasks`: the operator's outstanding work, a card per category they may see.
enum TasksView {
    struct Model: Sendable, Equatable {
        struct Row: Sendable, Equatable {
            let label: String
            let email: String
            let link: SiteURL
            let at: Date?
        }

        struct Section: Sendable, Equatable {
            let category: TaskCategory
            let rule: String
            let total: Int
            let rows: [Row]
        }

        var sections: [Section]

        init(sections: [Section]) { self.sections = sections }

        init(_ sections: [OutstandingTasks.Section], thresholds: TaskThresholds = .standard) {
            self.sections = sections.map { section in
                Section(category: section.category, rule: section.category.rule(thresholds), total: section.total, rows: section.rows.map { row in
                    let link: SiteURL = switch row.subject {
                    case .account(let uid): .account(uid: uid)
                    case .operator: .operatorDetail(id: row.id.uuidString.lowercased())
                    }
                    return Row(label: row.label, email: row.email, link: link, at: row.at)
                })
            }
        }
    }

    static func render(_ model: Model) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Tasks")), .p(.text("Outstanding work in the accounts and operators you look after.")))),
            .if(model.sections.isEmpty,
                .div(.class("card empty"), .h2(.text("No tasks for your roles")),
                     .p(.text("Tasks are about client accounts and operators, and none of your roles lets you view either."))),
                else: .group(counts(model.sections), .forEach(model.sections, section)))
        )
    }

    /// One count per category, each linking to its list on the Tasks page (also on Home).
    static func counts(_ sections: [Model.Section]) -> Markup {
        .div(.class("grid"), .forEach(sections) { section in
            .a(.class("stat"), .href(.site(.tasks, fragment: section.category.rawValue)),
               .div(.class("label"), .text(section.category.title)),
               .div(.class("value"), .text(String(section.total))))
        })
    }

    private static func section(_ section: Model.Section) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        let shown = section.rows.count
        return .section(.class("card"), .id(section.category.rawValue), .attr("aria-labelledby", section.category.rawValue + "-title"),
            .h2(.id(section.category.rawValue + "-title"), .text(section.category.title + " (" + String(section.total) + ")")),
            .p(.class("hint"), .text(section.rule)),
            .if(section.rows.isEmpty,
                .p(.class("empty"), .text("Nothing here.")),
                else: .div(.class("table-wrap"), .table(
                    .thead(.tr(header(section.category.subject == .operators ? "Operator" : "Account"), header("Email"), header(section.category.timeLabel))),
                    .tbody(.forEach(section.rows) { row in
                        .tr(.td(.a(.href(row.link), .text(row.label))),
                            .td(.text(row.email)),
                            .td(.unwrap(row.at, { .text(DisplayDate.text($0)) }, else: .text("Never"))))
                    })))),
            .if(section.total > shown && shown > 0,
                .p(.class("hint"), .text("Showing the first " + String(shown) + " of " + String(section.total) + ".")))
        )
    }
}
