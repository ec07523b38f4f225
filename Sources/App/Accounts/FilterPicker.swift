import Foundation
import Vapor

/// A choice with too many options for a `<select>` (the list's group and assignee filters, the
/// bulk bar's operator and group): the choice in force travels in a hidden field; a script turns
/// the field into a type-ahead (a labelled combobox whose listbox it fills from the server, the
/// active option named by `aria-activedescendant`); without the script, the field says how to
/// choose from every option (a link to a page of them, or a step that lists them).
enum FilterPicker {
    struct Field: Sendable {
        /// The form field's name ("group").
        let name: String
        /// The prefix of the elements' ids, unique on the page (the name, unless two forms use it).
        var id: String?
        let label: String
        /// What is in force when nothing is chosen ("Any group").
        let anyLabel: String
        let placeholder: String
        /// The id and label of the choice in force.
        let chosen: Chosen?
        let suggestions: SiteURL
        /// Extra query items for the suggestions (the bulk bar's "no group" choice).
        var suggestionsQuery: String = ""
        /// How to choose without the script.
        let fallback: Fallback
        let error: String?
    }

    struct Chosen: Sendable, Equatable {
        let value: String
        let label: String

        init(value: String, label: String) { (self.value, self.label) = (value, label) }
        init(_ choice: FilterChoice) { self.init(value: choice.id.uuidString.lowercased(), label: choice.label) }
    }

    enum Fallback: Sendable {
        /// A page of every choice, with the list's other filters in its query.
        case link(LinkTarget, String)
        /// A sentence: the form itself leads to every choice.
        case note(String)
    }

    /// The field; its control is `\(id)-search` (a label's target, the error's owner).
    static func field(_ field: Field) -> Markup {
        let id = field.id ?? field.name
        // The message when the value is not valid, otherwise what is in force.
        let described = field.error == nil ? ["\(id)-current"] : ["\(id)-error"]
        let suggest = field.suggestions.path + (field.suggestionsQuery.isEmpty ? "" : "?" + field.suggestionsQuery)
        let fallback: Markup = switch field.fallback {
        case .link(let target, let label): .a(.href(target), .text(label))
        case .note(let text): .text(text)
        }
        return .div(
            .class("field picker"), .attr("data-picker", id), .attr("data-suggest", suggest),
            .label(.for("\(id)-search"), .text(field.label)),
            .input(.type(.hidden), .name(field.name), .value(field.chosen?.value ?? ""), .flag("data-picker-value", true)),
            .div(.class("picker-box"), .flag("data-picker-box", true), .flag("hidden", true),
                 .input(.id("\(id)-search"), .type(.text), .value(field.chosen?.label ?? ""), .placeholder(field.placeholder),
                        .attr("role", "combobox"), .attr("aria-autocomplete", "list"), .attr("aria-expanded", "false"),
                        .attr("aria-controls", "\(id)-listbox"), .attr("autocomplete", "off"), .attr("spellcheck", "false"),
                        .attr("aria-invalid", field.error == nil ? nil : "true"), .attr("aria-describedby", described.joined(separator: " "))),
                 .ul(.id("\(id)-listbox"), .class("picker-options"), .attr("role", "listbox"), .ariaLabel(field.label), .flag("hidden", true))),
            .p(.class("hint"), .id("\(id)-current"),
               .span(.flag("data-picker-current", true), .text((field.chosen?.label ?? field.anyLabel) + " · ")),
               fallback),
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
