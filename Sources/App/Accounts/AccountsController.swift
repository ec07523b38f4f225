import Fluent
import Vapor

/// `/accounts` (the client accounts list) and `/accounts/:businessUid` (one account).
enum AccountsController {
    /// Whether the operator may see any account at all (and so the list).
    static func mayList(_ actor: Actor) -> Bool {
        actor.isActive && actor.grants.contains { $0.role.allPermissions.contains(.accountView) }
    }

    static func index(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        try request.enforce(mayList(actor) ? .allow : .deny(.missingPermission(.accountView)), permission: .accountView)
        let filter = try Self.filter(from: request)
        let after = (try? request.query.get(String.self, at: "after")).flatMap(UUID.init(uuidString:))
        async let page = AccountDirectory.page(filter, for: actor, after: after, on: request.db)
        async let counts = AccountDirectory.counts(filter, for: actor, on: request.db)
        let groups = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let paths = Dictionary(uniqueKeysWithValues: groups.compactMap { group in group.id.map { ($0, GroupService.displayPath(group, in: groups).joined(separator: " › ")) } })
        let model = AccountsView.ListModel(
            filter: filter, counts: try await counts, rows: try await page.rows, next: try await page.next,
            isFirstPage: after == nil, groupNames: paths,
            groupOptions: paths.sorted { $0.value < $1.value }.map { .init(id: $0.key.uuidString.lowercased(), label: $0.value) })
        return await request.page("Client accounts", current: .accounts, content: AccountsView.list(model))
    }

    static func show(_ request: Request) async throws -> Response {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: request.parameters.get("businessUid") ?? "", by: actor, on: request.db)
        let group = try await account.groupID.asyncFlatMap { try await GroupService.find($0, partnerID: actor.partnerID, on: request.db) }
        let groups = try await AccountGroup.query(on: request.db).filter(\.$partnerID == actor.partnerID).all()
        let model = AccountsView.DetailModel(
            name: account.name, businessUID: account.businessUID, email: account.email, phone: account.phone, ownerName: account.ownerName,
            nickname: account.nickname, plan: account.plan, staffSlots: account.staffSlots, createdAt: account.createdAt,
            group: group.map { GroupService.displayPath($0, in: groups).joined(separator: " › ") },
            secure: account.secure, locked: account.locked, setupCompleted: account.setupCompleted, isTemplate: account.isTemplate,
            sendLinksEnabled: account.sendLinksEnabled, lastActivityAt: account.lastActivityAt)
        return await request.page(account.name, current: .accounts, content: AccountsView.detail(model))
    }

    /// The list's filter from the query string; unknown values are ignored, as in a URL typed by hand.
    static func filter(from request: Request) throws -> AccountDirectory.Filter {
        func text(_ key: String) -> String? { (try? request.query.get(String.self, at: key)).flatMap { $0.isEmpty ? nil : $0 } }
        func flag(_ key: String) -> Bool? { text(key).flatMap { ["yes": true, "no": false][$0] } }
        var filter = AccountDirectory.Filter()
        filter.search = String((text("q") ?? "").prefix(AccountDirectory.maxSearchLength))
        filter.status = text("status").flatMap(AccountDirectory.Status.init(rawValue:))
        filter.locked = flag("locked")
        filter.setupCompleted = flag("setup")
        filter.secure = flag("secure")
        filter.template = flag("template")
        filter.groupID = text("group").flatMap(UUID.init(uuidString:))
        filter.mine = text("mine") == "1"
        filter.sort = text("sort").flatMap(AccountDirectory.Sort.init(rawValue:)) ?? .name
        return filter
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
