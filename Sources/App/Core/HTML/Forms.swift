import Plot

/// Form building blocks shared by every page: labelled fields whose errors are tied to them
/// with `aria-describedby`, and the hidden CSRF field.
enum Forms {
    static let csrfFieldName = "csrf_token"

    static func csrfField(_ token: String) -> Node<HTML.FormContext> {
        .input(.type(.hidden), .name(csrfFieldName), .value(token.attributeEscaped))
    }

    struct Field {
        var name: String
        var label: String
        var type: HTMLInputType = .text
        var value: String = ""
        var error: String? = nil
        var hint: String? = nil
        var autocomplete: String? = nil
        var required: Bool = true
        var autofocus: Bool = false
    }

    static func field(_ field: Field) -> Node<HTML.FormContext> {
        let id = "field-\(field.name)"
        let describedBy = [field.hint.map { _ in "\(id)-hint" }, field.error.map { _ in "\(id)-error" }].compactMap { $0 }
        return .div(
            .class("field"),
            .label(.for(id), .text(field.label)),
            .input(
                .id(id), .name(field.name), .type(field.type),
                .value(field.type == .password ? "" : field.value.attributeEscaped),
                .required(field.required),
                .autofocus(field.autofocus),
                .attribute(named: "autocomplete", value: field.autocomplete),
                .attribute(named: "aria-invalid", value: field.error == nil ? nil : "true"),
                .attribute(named: "aria-describedby", value: describedBy.isEmpty ? nil : describedBy.joined(separator: " "))
            ),
            .unwrap(field.hint) { .div(.class("hint"), .id("\(id)-hint"), .text($0)) },
            .unwrap(field.error) { .div(.class("error"), .id("\(id)-error"), .text($0)) }
        )
    }

    /// An option with visible text (Plot's own `.option` takes attributes only).
    static func option(value: String, label: String, selected: Bool = false) -> Node<HTML.SelectContext> {
        .element(named: "option", nodes: [
            .attribute(named: "value", value: value.attributeEscaped, ignoreIfValueIsEmpty: false),
            .if(selected, .attribute(named: "selected", value: "selected")),
            .text(label),
        ])
    }

    /// A banner at the top of a form summarising what went wrong.
    static func errorSummary(_ message: String?) -> Node<HTML.FormContext> {
        .unwrap(message) { .div(.class("banner error"), .attribute(named: "role", value: "alert"), .text($0)) }
    }
}
