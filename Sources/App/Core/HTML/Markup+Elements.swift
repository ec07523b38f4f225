/// The elements views may use. Children mix attributes and content, as in Plot, so a view
/// reads `.a(.class("button"), .href(.home), .text("Home"))`.
extension Markup {
    static func a(_ children: Markup...) -> Markup { element("a", children) }
    static func article(_ children: Markup...) -> Markup { element("article", children) }
    static func body(_ children: Markup...) -> Markup { element("body", children) }
    static func br() -> Markup { element("br", [], isVoid: true) }
    static func button(_ children: Markup...) -> Markup { element("button", children) }
    static func caption(_ children: Markup...) -> Markup { element("caption", children) }
    static func code(_ children: Markup...) -> Markup { element("code", children) }
    static func dd(_ children: Markup...) -> Markup { element("dd", children) }
    static func details(_ children: Markup...) -> Markup { element("details", children) }
    static func div(_ children: Markup...) -> Markup { element("div", children) }
    static func dl(_ children: Markup...) -> Markup { element("dl", children) }
    static func dt(_ children: Markup...) -> Markup { element("dt", children) }
    static func fieldset(_ children: Markup...) -> Markup { element("fieldset", children) }
    static func footer(_ children: Markup...) -> Markup { element("footer", children) }
    static func form(_ children: Markup...) -> Markup { element("form", children) }
    static func h1(_ children: Markup...) -> Markup { element("h1", children) }
    static func h2(_ children: Markup...) -> Markup { element("h2", children) }
    static func h3(_ children: Markup...) -> Markup { element("h3", children) }
    static func header(_ children: Markup...) -> Markup { element("header", children) }
    static func img(_ children: Markup...) -> Markup { element("img", children, isVoid: true) }
    static func input(_ children: Markup...) -> Markup { element("input", children, isVoid: true) }
    static func label(_ children: Markup...) -> Markup { element("label", children) }
    static func legend(_ children: Markup...) -> Markup { element("legend", children) }
    static func li(_ children: Markup...) -> Markup { element("li", children) }
    static func main(_ children: Markup...) -> Markup { element("main", children) }
    static func nav(_ children: Markup...) -> Markup { element("nav", children) }
    static func ol(_ children: Markup...) -> Markup { element("ol", children) }
    static func option(_ children: Markup...) -> Markup { element("option", children) }
    static func p(_ children: Markup...) -> Markup { element("p", children) }
    static func pre(_ children: Markup...) -> Markup { element("pre", children) }
    static func pre(_ children: [Markup]) -> Markup { element("pre", children) }
    static func section(_ children: Markup...) -> Markup { element("section", children) }
    static func select(_ children: Markup...) -> Markup { element("select", children) }
    static func small(_ children: Markup...) -> Markup { element("small", children) }
    static func span(_ children: Markup...) -> Markup { element("span", children) }
    static func strong(_ children: Markup...) -> Markup { element("strong", children) }
    static func summary(_ children: Markup...) -> Markup { element("summary", children) }
    static func table(_ children: Markup...) -> Markup { element("table", children) }
    static func tbody(_ children: Markup...) -> Markup { element("tbody", children) }
    static func td(_ children: Markup...) -> Markup { element("td", children) }
    static func textarea(_ children: Markup...) -> Markup { element("textarea", children) }
    static func th(_ children: Markup...) -> Markup { element("th", children) }
    static func thead(_ children: Markup...) -> Markup { element("thead", children) }
    static func tr(_ children: Markup...) -> Markup { element("tr", children) }
    static func ul(_ children: Markup...) -> Markup { element("ul", children) }

    // SVG, for the charts drawn on the server.
    static func svg(_ children: Markup...) -> Markup { element("svg", children) }
    static func svgTitle(_ children: Markup...) -> Markup { element("title", children) }
    static func desc(_ children: Markup...) -> Markup { element("desc", children) }
    static func line(_ children: Markup...) -> Markup { element("line", children, isVoid: true) }
    static func rect(_ children: Markup...) -> Markup { element("rect", children) }
    static func svgText(_ children: Markup...) -> Markup { element("text", children) }
}

extension Markup {
    static func code(text: String) -> Markup { code(.text(text)) }
    static func dd(text: String) -> Markup { dd(.text(text)) }
    static func dt(text: String) -> Markup { dt(.text(text)) }
    static func legend(text: String) -> Markup { legend(.text(text)) }
    static func summary(text: String) -> Markup { summary(.text(text)) }
}
