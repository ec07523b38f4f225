import Fluent
import Vapor

/// The operators' side of the business's messages: the account page's Messages tab, one
/// conversation in it, and a reply sent as the business.
enum AccountMessagesTab {
    static func model(_ request: Request, account: Account, actor: Actor, facts: AccountFacts) async throws -> AccountMessagesView.Model {
        let db = request.db
        var selected: AccountMessagesView.Thread?
        if let raw = request.parameters.get("conversationId") {
            let conversation = try await AccountMessages.conversation(raw, of: account, on: db)
            selected = .init(id: try conversation.requireID().uuidString.lowercased(), customerName: conversation.customerName,
                             customerEmail: conversation.customerEmail,
                             lines: try await AccountMessages.messages(in: conversation, on: db).map(AccountMessages.line))
        }
        let reply = AccessPolicy.decide(actor, .accountMessagesReply, .account(facts))
        return .init(conversations: try await AccountMessages.conversations(of: account, on: db).map(AccountMessages.row),
                     selected: selected, replyState: reply.isAllowed ? .enabled : .disabled(reply.denyMessage),
                     screening: AccountMessages.screeningNote(account))
    }

    /// `GET /accounts/:uid/messages/:conversationId`.
    static func show(_ request: Request) async throws -> Response {
        let (account, actor) = try await target(request)
        return try await AccountPageController.render(request, .messages, account: account, actor: actor, notice: await request.takeNotice())
    }

    /// `POST /accounts/:uid/messages/:conversationId/reply`.
    static func reply(_ request: Request) async throws -> Response {
        struct Form: Content { var message: String? }
        let (account, actor) = try await target(request)
        let typed = try request.content.decode(Form.self).message ?? ""
        let conversation = try await AccountMessages.conversation(request.parameters.get("conversationId"), of: account, on: request.db)
        let facts = try await AccessLoader.facts(for: account, actor: actor, on: request.db)
        try request.enforce(AccessPolicy.mayOpenAccountTab(actor, .messages, facts))
        try request.enforce(AccessPolicy.decide(actor, .accountMessagesReply, .account(facts)), permission: .accountMessagesReply)
        do {
            _ = try await AccountMessages.reply(typed, to: try conversation.requireID(), of: account, by: actor, context: request.auditContext,
                                                channel: .portal, on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await AccountPageController.render(request, .messages, account: account, actor: actor,
                                                          form: .init(values: ["message": typed], errors: errors), status: .unprocessableEntity)
        }
        let id = try conversation.requireID().uuidString.lowercased()
        return try await request.redirect(to: SiteURL.accountConversation(uid: account.businessUID, id: id).path, notice: "Reply sent to \(conversation.customerEmail).")
    }

    private static func target(_ request: Request) async throws -> (Account, Actor) {
        let actor = try await request.actor()
        let account = try await AccountService.viewable(businessUID: request.parameters.get("businessUid") ?? "", by: actor, on: request.db)
        return (account, actor)
    }
}

extension Decision {
    /// Why not, for showing beside a disabled control.
    var denyMessage: String {
        if case .deny(let reason) = self { reason.message } else { "" }
    }
}
