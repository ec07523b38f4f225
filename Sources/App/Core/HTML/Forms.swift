/// Form building blocks shared by every page: labelled fields whose errors are tied to them
/// with `aria-describedby`, forms that open at themselves after an error, the focus on the
/// first field in error, and the hidden CSRF field.
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

    /// A labelled list of choices whose hint and error are tied to it, like `field`.
    static func select(name: String, label: String, options: [(value: String, label: String)], selected: String?, error: String?,
                       hint: String? = nil, id: String? = nil) -> Markup {
        let id = id ?? "field-\(name)"
        let describedBy = [hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }
        return .div(.class("field"),
                    .label(.for(id), .text(label)),
                    .select(.id(id), .name(name),
                            .attr("aria-invalid", error == nil ? nil : "true"),
                            .attr("aria-describedby", describedBy.isEmpty ? nil : describedBy.joined(separator: " ")),
                            .forEach(options) { option(value: $0.value, label: $0.label, selected: $0.value == selected) }),
                    .unwrap(hint) { .div(.class("hint"), .id("\(id)-hint"), .text($0)) },
                    .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) })
    }

    /// A form that opens at itself when it is shown again with an error: it carries `id`, and
    /// its action names that id as the fragment, so the browser scrolls the answer to it
    /// instead of the top of a long page. (A redirect after success keeps the fragment unless
    /// its address names another place.)
    static func post(_ id: String, to url: SiteURL, _ children: Markup...) -> Markup {
        .form(.id(id), .method(.post), .action(LinkTarget.site(url, fragment: id)), .group(children))
    }

    /// The page with the focus on its first field in error: that control gets `autofocus`
    /// and no other does, so after a refused form the cursor waits where the first problem is
    /// and a screen reader reads its error (tied by `aria-describedby`). A page without an
    /// error is returned as it is.
    static func focusingFirstError(_ page: Markup) -> Markup {
        guard containsInvalidControl(page) else { return page }
        var focused = false
        return refocus(page, focused: &focused)
    }

    /// Whether an element with these children is a control marked `aria-invalid="true"`.
    private static func isInvalidControl(_ name: StaticString, _ children: [Markup]) -> Bool {
        // Every element of a page is asked: compared as bytes, no string made.
        guard same(name, "input") || same(name, "select") || same(name, "textarea") else { return false }
        func invalid(_ markup: Markup) -> Bool {
            switch markup.content {
            case .attribute(let name, let value): same(name, "aria-invalid") && value == "true"
            case .group(let nested): nested.contains(where: invalid)
            default: false
            }
        }
        return children.contains(where: invalid)
    }

    private static func same(_ name: StaticString, _ other: StaticString) -> Bool {
        name.utf8CodeUnitCount == other.utf8CodeUnitCount
            && (0..<name.utf8CodeUnitCount).allSatisfy { name.utf8Start[$0] == other.utf8Start[$0] }
    }

    private static func containsInvalidControl(_ markup: Markup) -> Bool {
        switch markup.content {
        case .element(let name, _, let children): isInvalidControl(name, children) || children.contains(where: containsInvalidControl)
        case .group(let children): children.contains(where: containsInvalidControl)
        default: false
        }
    }

    private static func refocus(_ markup: Markup, focused: inout Bool) -> Markup {
        switch markup.content {
        case .attribute(let name, _) where "\(name)" == "autofocus":
            return .empty
        case .element(let name, let isVoid, let children):
            let isFirst = !focused && isInvalidControl(name, children)
            if isFirst { focused = true }
            var rewritten: [Markup] = []
            for child in children { rewritten.append(refocus(child, focused: &focused)) }
            if isFirst { rewritten.append(.autofocus(true)) }
            return Markup(content: .element(name: name, isVoid: isVoid, children: rewritten))
        case .group(let children):
            var rewritten: [Markup] = []
            for child in children { rewritten.append(refocus(child, focused: &focused)) }
            return .group(rewritten)
        default:
            return markup
        }
    }

    /// A banner at the top of a form summarising what went wrong.
    static func errorSummary(_ message: String?) -> Markup {
        .unwrap(message) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) }
    }
}
