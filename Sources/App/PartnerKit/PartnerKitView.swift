import Foundation

/// The partner kit page: the materials, newest first, and for those who manage the kit the
/// forms to add a link or upload a file, and a delete button on each.
enum PartnerKitView {
    struct Model: Sendable {
        struct Item: Sendable, Equatable {
            let id: String
            let title: String
            let summary: String
            let kind: PartnerKitItem.Kind
            /// Where the link goes, or where the file downloads from.
            let href: String
            let fileName: String?
            let contentType: String?
            let size: String?
            let addedBy: String
            let addedAt: Date
        }

        /// What was typed into a form, to show it again next to its errors.
        struct Draft: Sendable, Equatable {
            var title = ""
            var description = ""
            var url = ""
        }

        var items: [Item]
        /// The address of the next (older) page, if there is one.
        var nextPage: String?
        var isFirstPage: Bool
        var mayManage: Bool
        var linkDraft = Draft()
        var linkErrors = PartnerKitInput.Invalid()
        var fileDraft = Draft()
        var fileErrors = PartnerKitInput.Invalid()
        /// What the last change did: "“Brochure” added to the partner kit."
        var notice: String?

        static let mock = Model(
            items: [
                .init(id: "6f1c3a52-1d4b-4f0e-9a43-0b7d2f1e8c11", title: "Spring campaign brochure", summary: "Print-ready, A4.",
                      kind: .file, href: SiteURL.partnerKitFile(id: "6f1c3a52-1d4b-4f0e-9a43-0b7d2f1e8c11").path,
                      fileName: "spring-brochure.pdf", contentType: "application/pdf", size: "2.4 MB", addedBy: "Ada Admin",
                      addedAt: Date(timeIntervalSince1970: 1_767_225_600)),
                .init(id: "0a9e5d7c-3b2f-4c1a-8e6d-5f4b3a2c1d0e", title: "Brand guidelines", summary: "", kind: .link,
                      href: "https://brand.example.com/guidelines", fileName: nil, contentType: nil, size: nil, addedBy: "Ada Admin",
                      addedAt: Date(timeIntervalSince1970: 1_767_139_200)),
            ],
            nextPage: nil, isFirstPage: true, mayManage: true)
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Partner kit")),
                      .p(.text("Marketing materials to use with your customers: brochures, logos, presentations and links.")))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            .if(model.mayManage, .div(.class("grid kit-forms"), linkForm(model, csrfToken: csrfToken), fileForm(model, csrfToken: csrfToken))),
            .if(model.items.isEmpty,
                .div(.class("card empty"),
                     .h2(.text(model.isFirstPage ? "No materials yet" : "No more materials")),
                     .p(.text(model.mayManage ? "Add a link or upload a file above." : "Nothing has been shared here yet."))),
                else: .div(.class("table-wrap"), .table(
                    .caption(.class("visually-hidden"), .text("Materials, newest first")),
                    .thead(.tr(.th(.attr("scope", "col"), .text("Material")),
                               .th(.attr("scope", "col"), .text("Type")),
                               .th(.attr("scope", "col"), .text("Added")),
                               .if(model.mayManage, .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions")))))),
                    .tbody(.forEach(model.items) { row($0, mayManage: model.mayManage, csrfToken: csrfToken) })
                ))),
            .unwrap(model.nextPage) { next in
                .div(.class("form-actions"),
                     .if(!model.isFirstPage, .a(.class("button secondary"), .href(SiteURL.partnerKit), .text("Newest materials"))),
                     .unwrap(LinkTarget.localPath(next)) { .a(.class("button secondary"), .href($0), .text("Older materials")) })
            }
        )
    }

    private static func row(_ item: Model.Item, mayManage: Bool, csrfToken: String) -> Markup {
        .tr(
            .td(
                item.kind == .link
                    // A link that is not http(s) (it was checked when added) is shown, not linked.
                    ? .unwrap(ExternalURL(item.href), { .a(.href($0), .attr("rel", "noopener noreferrer"), .target(.blank),
                                                             .strong(.text(item.title))) },
                              else: .strong(.text(item.title)))
                    : .a(.href(SiteURL.partnerKitFile(id: item.id)), .attr("download", item.fileName ?? ""),
                         .strong(.text(item.title))),
                .if(!item.summary.isEmpty, .div(.class("kit-description"), .text(item.summary))),
                .div(.class("hint"), .text(item.kind == .link ? item.href : "Download " + (item.fileName ?? "")))
            ),
            .td(item.kind == .link
                ? .span(.class("badge brand"), .text("Link"))
                : .group(.span(.class("badge"), .text(typeLabel(item))), .div(.class("hint"), .text(item.size ?? "")))),
            .td(.text(DisplayDate.text(item.addedAt)), .div(.class("hint"), .text("by " + item.addedBy))),
            .if(mayManage, .td(.class("actions"),
                .form(.method(.post), .action(SiteURL.deletePartnerKitItem(id: item.id)),
                      Forms.csrfField(csrfToken),
                      .button(.class("button danger"), .type(.submit), .ariaLabel("Delete “\(item.title)”"), .text("Delete")))))
        )
    }

    /// "PDF", "PNG", … from the file's extension, else its media type.
    static func typeLabel(_ item: Model.Item) -> String {
        if let name = item.fileName, let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex {
            let ext = name[name.index(after: dot)...]
            if ext.count <= 5 { return ext.uppercased() }
        }
        return item.contentType ?? "File"
    }

    private static func linkForm(_ model: Model, csrfToken: String) -> Markup {
        .form(
            .class("card"), .method(.post), .action(SiteURL.partnerKitLinks), .novalidate(),
            Forms.csrfField(csrfToken),
            .h2(.text("Add a link")),
            Forms.errorSummary(model.linkErrors.isEmpty ? nil : "The link was not added. Correct the fields marked below."),
            field(form: "link", name: "title", label: "Title", value: model.linkDraft.title, error: model.linkErrors["title"]),
            field(form: "link", name: "url", label: "Web address", type: .url, value: model.linkDraft.url, error: model.linkErrors["url"],
                  hint: "Starts with https:// or http://."),
            textArea(form: "link", value: model.linkDraft.description, error: model.linkErrors["description"]),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Add link")))
        )
    }

    private static func fileForm(_ model: Model, csrfToken: String) -> Markup {
        .form(
            .class("card"), .method(.post), .action(SiteURL.partnerKitFiles), .enctype(.multipartData), .novalidate(),
            Forms.csrfField(csrfToken),
            .h2(.text("Upload a file")),
            Forms.errorSummary(model.fileErrors.isEmpty ? nil : "The file was not added. Correct the fields marked below."),
            field(form: "file", name: "title", label: "Title", value: model.fileDraft.title, error: model.fileErrors["title"]),
            field(form: "file", name: "file", label: "File", type: .file, value: "", error: model.fileErrors["file"],
                  hint: "Up to 20 MB."),
            textArea(form: "file", value: model.fileDraft.description, error: model.fileErrors["description"]),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Upload file")))
        )
    }

    /// A labelled input whose id carries its form's name, since both forms have a title.
    private static func field(form: String, name: String, label: String, type: InputType = .text, value: String,
                              error: String?, hint: String? = nil) -> Markup {
        let id = "\(form)-\(name)"
        let describedBy = [hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }
        return .div(
            .class("field"),
            .label(.for(id), .text(label)),
            .input(
                .id(id), .name(name), .type(type), .attr("value", type == .file ? nil : value), .required(true),
                .attr("aria-invalid", error == nil ? nil : "true"),
                .attr("aria-describedby", describedBy.isEmpty ? nil : describedBy.joined(separator: " "))
            ),
            .unwrap(hint) { .div(.class("hint"), .id("\(id)-hint"), .text($0)) },
            .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) }
        )
    }

    private static func textArea(form: String, value: String, error: String?) -> Markup {
        let id = "\(form)-description"
        return .div(
            .class("field"),
            .label(.for(id), .text("Description (optional)")),
            .textarea(.id(id), .name("description"), .attr("rows", "3"),
                      .attr("aria-invalid", error == nil ? nil : "true"),
                      .attr("aria-describedby", error == nil ? nil : "\(id)-error"),
                      .text(value)),
            .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) }
        )
    }
}
