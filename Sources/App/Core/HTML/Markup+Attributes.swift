/// The attributes views may use. Values are escaped by `MarkupWriter`; names are literals.
extension Markup {
    static func `class`(_ value: String) -> Markup { attr("class", value) }
    static func id(_ value: String) -> Markup { attr("id", value) }
    static func name(_ value: String) -> Markup { attr("name", value) }
    static func value(_ value: String) -> Markup { attr("value", value) }
    static func `for`(_ value: String) -> Markup { attr("for", value) }
    static func ariaLabel(_ value: String) -> Markup { attr("aria-label", value) }
    static func placeholder(_ value: String) -> Markup { attr("placeholder", value) }
    /// `alt=""` is kept: it says the image is decoration.
    static func alt(_ value: String) -> Markup { attr("alt", value, keepEmpty: true) }
    static func type(_ value: InputType) -> Markup { attr("type", value.rawValue) }
    static func method(_ value: FormMethod) -> Markup { attr("method", value.rawValue) }
    static func enctype(_ value: FormEncoding) -> Markup { attr("enctype", value.rawValue) }
    static func target(_ value: LinkWindow) -> Markup { attr("target", value.rawValue) }

    static func required(_ isOn: Bool) -> Markup { flag("required", isOn) }
    static func autofocus(_ isOn: Bool) -> Markup { flag("autofocus", isOn) }
    static func checked(_ isOn: Bool) -> Markup { flag("checked", isOn) }
    static func disabled(_ isOn: Bool) -> Markup { flag("disabled", isOn) }
    static func novalidate(_ isOn: Bool = true) -> Markup { flag("novalidate", isOn) }
    static func selected(_ isOn: Bool) -> Markup { isOn ? attr("selected", "selected") : .empty }
    static func open(_ isOn: Bool) -> Markup { isOn ? attr("open", "open") : .empty }

    // Links take typed targets only: a page of the portal, a checked external address, or
    // one of the few other forms in `LinkTarget`. There is no overload taking a string.
    static func href(_ url: SiteURL) -> Markup { attr("href", url.path) }
    static func href(_ target: LinkTarget) -> Markup { attr("href", target.value) }
    static func href(_ url: ExternalURL) -> Markup { attr("href", url.value) }
    static func action(_ url: SiteURL) -> Markup { attr("action", url.path) }
    static func action(_ target: LinkTarget) -> Markup { attr("action", target.value) }
    static func src(_ url: ExternalURL) -> Markup { attr("src", url.value) }
    static func src(_ url: SiteURL) -> Markup { attr("src", url.path) }
}

enum InputType: String, Sendable {
    case text, hidden, password, email, tel, date, search, number, url, file, radio, checkbox
    case submit, button, reset
}

enum FormMethod: String, Sendable { case get, post }

enum FormEncoding: String, Sendable { case multipartData = "multipart/form-data" }

enum LinkWindow: String, Sendable { case blank = "_blank" }
