import Foundation

/// The page of every choice of a list filter (groups, or operators for "Assigned to"), for
/// choosing without a script: a page at a time, findable by words, each choice a link back to
/// the list with the filter set and the list's other filters kept.
enum FilterChoicesView {
    struct Choice: Sendable, Equatable {
        let label: String
        /// The list's query string with this choice in force.
        let query: String
        let isChosen: Bool
    }

    struct Kept: Sendable, Equatable {
        let name: String
        let value: String
    }

    struct Model: Sendable {
        /// This page, for the find form and the page links.
        var page: SiteURL
        /// The list the choices lead back to.
        var list: SiteURL = .accounts
        var title: String
        var intro: String
        /// "groups", "operators": for the position and the pages' label.
        var noun: String
        var findLabel: String
        var find: String
        var findError: String?
        /// The list's filters, kept through the find form.
        var kept: [Kept]
        var anyLabel: String
        var anyQuery: String
        var anyIsChosen: Bool
        var choices: [Choice]
        var total: Int
        /// The position of the first choice shown (1-based).
        var first: Int
        /// This page's query strings for the pages before and after; nil at either end.
        var previousQuery: String?
        var nextQuery: String?
        /// The list as it was.
        var backQuery: String
    }

    static func render(_ model: Model) -> Markup {
        let last = model.first + model.choices.count - 1
        let position = model.choices.isEmpty ? "No \(model.noun) match." :
            "\(AccountsView.number(model.first))–\(AccountsView.number(last)) of \(AccountsView.number(model.total)) \(model.noun)"
        func page(_ label: String, _ rel: String, _ query: String?) -> Markup {
            guard let query else { return .span(.class("button secondary disabled"), .attr("aria-disabled", "true"), .text(label)) }
            return .a(.class("button secondary"), .attr("rel", rel), .href(.site(model.page, query: query)), .text(label))
        }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text(model.title)), .p(.text(model.intro))),
                 .a(.class("button secondary"), .href(.site(model.list, query: model.backQuery)), .text("Back to the list"))),
            .form(.class("card filters"), .method(.get), .action(model.page), .novalidate(),
                  .forEach(model.kept) { kept in .input(.type(.hidden), .name(kept.name), .value(kept.value)) },
                  .div(.class("inline-form"),
                       .div(.class("field search"), .label(.for("find"), .text(model.findLabel)),
                            .input(.id("find"), .name("find"), .type(.search), .value(model.find),
                                   .attr("aria-invalid", model.findError == nil ? nil : "true"),
                                   .attr("aria-describedby", model.findError == nil ? nil : "find-error")),
                            .unwrap(model.findError) { .div(.class("error"), .id("find-error"), .text($0)) }),
                       .button(.class("button secondary"), .type(.submit), .text("Find")))),
            .div(.class("card"),
                 .p(.class("list-summary"), .id("choices-position"), .text(position)),
                 .ul(.class("choice-list"),
                     .li(.a(.href(.site(model.list, query: model.anyQuery)), .if(model.anyIsChosen, .attr("aria-current", "true")),
                            .text(model.anyLabel))),
                     .forEach(model.choices) { choice in
                         .li(.a(.href(.site(model.list, query: choice.query)), .if(choice.isChosen, .attr("aria-current", "true")),
                                .text(choice.label)))
                     }),
                 .if(model.previousQuery != nil || model.nextQuery != nil,
                     .nav(.class("pager"), .ariaLabel("Pages of \(model.noun)"),
                          page("Previous page", "prev", model.previousQuery), page("Next page", "next", model.nextQuery))))
        )
    }
}
