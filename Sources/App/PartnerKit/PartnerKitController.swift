import Fluent
import Vapor

/// The Partner kit page: the list for everyone who may view it; adding links, uploading
/// files and deleting for those who manage it; downloads of the files.
enum PartnerKitController {
    static let pageSize = 50

    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayView(actor), permission: .partnerKitView)
        let notice = await request.takeNotice()
        var model = try await model(request, actor: actor)
        model.notice = notice
        return await page(request, model: model)
    }

    static func addLink(_ request: Request) async throws -> Response {
        struct Form: Content { var title: String?; var description: String?; var url: String? }
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayManage(actor), permission: .partnerKitManage)
        let form = try request.content.decode(Form.self)
        let draft = PartnerKitView.Model.Draft(title: form.title ?? "", description: form.description ?? "",
                                               url: (form.url ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        do {
            let link = try PartnerKitInput.link(title: draft.title, description: draft.description, url: draft.url)
            let item = try await PartnerKitService.addLink(link, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.partnerKit.path, notice: "Link “\(item.title)” added to the partner kit.")
        } catch let invalid as PartnerKitInput.Invalid {
            var model = try await model(request, actor: actor)
            model.linkDraft = draft
            model.linkErrors = invalid
            return await page(request, model: model, status: .unprocessableEntity)
        }
    }

    static func upload(_ request: Request) async throws -> Response {
        struct Form: Content { var title: String?; var description: String?; var file: File? }
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayManage(actor), permission: .partnerKitManage)
        let form = try request.content.decode(Form.self)
        let draft = PartnerKitView.Model.Draft(title: form.title ?? "", description: form.description ?? "")
        do {
            let file = try PartnerKitInput.file(
                title: draft.title, description: draft.description, fileName: form.file?.filename ?? "",
                contentType: form.file?.contentType.flatMap(declaredType), contents: Data(form.file?.data.readableBytesView ?? .init()))
            let item = try await PartnerKitService.addFile(file, by: actor, context: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.partnerKit.path, notice: "File “\(item.title)” added to the partner kit.")
        } catch let invalid as PartnerKitInput.Invalid {
            var model = try await model(request, actor: actor)
            model.fileDraft = draft
            model.fileErrors = invalid
            return await page(request, model: model, status: invalid.fileTooLarge ? .payloadTooLarge : .unprocessableEntity)
        }
    }

    static func delete(_ request: Request) async throws -> Response {
        let (item, actor) = try await pathItem(request)
        try await PartnerKitService.delete(item, by: actor, context: request.auditContext, on: request.db)
        return try await request.redirect(to: SiteURL.partnerKit.path, notice: "“\(item.title)” removed from the partner kit.")
    }

    static func download(_ request: Request) async throws -> Response {
        let (item, _) = try await pathItem(request)
        return fileResponse(item, contents: try await PartnerKitService.contents(of: item, on: request.db))
    }

    /// The file as an attachment, typed only as far as browsers handle the type safely.
    static func fileResponse(_ item: PartnerKitItem, contents: Data) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: PartnerKitInput.servedMediaType(item.contentType))
        headers.replaceOrAdd(name: .contentDisposition, value: PartnerKitInput.contentDisposition(fileName: item.fileName ?? "file"))
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        // Should a browser render it after all, it runs nothing and loads nothing.
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        return Response(status: .ok, headers: headers, body: .init(data: contents))
    }

    // MARK: - Helpers

    /// The type the browser sent with the file, unless it is the "don't know" default;
    /// the file name then says more.
    private static func declaredType(_ type: HTTPMediaType) -> String? {
        let declared = "\(type.type)/\(type.subType)"
        return declared == "application/octet-stream" ? nil : PartnerKitInput.normalizedMediaType(declared)
    }

    /// The item in the path: 403 for anyone who may not open the kit, 404 unless it is this
    /// partner's.
    private static func pathItem(_ request: Request) async throws -> (PartnerKitItem, Actor) {
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayView(actor), permission: .partnerKitView)
        guard let id = request.parameters.get("itemId").flatMap(UUID.init(uuidString:)),
              let item = try await PartnerKitService.find(id, partnerID: actor.partnerID, on: request.db)
        else { throw PortalError.notFound() }
        return (item, actor)
    }

    private static func model(_ request: Request, actor: Actor) async throws -> PartnerKitView.Model {
        let after = (try? request.query.get(String.self, at: "after")).flatMap(UUID.init(uuidString:))
        let page = try await PartnerKitService.page(partnerID: actor.partnerID, after: after, limit: pageSize, on: request.db)
        return PartnerKitView.Model(
            items: page.items.map(row),
            nextPage: page.next.map { SiteURL.partnerKit.path + "?after=" + $0.uuidString.lowercased() },
            isFirstPage: after == nil,
            mayManage: PartnerKitService.mayManage(actor).isAllowed)
    }

    private static func row(_ item: PartnerKitItem) -> PartnerKitView.Model.Item {
        let id = item.id?.uuidString.lowercased() ?? ""
        return .init(id: id, title: item.title, summary: item.summary, kind: item.kind,
                     href: item.kind == .link ? item.url ?? "" : SiteURL.partnerKitFile(id: id).path,
                     fileName: item.fileName, contentType: item.contentType, size: item.byteSize.map(ByteSize.text),
                     addedBy: item.createdBy, addedAt: item.createdAt)
    }

    private static func page(_ request: Request, model: PartnerKitView.Model, status: HTTPResponseStatus = .ok) async -> Response {
        await request.page("Partner kit", status: status, current: .partnerKit, content: PartnerKitView.render(model, csrfToken: request.csrfToken))
    }
}

extension BodyLimit {
    /// The upload form: a whole file and the few fields around it.
    static let partnerKitForm = BodyLimit(bytes: PartnerKitInput.maxFileBytes + 64 * 1024,
                                          refusal: "Files in the partner kit can be up to 20 MB.")
    /// `POST /api/v1/partner-kit/files`, whose body is the file itself.
    static let partnerKitFile = BodyLimit(bytes: PartnerKitInput.maxFileBytes,
                                          refusal: "Files in the partner kit can be up to 20 MB (\(PartnerKitInput.maxFileBytes) bytes).")
}
