import Foundation
import Vapor

/// A filter with too many choices for a `<select>` (the list's group and assignee): the choice
/// in force travels in a hidden field; a script turns the field into a type-ahead (a labelled
/// combobox whose listbox it fills from the server, the active option named by
/// `aria-activedescendant`); without the script, a link leads to a page of every choice.
enum FilterPicker {
    struct Field: Sendable {
        /// The list's query parameter ("group").
        let name: String
        let label: String
        /// What is in force when nothing is chosen ("Any group").
        let anyLabel: String
        let placeholder: String
        /// The id (lower case) and label of the choice in force.
        let chosen: FilterChoice?
        let suggestions: SiteURL
        /// The page of every choice, with the list's other filters in its query.
        let choices: LinkTarget
        let choicesLabel: String
        let error: String?
    }

    /// The field; its control is `\(name)-search` (a label's target, the error's owner).
    static func field(_ field: Field) -> Markup {
        let id = field.name
        // The message when the value is not valid, otherwise what is in force.
        let described = field.error == nil ? ["\(id)-current"] : ["\(id)-error"]
        return .div(
            .class("field picker"), .attr("data-picker", id), .attr("data-suggest", field.suggestions.path),
            .label(.for("\(id)-search"), .text(field.label)),
            .input(.type(.hidden), .name(field.name), .value(field.chosen?.id.uuidString.lowercased() ?? ""), .flag("data-picker-value", true)),
            .div(.class("picker-box"), .flag("data-picker-box", true), .flag("hidden", true),
                 .input(.id("\(id)-search"), .type(.text), .value(field.chosen?.label ?? ""), .placeholder(field.placeholder),
                        .attr("role", "combobox"), .attr("aria-autocomplete", "list"), .attr("aria-expanded", "false"),
                        .attr("aria-controls", "\(id)-listbox"), .attr("autocomplete", "off"), .attr("spellcheck", "false"),
                        .attr("aria-invalid", field.error == nil ? nil : "true"), .attr("aria-describedby", described.joined(separator: " "))),
                 .ul(.id("\(id)-listbox"), .class("picker-options"), .attr("role", "listbox"), .ariaLabel(field.label), .flag("hidden", true))),
            .p(.class("hint"), .id("\(id)-current"),
               .span(.flag("data-picker-current", true), .text((field.chosen?.label ?? field.anyLabel) + " · ")),
               .a(.href(field.choices), .text(field.choicesLabel))),
            .div(.class("visually-hidden"), .attr("role", "status"), .flag("data-picker-status", true)),
            .unwrap(field.error) { .div(.class("error"), .id("\(id)-error"), .text($0)) }
        )
    }

    /// The script element of a page with pickers.
    static var script: Markup { .element("script", [.src(SiteURL.filterPickerScript), .attr("defer", "defer")]) }

    static let source: String = {
        guard let url = Bundle.module.url(forResource: "Assets/picker", withExtension: "js")
                ?? Bundle.module.url(forResource: "picker", withExtension: "js", subdirectory: "Assets"),
              let body = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return body
    }()

    private static let asset = ScriptAsset(source)

    /// `GET /assets/picker.js`.
    static func serve(_ request: Request) async throws -> Response {
        guard !source.isEmpty else { throw PortalError.notFound() }
        return asset.response(to: request)
    }
}
