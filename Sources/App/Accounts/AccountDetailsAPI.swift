import Fluent
import OpenAPIRuntime
import Vapor

/// `/api/v1/accounts/{uid}/…`: business information, subscription, group, the owner's
/// password, activity, staff and locations; `/api/v1/plans` and reading by nickname.
extension APIService {
    private func target(_ uid: String) async throws -> (Request, Actor, Account) {
        let request = try APIContext.current()
        let actor = try await request.actor()
        return (request, actor, try await AccountService.viewable(businessUID: uid, by: actor, on: request.db))
    }

    /// Field errors become 400 with every field named.
    private func fields<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let errors as OperatorInput.Errors { throw PortalError.badRequest(errors.summary) }
    }

    func getAccountByNickname(_ input: Operations.GetAccountByNickname.Input) async throws -> Operations.GetAccountByNickname.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        guard let account = try await Account.query(on: request.db).filter(\.$partnerID == actor.partnerID)
            .filter(\.$nickname == input.path.nickname.lowercased()).first()
        else { throw PortalError.notFound("No account has this nickname.") }
        return .ok(.init(body: .json(Self.account(try await Self.accountData(account.businessUID, request: request).1))))
    }

    func updateAccountDetails(_ input: Operations.UpdateAccountDetails.Input) async throws -> Operations.UpdateAccountDetails.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        try APIContext.refuseNulls(for: ["name", "email"], in: request)
        func optional(_ key: String, _ value: String?) -> String?? { APIContext.hasNull(key, in: request) ? .some(nil) : value.map { .some($0) } }
        let details = AccountEditing.Details(name: body.name, email: body.email, phone: optional("phone", body.phone),
                                             ownerName: optional("ownerName", body.ownerName), address: optional("address", body.address))
        try await fields { try await AccountEditing.update(details, of: account, by: actor, context: request.auditContext, on: request.db) }
        return .ok(.init(body: .json(Self.account(account))))
    }

    func setAccountSubscription(_ input: Operations.SetAccountSubscription.Input) async throws -> Operations.SetAccountSubscription.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        try APIContext.refuseNulls(for: ["plan", "staffSlots"], in: request)
        do {
            try await AccountEditing.updateSubscription(plan: body.plan, staffSlots: body.staffSlots, of: account, by: actor,
                                                        context: request.auditContext, on: request.db)
        } catch let errors as OperatorInput.Errors {
            // Well-formed, but not one of the catalogue's plans, or fewer slots than staff.
            throw PortalError.conflict(errors.summary)
        }
        return .ok(.init(body: .json(Self.account(account))))
    }

    func moveAccount(_ input: Operations.MoveAccount.Input) async throws -> Operations.MoveAccount.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        guard body.groupId != nil || APIContext.hasNull("groupId", in: request) else {
            throw PortalError.badRequest("groupId is required: a group's id, or null for no group.")
        }
        let groupID = try body.groupId.map { try APIInput.uuid($0, field: "groupId") }
        try await AccountEditing.move(account, to: groupID, by: actor, context: request.auditContext, on: request.db)
        return .ok(.init(body: .json(Self.account(account))))
    }

    func resetOwnerPassword(_ input: Operations.ResetOwnerPassword.Input) async throws -> Operations.ResetOwnerPassword.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        let method: AccountUsers.ResetMethod = body.method == .temporary ? .temporary : .link
        let result = try await AccountUsers.resetOwnerPassword(of: account, method: method, by: actor, context: request.auditContext,
                                                               partner: try request.partner, baseURL: request.baseURL,
                                                               passwords: request.password.async, on: request.db)
        switch result {
        case .link(let link): return .ok(.init(body: .json(.init(method: .link, link: link))))
        case .temporary(let password): return .ok(.init(body: .json(.init(method: .temporary, temporaryPassword: password))))
        }
    }

    func getAccountActivity(_ input: Operations.GetAccountActivity.Input) async throws -> Operations.GetAccountActivity.Output {
        let (request, actor, account) = try await target(input.path.businessUid)
        let summary = try await AccountActivity.summary(of: account, by: actor, on: request.db)
        let steps = try await PlanCatalogue.steps(for: account, on: request.db)
        return .ok(.init(body: .json(.init(
            weeks: summary.weeks.map { .init(start: $0.start, bookings: $0.bookings, payments: $0.payments) },
            paymentTotals: summary.paymentTotals.map { .init(currency: $0.currency, amountMinor: $0.amountMinor) },
            setupCompleted: account.setupCompleted,
            onboarding: steps.map { .init(step: $0.code, title: $0.title, completedAt: summary.stepsDone[$0.code]) },
            sites: summary.sites.map { .init(host: $0.host, firstSeenAt: $0.firstSeenAt, lastSeenAt: $0.lastSeenAt) }))))
    }

    func recordAccountActivity(_ input: Operations.RecordAccountActivity.Input) async throws -> Operations.RecordAccountActivity.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        try APIContext.refuseNulls(for: ["bookings", "payments", "onboardingSteps", "sites"], in: request)
        try ActivityDetailsInput.refuseNulls(in: request)
        func checkID(_ id: String, _ field: String) throws {
            guard (1...100).contains(id.unicodeScalars.count), !DisplayText.hasControl(id) else {
                throw PortalError.badRequest("\(field): an id has 1 to 100 characters and no control characters.")
            }
        }
        for booking in body.bookings ?? [] { try checkID(booking.id, "bookings") }
        for payment in body.payments ?? [] {
            try checkID(payment.id, "payments")
            guard payment.currency.unicodeScalars.count == 3, payment.currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
                throw PortalError.badRequest("payments: currency is a three-letter ISO 4217 code in capitals, like EUR.")
            }
            guard (-1_000_000_000_000...1_000_000_000_000).contains(payment.amountMinor) else { throw PortalError.badRequest("payments: amountMinor is at most 10^12 either way.") }
        }
        for step in body.onboardingSteps ?? [] where !(1...64).contains(step.step.count)
            || !step.step.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
            throw PortalError.badRequest("onboardingSteps: a step is 1 to 64 lowercase letters, digits and hyphens.")
        }
        for (name, count, limit) in [("bookings", body.bookings?.count ?? 0, 1000), ("payments", body.payments?.count ?? 0, 1000),
                                     ("onboardingSteps", body.onboardingSteps?.count ?? 0, 100), ("sites", body.sites?.count ?? 0, 1000)] where count > limit {
            throw PortalError.badRequest("\(name): at most \(limit) items.")
        }
        var batch = AccountActivity.Batch()
        batch.bookings = try (body.bookings ?? []).map(ActivityDetailsInput.booking)
        batch.payments = (body.payments ?? []).map(ActivityDetailsInput.payment)
        batch.steps = (body.onboardingSteps ?? []).map { .init(step: $0.step, at: $0.at) }
        batch.sites = try (body.sites ?? []).map { site in
            // As the document states it: a bare host name, nothing to strip (no scheme, port, path or spaces).
            guard site.host.unicodeScalars.allSatisfy(\.isASCII), let host = AccountActivity.normalizeHost(site.host),
                  host == site.host.lowercased() else { throw PortalError.badRequest("sites: \(site.host) is not a host name.") }
            return .init(host: host, at: site.at)
        }
        let recorded = try await AccountActivity.record(batch, for: account, by: actor, on: request.db)
        return .ok(.init(body: .json(.init(bookings: recorded.bookings, payments: recorded.payments, onboardingSteps: recorded.steps, sites: recorded.sites))))
    }

    func listAccountStaff(_ input: Operations.ListAccountStaff.Input) async throws -> Operations.ListAccountStaff.Output {
        let request = try APIContext.current()
        let (_, account) = try await Self.accountData(input.path.businessUid, request: request)
        return .ok(.init(body: .json(try await AccountUsers.users(of: account, on: request.db).map(Self.user))))
    }

    func addAccountStaff(_ input: Operations.AddAccountStaff.Input) async throws -> Operations.AddAccountStaff.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        let user: AccountUser
        do {
            user = try await AccountUsers.addStaff(name: body.name, email: body.email, to: account, by: actor, context: request.auditContext,
                                                   partner: try request.partner, baseURL: request.baseURL, on: request.db)
        } catch let errors as OperatorInput.Errors where errors["email"]?.hasPrefix("Someone on this account") == true {
            throw PortalError.conflict(errors.summary, title: "Email in use")
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(errors.summary)
        }
        return .created(.init(body: .json(try Self.user(user))))
    }

    func removeAccountStaff(_ input: Operations.RemoveAccountStaff.Input) async throws -> Operations.RemoveAccountStaff.Output {
        let (request, actor, account) = try await target(input.path.businessUid)
        let id = try APIInput.uuid(input.path.userId, field: "userId")
        try await AccountUsers.removeStaff(id, from: account, by: actor, context: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    func listAccountLocations(_ input: Operations.ListAccountLocations.Input) async throws -> Operations.ListAccountLocations.Output {
        let request = try APIContext.current()
        let (_, account) = try await Self.accountData(input.path.businessUid, request: request)
        return .ok(.init(body: .json(try await AccountEditing.locations(of: account, on: request.db).map(Self.location))))
    }

    func addAccountLocation(_ input: Operations.AddAccountLocation.Input) async throws -> Operations.AddAccountLocation.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await target(input.path.businessUid)
        let location = try await fields {
            try await AccountEditing.addLocation(name: body.name, address: body.address, to: account, by: actor, context: request.auditContext, on: request.db)
        }
        return .created(.init(body: .json(try Self.location(location))))
    }

    func removeAccountLocation(_ input: Operations.RemoveAccountLocation.Input) async throws -> Operations.RemoveAccountLocation.Output {
        let (request, actor, account) = try await target(input.path.businessUid)
        let id = try APIInput.uuid(input.path.locationId, field: "locationId")
        try await AccountEditing.removeLocation(id, from: account, by: actor, context: request.auditContext, on: request.db)
        return .noContent(.init())
    }

    func listPlans(_ input: Operations.ListPlans.Input) async throws -> Operations.ListPlans.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        // The partner's plans are for those who see or create accounts.
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.accountView, .accountsCreate]), permission: .accountView)
        return .ok(.init(body: .json(try await PlanCatalogue.plans(partnerID: actor.partnerID, on: request.db).map { .init(name: $0.name, staffSlots: $0.staffSlots) })))
    }

    func listAuditEntries(_ input: Operations.ListAuditEntries.Input) async throws -> Operations.ListAuditEntries.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.decideAnywhere(actor, [.auditView]), permission: .auditView)
        let query = input.query
        var filter = AuditLog.Filter()
        filter.operatorID = try query.operatorId.map { try APIInput.uuid($0, field: "operatorId") }
        if (query.action?.unicodeScalars.count ?? 0) > AuditLog.maxActionLength { throw PortalError.badRequest("action: use at most 100 characters.") }
        if (query.account?.unicodeScalars.count ?? 0) > 64 { throw PortalError.badRequest("account: use at most 64 characters.") }
        filter.action = query.action
        filter.from = query.from
        filter.to = query.to
        let limit = query.limit ?? 50
        guard (1...200).contains(limit) else { throw PortalError.badRequest("limit: give 1 to 200.") }
        // Every parameter is checked before an unknown account answers an empty page.
        let after = try query.cursor.map { try APIInput.uuid($0, field: "cursor") }
        if let key = query.account?.trimmingCharacters(in: .whitespaces) {
            guard let account = try await Account.query(on: request.db).filter(\.$partnerID == actor.partnerID)
                .group(.or, { $0.filter(\.$businessUID == key).filter(\.$nickname == key.lowercased()) }).first()
            else { return .ok(.init(body: .json(.init(items: [])))) }
            filter.accountID = account.id
        }
        let page = try await AuditLog.page(filter, for: actor, after: after, limit: limit, on: request.db)
        return .ok(.init(body: .json(.init(items: try page.entries.map { entry in
            .init(id: try entry.requireID().uuidString.lowercased(), action: entry.action, actorId: entry.actorID?.uuidString.lowercased(),
                  actorName: entry.actorName, onBehalfOf: entry.impersonatorName, targetType: entry.targetType, targetId: entry.targetID,
                  targetLabel: entry.targetLabel, details: entry.details, ip: entry.ip, at: entry.at, seq: entry.seq, prevHash: entry.prevHash,
                  hash: entry.hash)
        }, nextCursor: page.next?.uuidString.lowercased()))))
    }

    func getAuditChain(_ input: Operations.GetAuditChain.Input) async throws -> Operations.GetAuditChain.Output {
        let request = try APIContext.current()
        let actor = try await request.actor()
        try request.enforce(AccessPolicy.mayReadAuditChain(actor), permission: .auditView)
        let stored = try await AuditChain.readStoredHead(partnerID: actor.partnerID, on: request.db.sql)
        return .ok(.init(body: .json(.init(
            seq: stored?.head.seq ?? 0, hash: stored?.head.hash ?? AuditChain.genesis, signature: stored?.signature,
            publicKey: try AuditChain.Signer(request.application.secrets()).publicKey, sealedAt: stored?.sealedAt,
            verifiedAt: stored?.verifiedAt, verifiedThrough: stored?.verifiedThrough, problem: stored?.problem))))
    }

    static func user(_ user: AccountUser) throws -> Components.Schemas.AccountUser {
        .init(id: try user.requireID().uuidString.lowercased(), role: user.role == .owner ? .owner : .staff, name: user.name, email: user.email,
              status: user.status == .invited ? .invited : .active, mustChangePassword: user.mustChangePassword)
    }

    static func location(_ location: AccountLocation) throws -> Components.Schemas.Location {
        .init(id: try location.requireID().uuidString.lowercased(), name: location.name, address: location.address, createdAt: location.createdAt)
    }
}
