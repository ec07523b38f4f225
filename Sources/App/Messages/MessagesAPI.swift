import Fluent
import OpenAPIRuntime
import Vapor

/// `/api/v1/accounts/{uid}/messages/inbound` and `/api/v1/accounts/{uid}/conversations…`.
extension APIService {
    /// The account, once the policy allows `permission` on it; out of scope is not found.
    private func messagesTarget(_ uid: String, _ permission: Permission) async throws -> (Request, Actor, Account) {
        let request = try APIContext.current()
        let actor = try await request.actor()
        let (account, decision) = try await AccountMessages.account(businessUID: uid, for: permission, by: actor, on: request.db)
        try request.enforce(decision, permission: permission)
        return (request, actor, account)
    }

    func receiveInboundMessage(_ input: Operations.ReceiveInboundMessage.Input) async throws -> Operations.ReceiveInboundMessage.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, _, account) = try await messagesTarget(input.path.businessUid, .accountMessagesReply)
        do {
            let (_, message) = try await AccountMessages.storeInbound(
                accountID: try account.requireID(), partnerID: account.partnerID, customerName: body.customerName,
                customerEmail: body.customerEmail, body: body.body, channel: .api, now: Date(), on: request.db)
            return .created(.init(body: .json(try Self.message(message))))
        } catch let errors as OperatorInput.Errors {
            throw PortalError.badRequest(Self.apiFields(errors, ["name": "customerName", "email": "customerEmail", "message": "body"]).summary)
        }
    }

    func listAccountConversations(_ input: Operations.ListAccountConversations.Input) async throws -> Operations.ListAccountConversations.Output {
        let (request, _, account) = try await messagesTarget(input.path.businessUid, .accountMessagesRead)
        return .ok(.init(body: .json(try await AccountMessages.conversations(of: account, on: request.db).map(Self.conversation))))
    }

    func getAccountConversation(_ input: Operations.GetAccountConversation.Input) async throws -> Operations.GetAccountConversation.Output {
        let (request, _, account) = try await messagesTarget(input.path.businessUid, .accountMessagesRead)
        let conversation = try await AccountMessages.conversation(input.path.conversationId, of: account, on: request.db)
        let messages = try await AccountMessages.messages(in: conversation, on: request.db)
        return .ok(.init(body: .json(.init(conversation: try Self.conversation(conversation), messages: try messages.map(Self.message)))))
    }

    func replyToAccountConversation(_ input: Operations.ReplyToAccountConversation.Input) async throws -> Operations.ReplyToAccountConversation.Output {
        guard case .json(let body) = input.body else { throw PortalError.unsupportedMediaType("Send the request body as application/json.") }
        let (request, actor, account) = try await messagesTarget(input.path.businessUid, .accountMessagesReply)
        let conversation = try await AccountMessages.conversation(input.path.conversationId, of: account, on: request.db)
        do {
            let message = try await AccountMessages.reply(body.body, to: try conversation.requireID(), of: account, by: actor,
                                                          context: request.auditContext, channel: .api, on: request.db)
            return .created(.init(body: .json(try Self.message(message))))
        } catch let errors as OperatorInput.Errors {
            // Well-formed text the screening refuses depends on the account's state: a conflict.
            if errors["message"] == DenyReason.linksScreened.message { throw PortalError.conflict(DenyReason.linksScreened.message, title: "Links screened") }
            throw PortalError.badRequest(Self.apiFields(errors, ["message": "body"]).summary)
        }
    }

    /// The form's field names as the API document names them.
    private static func apiFields(_ errors: OperatorInput.Errors, _ names: [String: String]) -> OperatorInput.Errors {
        OperatorInput.Errors(fields: Dictionary(uniqueKeysWithValues: errors.fields.map { (names[$0.key] ?? $0.key, $0.value) }))
    }

    static func conversation(_ conversation: AccountConversation) throws -> Components.Schemas.Conversation {
        .init(id: try conversation.requireID().uuidString.lowercased(), customerName: conversation.customerName,
              customerEmail: conversation.customerEmail, unread: conversation.unread, createdAt: conversation.createdAt,
              lastMessageAt: conversation.lastMessageAt)
    }

    static func message(_ message: AccountMessage) throws -> Components.Schemas.Message {
        .init(id: try message.requireID().uuidString.lowercased(), conversationId: message.conversationID.uuidString.lowercased(),
              direction: message.direction == .inbound ? .inbound : .outbound,
              channel: Components.Schemas.Message.ChannelPayload(rawValue: message.channel.rawValue) ?? .api,
              author: message.authorName, operatorId: message.operatorID?.uuidString.lowercased(), body: message.body,
              createdAt: message.createdAt)
    }
}
