import Fluent
import OpenAPIRuntime
import Vapor

extension APIService {
    func listGroups(_ input: Operations.ListGroups.Input) async throws -> Operations.ListGroups.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayOpenGroups(actor))
        return .ok(.init(body: .json(try await GroupService.visible(to: actor, on: request.db).map(Self.group))))
    }

    func getGroup(_ input: Operations.GetGroup.Input) async throws -> Operations.GetGroup.Output {
        let request = try APIContext.current()
        let group = try await Self.visibleGroup(input.path.groupId, request: request)
        return .ok(.init(body: .json(Self.group(group))))
    }

    func createGroup(_ input: Operations.CreateGroup.Input) async throws -> Operations.CreateGroup.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["parentId"], in: request)
        let parentID = try body.parentId.map { try APIInput.uuid($0, field: "parentId") }
        let group = try await GroupService.create(name: body.name, parentID: parentID, by: try await request.actor(), in: request.auditContext, on: request.db)
        return .created(.init(body: .json(Self.group(group))))
    }

    func updateGroup(_ input: Operations.UpdateGroup.Input) async throws -> Operations.UpdateGroup.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["name"], in: request)
        let actor = try await request.actor()
        let group = try await Self.visibleGroup(input.path.groupId, request: request)
        // Even a change of nothing is a change: it needs the right to make one.
        try request.enforce(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))), permission: .groupsManage)
        let moveToTop = APIContext.hasNull("parentId", in: request)
        let newParent = try body.parentId.map { try APIInput.uuid($0, field: "parentId") }
        if let name = body.name { try await GroupService.rename(group, to: name, by: actor, in: request.auditContext, on: request.db) }
        if moveToTop || newParent != nil {
            try await GroupService.move(group, under: moveToTop ? nil : newParent, by: actor, in: request.auditContext, on: request.db)
        }
        return .ok(.init(body: .json(Self.group(group))))
    }

    func deleteGroup(_ input: Operations.DeleteGroup.Input) async throws -> Operations.DeleteGroup.Output {
        let request = try APIContext.current()
        let destination = try input.query.moveTo.map { raw in
            guard let destination = GroupService.Destination(raw) else { throw PortalError.badRequest("moveTo: give top or a group id.") }
            return destination
        }
        let group = try await Self.visibleGroup(input.path.groupId, request: request)
        do {
            try await GroupService.delete(group, movingTo: destination, by: try await request.actor(), in: request.auditContext, on: request.db)
        } catch let error as PortalError where error.status == .forbidden {
            request.logger.notice("access denied", metadata: ["operator": "\(request.signedIn?.operatorID.uuidString ?? "-")",
                                                               "reason": "\(error.detail)", "path": "\(request.url.path)"])
            throw error
        }
        return .noContent(.init())
    }

    /// The group if it belongs to this partner (404 otherwise) and the actor's grants reach it (403 otherwise).
    static func visibleGroup(_ rawID: String, request: Request) async throws -> AccountGroup {
        let actor = try await request.actor()
        guard let group = try await GroupService.find(try APIInput.pathID(rawID), partnerID: actor.partnerID, on: request.db) else {
            throw PortalError.notFound("No group with this id.")
        }
        try request.enforce(AccessPolicy.mayOpenGroups(actor), permission: .groupsManage)
        try request.enforce(AccessPolicy.decide(actor, .portalLogin, .group(try AccessLoader.facts(for: group))))
        return group
    }

    static func group(_ group: AccountGroup) -> Components.Schemas.Group {
        let ids = group.path.split(separator: "/").map(String.init)
        return .init(id: ids.last ?? "", name: group.name, parentId: group.parentID?.uuidString.lowercased(), ancestorIds: Array(ids.dropLast()))
    }
}
