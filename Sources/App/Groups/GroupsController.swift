import Fluent
import SQLKit
import Vapor

/// The Groups page: the partner's tree, with create, rename, move and delete where allowed.
enum GroupsController {
    static func index(_ request: Request) async throws -> Response {
        try await render(request, notice: await request.takeNotice())
    }

    static func create(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String?; var parent: String? }
        let form = try request.content.decode(Form.self)
        let parentID = form.parent.flatMap { $0.isEmpty ? nil : UUID(uuidString: $0) }
        return try await perform(request, done: "created") { actor in
            _ = try await GroupService.create(name: form.name ?? "", parentID: parentID, by: actor, in: request.auditContext, on: request.db)
        }
    }

    /// `GET /groups/:groupId/rename`: the group's name in a form of its own, so the tree
    /// carries no form per group.
    static func renameForm(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let group = try await pathGroup(request)
        try request.enforce(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))), permission: .groupsManage)
        return try await renamePage(request, group: group, actor: actor, name: group.name)
    }

    static func rename(_ request: Request) async throws -> Response {
        struct Form: Content { var name: String? }
        let form = try request.content.decode(Form.self)
        let group = try await pathGroup(request)
        let actor = try await request.actor()
        do {
            try await GroupService.rename(group, to: form.name ?? "", by: actor, in: request.auditContext, on: request.db)
            return try await request.redirect(to: SiteURL.groups.path, notice: "renamed")
        } catch let error as PortalError where error.status == .conflict || error.status == .badRequest {
            // The name as typed, with the reason next to it.
            return try await renamePage(request, group: group, actor: actor, name: form.name ?? "",
                                        error: error.detail.hasPrefix("name: ") ? String(error.detail.dropFirst(6)).capitalizedFirstLetter : error.detail,
                                        status: error.status == .badRequest ? .unprocessableEntity : .conflict)
        }
    }

    private static func renamePage(_ request: Request, group: AccountGroup, actor: Actor, name: String, error: String? = nil,
                                   status: HTTPResponseStatus = .ok) async throws -> Response {
        let db = request.db
        let paths = try await request.application.groupPaths.value(actor.partnerID) { try await GroupPaths.load(partnerID: actor.partnerID, on: db) }
        let model = GroupsView.RenameModel(id: try group.requireID().uuidString.lowercased(), label: paths.label(of: group.id) ?? group.name,
                                           name: name, error: error)
        return await request.page("Rename a group", status: status, current: .groups, content: Forms.focusingFirstError(GroupsView.rename(model, csrfToken: request.csrfToken)))
    }

    static func move(_ request: Request) async throws -> Response {
        struct Form: Content { var parent: String? }
        let form = try request.content.decode(Form.self)
        let group = try await pathGroup(request)
        let parentID = form.parent.flatMap { $0.isEmpty ? nil : UUID(uuidString: $0) }
        return try await perform(request, done: "moved") { actor in
            try await GroupService.move(group, under: parentID, by: actor, in: request.auditContext, on: request.db)
        }
    }

    /// `GET /groups/:groupId/delete`: what the group holds and where it may go.
    static func deleteForm(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let group = try await pathGroup(request)
        try request.enforce(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))), permission: .groupsManage)
        return try await deletePage(request, group: group, actor: actor)
    }

    /// `POST /groups/:groupId/delete`: deletes it, moving its accounts and subgroups to
    /// `destination` ("top" or a group id) when it holds any.
    static func delete(_ request: Request) async throws -> Response {
        struct Form: Content { var destination: String? }
        let form = try request.content.decode(Form.self)
        let actor = try await request.actor()
        let group = try await pathGroup(request)
        let raw = (form.destination ?? "").trimmingCharacters(in: .whitespaces)
        var destination: GroupService.Destination?
        if !raw.isEmpty {
            guard let parsed = GroupService.Destination(raw) else {
                return try await deletePage(request, group: group, actor: actor, chosen: nil, error: "Choose a group from the list, or Top level.",
                                            status: .unprocessableEntity)
            }
            destination = parsed
        }
        do {
            let deletion = try await GroupService.delete(group, movingTo: destination, by: actor, in: request.auditContext, on: request.db)
            let notice = deletion.destination.map { into -> String in
                let place = switch into { case .top: "top"; case .group(let id): id.uuidString.lowercased() }
                return "deleted:\(deletion.accountsMoved):\(deletion.subgroupsMoved):\(place)"
            } ?? "deleted"
            return try await request.redirect(to: SiteURL.groups.path, notice: notice)
        } catch let error as PortalError where [.conflict, .badRequest, .forbidden].contains(error.status) {
            if error.status == .forbidden {
                request.logger.notice("access denied", metadata: ["operator": "\(actor.operatorID)", "permission": "\(Permission.accountEdit.rawValue)",
                                                                   "reason": "group delete moves accounts the operator may not move", "path": "\(request.url.path)"])
            }
            let missing = destination == nil && error.title == "Group not empty"
            return try await deletePage(request, group: group, actor: actor, chosen: raw.isEmpty ? nil : raw,
                                        error: missing ? "Choose where its accounts and subgroups go." : error.detail,
                                        status: error.status == .forbidden ? .forbidden : (missing ? .unprocessableEntity : .conflict))
        }
    }

    private static func deletePage(_ request: Request, group: AccountGroup, actor: Actor, chosen: String? = nil, error: String? = nil,
                                   status: HTTPResponseStatus = .ok) async throws -> Response {
        let id = try group.requireID()
        let all = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let paths = GroupPaths(all)
        let destinations = try await GroupService.visible(to: actor, among: all, paths: paths, on: request.db).filter { candidate in
            guard !candidate.path.hasPrefix(group.path) else { return false }
            return AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: candidate))).isAllowed
        }
        let counts = try await visibleAccountCounts(for: actor, on: request.db)
        let blocker = try await GroupService.grantBlockers(partnerID: actor.partnerID, on: request.db)[id]
        let model = GroupsView.DeleteModel(
            id: id.uuidString.lowercased(), label: paths.label(of: id) ?? group.name,
            accounts: counts[id] ?? 0, subgroups: all.filter { $0.parentID == id }.count,
            destinations: destinations.compactMap { target in target.id.map { .init(id: $0.uuidString.lowercased(), label: paths.label(of: $0) ?? target.name) } },
            mayMoveToTop: AccessPolicy.decide(actor, .groupsManage, .partner(actor.partnerID)).isAllowed,
            chosen: chosen, blocker: blocker?.reason(groupName: group.name), error: error)
        return await request.page("Delete a group", status: status, current: .groups, content: GroupsView.delete(model, csrfToken: request.csrfToken))
    }

    /// The notice a change left, as the page says it: "deleted:3:1:<id>" names where the contents went.
    static func notice(_ stored: String?, paths: GroupPaths) -> GroupsView.Notice? {
        switch stored {
        case "created": return .created
        case "renamed": return .renamed
        case "moved": return .moved
        case "deleted": return .deleted
        default:
            guard let parts = stored?.split(separator: ":"), parts.count == 4, parts[0] == "deleted",
                  let accounts = Int(parts[1]), let subgroups = Int(parts[2]) else { return nil }
            let into = parts[3] == "top" ? "the top level" : (paths.label(of: UUID(uuidString: String(parts[3]))) ?? "another group")
            return .deletedMoving(accounts: accounts, subgroups: subgroups, into: into)
        }
    }

    /// Runs a change; on success back to the tree with a notice, on a refusal the tree again
    /// with the reason (403 and 404 stay errors).
    private static func perform(_ request: Request, done: String, _ change: (Actor) async throws -> Void) async throws -> Response {
        let actor = try await request.actor()
        do {
            try await change(actor)
            return try await request.redirect(to: SiteURL.groups.path, notice: done)
        } catch let error as PortalError where error.status == .conflict || error.status == .badRequest {
            return try await render(request, error: error.detail, status: error.status == .badRequest ? .unprocessableEntity : .conflict)
        }
    }

    /// The group in the path: this partner's (404 otherwise).
    private static func pathGroup(_ request: Request) async throws -> AccountGroup {
        let actor = try await request.actor()
        guard let id = request.parameters.get("groupId").flatMap(UUID.init(uuidString:)),
              let group = try await GroupService.find(id, partnerID: actor.partnerID, on: request.db)
        else { throw PortalError.notFound() }
        return group
    }

    private static func render(_ request: Request, notice: String? = nil, error: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayOpenGroups(actor), permission: .groupsManage)
        let all = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let paths = GroupPaths(all)
        let visible = try await GroupService.visible(to: actor, among: all, paths: paths, on: request.db)
        let db = request.db
        let counts = try await request.application.groupAccountCounts.value(HeaderCounts.Key(actor: actor, filter: .init())) {
            try await visibleAccountCounts(for: actor, on: db)
        }
        let blockers = try await GroupService.grantBlockers(partnerID: actor.partnerID, on: request.db)
        let manageable = try visible.filter { AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: $0))).isAllowed }
        let manageableIDs = Set(manageable.compactMap(\.id))
        let mayManageTop = AccessPolicy.decide(actor, .groupsManage, .partner(actor.partnerID)).isAllowed
        let depthOffset = visible.map { $0.lineage.count }.min() ?? 1

        // Accounts below each group: every group's direct count added to each group of its path.
        var totals: [UUID: Int] = [:]
        for group in all {
            guard let id = group.id, let direct = counts[id], direct > 0 else { continue }
            for ancestor in group.lineage { totals[ancestor, default: 0] += direct }
        }
        let rows = try visible.map { group -> GroupsView.Model.Row in
            let id = try group.requireID()
            let mayManage = manageableIDs.contains(id)
            return GroupsView.Model.Row(
                id: id.uuidString.lowercased(), name: group.name, depth: group.lineage.count - depthOffset,
                directAccounts: counts[id] ?? 0, totalAccounts: totals[id] ?? 0, mayManage: mayManage,
                whyNotDeletable: mayManage ? blockers[id].map { $0.reason(groupName: group.name) } : nil)
        }
        let model = GroupsView.Model(
            rows: rows,
            parentOptions: manageable.compactMap { group in group.id.map { .init(id: $0.uuidString.lowercased(), label: paths.label(of: $0) ?? group.name) } },
            mayCreateTop: mayManageTop, notice: Self.notice(notice, paths: paths), error: error)
        return await request.page("Groups", status: status, current: .groups, content: GroupsView.render(model, csrfToken: request.csrfToken))
    }

    /// `GET /groups/:groupId/move`: where the group may go (groups the operator manages,
    /// outside its own subtree), on a page of its own so the tree stays small.
    static func moveForm(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let group = try await pathGroup(request)
        try request.enforce(AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: group))), permission: .groupsManage)
        let all = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let paths = GroupPaths(all)
        // Never the group itself or below it; its current parent stays listed (and chosen), so the
        // form opens on where it is.
        let targets = try await GroupService.visible(to: actor, among: all, paths: paths, on: request.db).filter { candidate in
            guard !candidate.path.hasPrefix(group.path) else { return false }
            if candidate.id == group.parentID { return true }
            return AccessPolicy.decide(actor, .groupsManage, .group(try AccessLoader.facts(for: candidate))).isAllowed
        }
        let model = GroupsView.MoveModel(
            id: try group.requireID().uuidString.lowercased(), label: paths.label(of: group.id) ?? group.name,
            targets: targets.compactMap { target in target.id.map { .init(id: $0.uuidString.lowercased(), label: paths.label(of: $0) ?? target.name) } },
            offersTop: group.parentID == nil || AccessPolicy.decide(actor, .groupsManage, .partner(actor.partnerID)).isAllowed,
            currentParent: group.parentID?.uuidString.lowercased())
        return await request.page("Move a group", current: .groups, content: GroupsView.move(model, csrfToken: request.csrfToken))
    }

    /// Accounts directly in each group that `actor` may see (`AccountVisibility`): one grouped
    /// query for the whole tree, so a reader without secure clearance or scoped to a group counts
    /// only what the accounts list shows them.
    static func visibleAccountCounts(for actor: Actor, on db: any Database) async throws -> [UUID: Int] {
        let sql = try db.sql
        let rows = try await sql.select()
            .column("group_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Account.schema).where(AccountVisibility.condition(for: actor, pathRanges: AccountVisibility.usesByteOrder(sql)))
            .where("group_id", .isNot, SQLLiteral.null)
            .groupBy("group_id").all()
        var counts: [UUID: Int] = [:]
        for row in rows {
            counts[try row.decode(column: "group_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }
}

private extension String {
    var capitalizedFirstLetter: String { prefix(1).uppercased() + dropFirst() }
}
