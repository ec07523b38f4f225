/// Form building blocks shared by every page: labelled fields whose errors are tied to them
/// with `aria-describedby`, and the hidden CSRF field.
enum Forms {
    static let csrfFieldName = "csrf_token"

    static func csrfField(_ token: String) -> Markup {
        .input(.type(.hidden), .name(csrfFieldName), .value(token))
    }

    struct Field {
        var name: String
        var label: String
        var type: InputType = .text
        var value: String = ""
        var error: String? = nil
        var hint: String? = nil
        var autocomplete: String? = nil
        var required: Bool = true
        var autofocus: Bool = false
        /// When two forms on one page have a field of the same name.
        var id: String? = nil
    }

    static func field(_ field: Field) -> Markup {
        let id = field.id ?? "field-\(field.name)"
        let describedBy = [field.hint.map { _ in "\(id)-hint" }, field.error.map { _ in "\(id)-error" }].compactMap { $0 }
        return .div(
            .class("field"),
            .label(.for(id), .text(field.label)),
            .input(
                .id(id), .name(field.name), .type(field.type),
                .value(field.type == .password ? "" : field.value),
                .required(field.required),
                .autofocus(field.autofocus),
                .attr("autocomplete", field.autocomplete),
                .attr("aria-invalid", field.error == nil ? nil : "true"),
                .attr("aria-describedby", describedBy.isEmpty ? nil : describedBy.joined(separator: " "))
            ),
            .unwrap(field.hint) { .div(.class("hint"), .id("\(id)-hint"), .text($0)) },
            .unwrap(field.error) { .div(.class("error"), .id("\(id)-error"), .text($0)) }
        )
    }

    /// A labelled text area whose hint and error are tied to it, like `field`.
    static func textArea(name: String, label: String, value: String, error: String?, hint: String? = nil, rows: Int = 3) -> Markup {
        let id = "field-\(name)"
        let describedBy = [hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }
        return .div(.class("field"),
                    .label(.for(id), .text(label)),
                    .textarea(.id(id), .name(name), .attr("rows", String(rows)),
                              .attr("aria-invalid", error == nil ? nil : "true"),
                              .attr("aria-describedby", describedBy.isEmpty ? nil : describedBy.joined(separator: " ")),
                              .text(value)),
                    .unwrap(hint) { .div(.class("hint"), .id("\(id)-hint"), .text($0)) },
                    .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) })
    }

    /// An option with visible text; its value is written even when empty ("choose none").
    static func option(value: String, label: String, selected: Bool = false) -> Markup {
        .option(.attr("value", value, keepEmpty: true), .selected(selected), .text(label))
    }

    /// A banner at the top of a form summarising what went wrong.
    static func errorSummary(_ message: String?) -> Markup {
        .unwrap(message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) }
    }
}
