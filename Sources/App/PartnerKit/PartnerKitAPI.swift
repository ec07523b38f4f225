import Fluent
import OpenAPIRuntime
import Vapor

extension APIService {
    func listPartnerKitItems(_ input: Operations.ListPartnerKitItems.Input) async throws -> Operations.ListPartnerKitItems.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayView(actor), permission: .partnerKitView)
        let limit = input.query.limit ?? 50
        guard (1...100).contains(limit) else { throw PortalError.badRequest("limit: use 1 to 100.") }
        let cursor = try input.query.cursor.map { try APIInput.uuid($0, field: "cursor") }
        let page = try await PartnerKitService.page(partnerID: actor.partnerID, after: cursor, limit: limit, on: request.db)
        return .ok(.init(body: .json(.init(items: page.items.map(Self.partnerKitItem), nextCursor: page.next?.uuidString.lowercased()))))
    }

    func createPartnerKitLink(_ input: Operations.CreatePartnerKitLink.Input) async throws -> Operations.CreatePartnerKitLink.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["description"], in: request)
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayManage(actor), permission: .partnerKitManage)
        do {
            let link = try PartnerKitInput.link(title: body.title, description: body.description ?? "", url: body.url)
            let item = try await PartnerKitService.addLink(link, by: actor, context: request.auditContext, on: request.db)
            return .created(.init(body: .json(Self.partnerKitItem(item))))
        } catch let invalid as PartnerKitInput.Invalid {
            throw invalid.error
        }
    }

    func uploadPartnerKitFile(_ input: Operations.UploadPartnerKitFile.Input) async throws -> Operations.UploadPartnerKitFile.Output {
        let request = try APIContext.current()
        guard case .binary(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the file as application/octet-stream.") }
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayManage(actor), permission: .partnerKitManage)
        let query = input.query
        guard PartnerKitInput.isPlainFileName(query.fileName) else {
            throw PortalError.badRequest("fileName: use 1 to 255 characters, without control characters, slashes or backslashes.")
        }
        // The middleware has already refused bodies over the limit; this only reads what it kept.
        let contents = try await Data(collecting: body, upTo: BodyLimit.partnerKitFile.bytes + 1)
        do {
            let file = try PartnerKitInput.file(title: query.title, description: query.description ?? "", fileName: query.fileName,
                                                contentType: query.contentType, contents: contents)
            let item = try await PartnerKitService.addFile(file, by: actor, context: request.auditContext, on: request.db)
            return .created(.init(body: .json(Self.partnerKitItem(item))))
        } catch let invalid as PartnerKitInput.Invalid {
            throw invalid.error
        }
    }

    func getPartnerKitItem(_ input: Operations.GetPartnerKitItem.Input) async throws -> Operations.GetPartnerKitItem.Output {
        let request = try APIContext.current()
        let (item, _) = try await Self.visiblePartnerKitItem(input.path.itemId, request: request)
        return .ok(.init(body: .json(Self.partnerKitItem(item))))
    }

    func downloadPartnerKitFile(_ input: Operations.DownloadPartnerKitFile.Input) async throws -> Operations.DownloadPartnerKitFile.Output {
        let request = try APIContext.current()
        let (item, _) = try await Self.visiblePartnerKitItem(input.path.itemId, request: request)
        let contents = try await PartnerKitService.contents(of: item, on: request.db)
        request.rawResponseHeaders.replaceOrAdd(name: .contentDisposition, value: PartnerKitInput.contentDisposition(fileName: item.fileName ?? "file"))
        request.rawResponseHeaders.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return .ok(.init(body: .binary(HTTPBody(contents))))
    }

    func deletePartnerKitItem(_ input: Operations.DeletePartnerKitItem.Input) async throws -> Operations.DeletePartnerKitItem.Output {
        let request = try APIContext.current()
        let (item, actor) = try await Self.visiblePartnerKitItem(input.path.itemId, request: request)
        try await PartnerKitService.delete(item, by: actor, context: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    /// The item if the actor may open the kit (403 otherwise) and it is this partner's (404 otherwise).
    static func visiblePartnerKitItem(_ rawID: String, request: Request) async throws -> (PartnerKitItem, Actor) {
        let actor = try await request.actor()
        try request.enforce(PartnerKitService.mayView(actor), permission: .partnerKitView)
        guard let item = try await PartnerKitService.find(try APIInput.pathID(rawID), partnerID: actor.partnerID, on: request.db) else {
            throw PortalError.notFound("No partner kit material with this id.")
        }
        return (item, actor)
    }

    static func partnerKitItem(_ item: PartnerKitItem) -> Components.Schemas.PartnerKitItem {
        .init(id: item.id?.uuidString.lowercased() ?? "", title: item.title, description: item.summary,
              kind: item.kind == .link ? .link : .file, url: item.url, fileName: item.fileName, contentType: item.contentType,
              byteSize: item.byteSize, createdAt: item.createdAt, createdBy: item.createdBy)
    }
}
