import Fluent
import OpenAPIRuntime
import Vapor

extension APIService {
    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["groupId", "secure", "ownerName", "phone", "templateUid"], in: request)
        do {
            let account = try await AccountService.create(
                .init(name: body.name, email: body.email, groupID: try body.groupId.map { try APIInput.uuid($0, field: "groupId") },
                      secure: body.secure ?? false, ownerName: body.ownerName, phone: body.phone, templateUID: body.templateUid),
                by: try await request.actor(), context: request.auditContext, partner: try request.partner, baseURL: request.baseURL, on: request.db)
            return .created(.init(body: .json(Self.account(account))))
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        let request = try APIContext.current()
        let (_, account) = try await Self.accountData(input.path.businessUid, request: request)
        return .ok(.init(body: .json(Self.account(account))))
    }

    /// The account for reading its own data (details, tags, notes, staff, locations): the
    /// same rule as the account page's data tabs, so that a role for messages alone (the
    /// Messaging Agent) reads the account's conversations and nothing else of it.
    static func accountData(_ uid: String, request: Request) async throws -> (Actor, Account) {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: uid, by: actor, on: request.db)
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: request.db)
        try request.enforce(AccessPolicy.mayOpenAccountTab(actor, .business, facts), permission: .accountView)
        return (actor, account)
    }

    func listAccounts(_ input: Operations.ListAccounts.Input) async throws -> Operations.ListAccounts.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView]), permission: .accountView)
        // The list carries every account's details; a reader of messages alone works from
        // the conversations of the accounts they are given.
        if !AccessPolicy.readsAccountDetails(actor) { try request.enforce(.deny(.messagesOnly), permission: .accountView) }
        let query = input.query
        if (query.q?.unicodeScalars.count ?? 0) > AccountDirectory.maxSearchLength { throw PortalError.badRequest("q: use at most 200 characters.") }
        if (query.tag?.unicodeScalars.count ?? 0) > AccountLabels.maxTagLength { throw PortalError.badRequest("tag: use at most 40 characters.") }
        if (query.plan?.unicodeScalars.count ?? 0) > 100 { throw PortalError.badRequest("plan: use at most 100 characters.") }
        var filter = AccountDirectory.Filter()
        filter.search = query.q ?? ""
        filter.status = query.status.flatMap { AccountDirectory.Status(rawValue: $0.rawValue) }
        filter.locked = query.locked
        filter.setupCompleted = query.setupCompleted
        filter.secure = query.secure
        filter.template = query.template
        filter.groupID = try query.group.map { try APIInput.uuid($0, field: "group") }
        filter.mine = query.mine ?? false
        filter.tag = query.tag
        filter.plan = query.plan
        filter.operatorID = try query.operatorId.map { try APIInput.uuid($0, field: "operatorId") }
        filter.sort = query.sort.flatMap { AccountDirectory.Sort(rawValue: $0.rawValue) } ?? .name
        let limit = query.limit ?? 50
        guard (1...100).contains(limit) else { throw PortalError.badRequest("limit: give 1 to 100.") }
        let after = try query.cursor.map { try APIInput.uuid($0, field: "cursor") }
        let page = try await AccountDirectory.page(filter, for: actor, after: after, limit: limit, on: request.db)
        let accounts = try await page.rows.isEmpty ? [] : Account.query(on: request.db).filter(\.$partnerID == actor.partnerID)
            .filter(\.$id ~~ page.rows.map(\.id)).all()
        let byID = Dictionary(uniqueKeysWithValues: accounts.compactMap { account in account.id.map { ($0, account) } })
        return .ok(.init(body: .json(.init(items: page.rows.compactMap { byID[$0.id].map(Self.account) },
                                           nextCursor: page.next?.uuidString.lowercased()))))
    }

    func updateAccount(_ input: Operations.UpdateAccount.Input) async throws -> Operations.UpdateAccount.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        try APIContext.refuseNulls(for: ["locked", "sendLinksEnabled", "secure", "template", "setupCompleted"], in: request)
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        var toggles: [AccountAdministration.Toggle] = []
        if let value = body.locked { toggles.append(value ? .lock : .unlock) }
        if let value = body.sendLinksEnabled { toggles.append(value ? .enableSendLinks : .disableSendLinks) }
        if let value = body.template { toggles.append(value ? .setTemplate : .unsetTemplate) }
        if let value = body.setupCompleted {
            guard value else {
                throw PortalError(status: .conflict, title: "Setup is complete", detail: "setupCompleted: only true; an account does not go back into setup.")
            }
            toggles.append(.completeSetup)
        }
        // Secure last: marking it secure may take the account out of reach of the other changes.
        if let value = body.secure { toggles.append(value ? .markSecure : .unmarkSecure) }
        let nickname: String?? = APIContext.hasNull("nickname", in: request) ? .some(nil) : body.nickname.map { .some($0) }
        // As sent, before any other answer: the document's pattern has no spaces and no capitals.
        if case .some(.some(let value)) = nickname, case .failure(let error) = AccountAdministration.validateNickname(value, exactly: true) {
            throw PortalError.badRequest("nickname: \(error.message)")
        }
        // Every change is checked before any is made.
        let facts = try await AccountAdministration.facts(account, actor: actor, on: request.db)
        for toggle in toggles {
            try request.enforce(AccountAdministration.decide(toggle, by: actor, on: facts), permission: toggle.permission)
        }
        if let nickname {
            try request.enforce(AccessPolicy.decide(actor, .accountNicknameEdit, .account(facts)), permission: .accountNicknameEdit)
            if let value = nickname, case .failure(let error) = AccountAdministration.validateNickname(value) {
                throw PortalError.badRequest("nickname: \(error.message)")
            }
        }
        do {
            if let nickname {
                try await AccountAdministration.setNickname(nickname ?? "", on: account, by: actor, context: request.auditContext, on: request.db)
            }
            for toggle in toggles {
                try await AccountAdministration.apply(toggle, to: account, by: actor, context: request.auditContext, on: request.db)
            }
        } catch let errors as OperatorInput.Errors {
            throw PortalError(status: .conflict, title: "Nickname in use", detail: errors.summary)
        }
        return .ok(.init(body: .json(Self.account(account))))
    }

    func setAccountAssignments(_ input: Operations.SetAccountAssignments.Input) async throws -> Operations.SetAccountAssignments.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        let ids = try body.operatorIds.map { try APIInput.uuid($0, field: "operatorIds") }
        guard Set(ids).count == ids.count else { throw PortalError.badRequest("operatorIds: list each operator once.") }
        try await AccountAdministration.assign(Set(ids), to: account, by: actor, context: request.auditContext, on: request.db)
        let assigned = try await AccountAssignment.query(on: request.db).filter(\.$accountID == account.requireID()).all()
        return .ok(.init(body: .json(.init(operatorIds: assigned.map { $0.operatorID.uuidString.lowercased() }.sorted()))))
    }

    func getAccountHistory(_ input: Operations.GetAccountHistory.Input) async throws -> Operations.GetAccountHistory.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        let events = try await AccountAdministration.history(of: account, by: actor, on: request.db)
        return .ok(.init(body: .json(events.map { event in
            .init(action: event.action, actorId: event.actorID?.uuidString.lowercased(), actorName: event.actorName,
                  onBehalfOf: event.impersonatorName, details: event.details, at: event.at)
        })))
    }

    func listAccountTags(_ input: Operations.ListAccountTags.Input) async throws -> Operations.ListAccountTags.Output {
        let request = try APIContext.current()
        let (_, account) = try await Self.accountData(input.path.businessUid, request: request)
        return .ok(.init(body: .json(try await AccountLabels.tags(of: account, on: request.db))))
    }

    func addAccountTag(_ input: Operations.AddAccountTag.Input) async throws -> Operations.AddAccountTag.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        do {
            try await AccountLabels.addTag(body.tag, to: account, by: actor, context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
        return .ok(.init(body: .json(try await AccountLabels.tags(of: account, on: request.db))))
    }

    func removeAccountTag(_ input: Operations.RemoveAccountTag.Input) async throws -> Operations.RemoveAccountTag.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        try await AccountLabels.removeTag(input.path.tag, from: account, by: actor, context: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    func listAccountNotes(_ input: Operations.ListAccountNotes.Input) async throws -> Operations.ListAccountNotes.Output {
        let request = try APIContext.current()
        let (_, account) = try await Self.accountData(input.path.businessUid, request: request)
        return .ok(.init(body: .json(try await AccountLabels.notes(of: account, on: request.db).map(Self.note))))
    }

    func addAccountNote(_ input: Operations.AddAccountNote.Input) async throws -> Operations.AddAccountNote.Output {
        let request = try APIContext.current()
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: input.path.businessUid, by: actor, on: request.db)
        do {
            let note = try await AccountLabels.addNote(body.body, to: account, by: actor, context: request.auditContext, on: request.db)
            return .created(.init(body: .json(try Self.note(note))))
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
    }

    static func note(_ note: AccountNote) throws -> Components.Schemas.Note {
        .init(id: try note.requireID().uuidString.lowercased(), author: note.authorName, body: note.body, createdAt: note.createdAt)
    }

    static func account(_ account: Account) -> Components.Schemas.Account {
        .init(businessUid: account.businessUID, name: account.name, email: account.email,
              groupId: account.groupID?.uuidString.lowercased(), secure: account.secure, locked: account.locked,
              setupCompleted: account.setupCompleted, createdAt: account.createdAt,
              nickname: account.nickname, phone: account.phone, ownerName: account.ownerName, plan: account.plan,
              staffSlots: account.staffSlots, template: account.isTemplate, sendLinksEnabled: account.sendLinksEnabled,
              lastActivityAt: account.lastActivityAt, address: account.address)
    }
}
