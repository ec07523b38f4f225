import Fluent
import Foundation
import SQLKit

/// The partner kit: marketing materials a partner shares with its staff (seed 002). Anyone
/// holding `partnerKit.view` or `partnerKit.manage` reads it; adding and removing material
/// takes `partnerKit.manage` over the whole partner, since the kit is partner-wide. Every
/// query takes the partner.
enum PartnerKitService {
    static func mayView(_ actor: Actor) -> Decision {
        AccessPolicy.decideAnywhere(actor, [.partnerKitView, .partnerKitManage])
    }

    static func mayManage(_ actor: Actor) -> Decision {
        AccessPolicy.decide(actor, .partnerKitManage, .partner(actor.partnerID))
    }

    static func find(_ id: UUID, partnerID: UUID, on db: any Database) async throws -> PartnerKitItem? {
        try await PartnerKitItem.query(on: db).filter(\.$id == id).filter(\.$partnerID == partnerID).first()
    }

    struct Page: Sendable {
        var items: [PartnerKitItem]
        /// The id to pass as `after` for the next page; nil on the last.
        var next: UUID?
    }

    /// Newest first, `limit` at a time. `after` is the last item of the previous page; the
    /// database compares its own stored time and id, so no row is skipped or repeated.
    static func page(partnerID: UUID, after: UUID?, limit: Int, on db: any Database) async throws -> Page {
        var query = PartnerKitItem.query(on: db).filter(\.$partnerID == partnerID)
            .sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(limit + 1)
        if let after {
            guard try await find(after, partnerID: partnerID, on: db) != nil else {
                throw PortalError.unknownReference("The list continued from a material that has since been deleted. Start again from the first page.")
            }
            query = query.filter(.sql(SQLQueryString("""
                (created_at, id) < (SELECT created_at, id FROM partner_kit_items WHERE partner_id = \(bind: partnerID) AND id = \(bind: after))
                """)))
        }
        let rows = try await query.all()
        return Page(items: Array(rows.prefix(limit)), next: rows.count > limit ? rows[limit - 1].id : nil)
    }

    static func addLink(_ link: PartnerKitInput.Link, by actor: Actor, context: AuditContext, now: Date = Date(),
                        on db: any Database) async throws -> PartnerKitItem {
        try OperatorAdministration.require(mayManage(actor))
        let item = PartnerKitItem(partnerID: actor.partnerID, title: link.title, summary: link.summary, kind: .link, url: link.url,
                                  createdAt: now, createdBy: context.actor.name)
        try await db.writeTransaction { db in
            try await item.create(on: db)
            try await Audit.record("partner-kit.added", in: context, partnerID: actor.partnerID, target: target(item),
                                   details: "link: \(link.url)", now: now, on: db)
        }
        return item
    }

    static func addFile(_ file: PartnerKitInput.File, by actor: Actor, context: AuditContext, now: Date = Date(),
                        on db: any Database) async throws -> PartnerKitItem {
        try OperatorAdministration.require(mayManage(actor))
        let item = PartnerKitItem(partnerID: actor.partnerID, title: file.title, summary: file.summary, kind: .file,
                                  fileName: file.fileName, contentType: file.contentType, byteSize: Int64(file.contents.count),
                                  createdAt: now, createdBy: context.actor.name)
        try await db.writeTransaction { db in
            try await item.create(on: db)
            try await PartnerKitFile(itemID: try item.requireID(), partnerID: actor.partnerID, contents: file.contents).create(on: db)
            try await Audit.record("partner-kit.added", in: context, partnerID: actor.partnerID, target: target(item),
                                   details: "file: \(file.fileName) (\(file.contentType), \(file.contents.count) bytes)", now: now, on: db)
        }
        return item
    }

    static func delete(_ item: PartnerKitItem, by actor: Actor, context: AuditContext, on db: any Database) async throws {
        try OperatorAdministration.require(mayManage(actor))
        let id = try item.requireID()
        try await db.writeTransaction { db in
            try await PartnerKitFile.query(on: db).filter(\.$id == id).filter(\.$partnerID == item.partnerID).delete()
            try await PartnerKitItem.query(on: db).filter(\.$id == id).filter(\.$partnerID == item.partnerID).delete()
            try await Audit.record("partner-kit.deleted", in: context, partnerID: item.partnerID, target: target(item),
                                   details: item.kind == .link ? "link: \(item.url ?? "")" : "file: \(item.fileName ?? "")", on: db)
        }
    }

    /// The bytes of a file item. A link has none: 409, since the material itself exists.
    static func contents(of item: PartnerKitItem, on db: any Database) async throws -> Data {
        guard item.kind == .file else {
            throw PortalError(status: .conflict, title: "Not a file", detail: "This material is a link, not a file; its url says where it is.")
        }
        guard let file = try await PartnerKitFile.query(on: db).filter(\.$id == item.requireID()).filter(\.$partnerID == item.partnerID).first()
        else { throw PortalError.notFound() }
        return file.contents
    }

    static func target(_ item: PartnerKitItem) -> (type: String, id: String?, label: String) {
        ("partner-kit-item", item.id?.uuidString.lowercased(), item.title)
    }
}
