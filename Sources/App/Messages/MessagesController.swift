import Fluent
import Vapor

/// `/app/messages` and `/app/announcements`: the business's inbox, its conversations and
/// its announcements, for the owner and the staff.
enum MessagesController {
    static func inbox(_ request: Request) async throws -> Response {
        let (_, account) = try await target(request)
        let model = MessagesView.InboxModel(conversations: try await AccountMessages.conversations(of: account, on: request.db).map(AccountMessages.row),
                                            screening: AccountMessages.screeningNote(account))
        return await request.workspacePage("Messages", content: MessagesView.inbox(model))
    }

    static func conversation(_ request: Request) async throws -> Response {
        let (_, account) = try await target(request)
        let conversation = try await AccountMessages.conversation(request.parameters.get("conversationId"), of: account, on: request.db)
        try await AccountMessages.markRead(conversation, on: request.db)
        return try await threadPage(request, account, conversation, reply: "", errors: .init())
    }

    static func reply(_ request: Request) async throws -> Response {
        struct Form: Content { var message: String? }
        let (user, account) = try await target(request)
        let conversation = try await AccountMessages.conversation(request.parameters.get("conversationId"), of: account, on: request.db)
        let typed = try request.content.decode(Form.self).message ?? ""
        do {
            _ = try await AccountMessages.reply(typed, to: try conversation.requireID(), of: account, by: .workspace(user, ip: request.clientIP),
                                                on: request.db)
        } catch let errors as OperatorInput.Errors {
            return try await threadPage(request, account, conversation, reply: typed, errors: errors, status: .unprocessableEntity)
        }
        // The thread shows the reply it now holds; the workspace keeps no notices between pages.
        return request.redirect(to: SiteURL.workspaceConversation(id: try conversation.requireID().uuidString.lowercased()).path)
    }

    static func announcements(_ request: Request) async throws -> Response {
        let (_, account) = try await target(request)
        return try await announcementsPage(request, account, subject: "", body: "", errors: .init())
    }

    static func announce(_ request: Request) async throws -> Response {
        struct Form: Content { var subject: String?; var message: String? }
        let (user, account) = try await target(request)
        let form = try request.content.decode(Form.self)
        do {
            _ = try await AccountMessages.announce(subject: form.subject ?? "", body: form.message ?? "", of: account,
                                                   by: .workspace(user, ip: request.clientIP), on: request.db)
            return request.redirect(to: SiteURL.workspaceAnnouncements.path)
        } catch let errors as OperatorInput.Errors {
            return try await announcementsPage(request, account, subject: form.subject ?? "", body: form.message ?? "", errors: errors,
                                               status: .unprocessableEntity)
        }
    }

    // MARK: -

    private static func target(_ request: Request) async throws -> (WorkspaceUser, Account) {
        guard let user = request.workspaceUser else { throw PortalError.unauthorized() }
        if case .deny(let reason) = AccessPolicy.mayUseMessages(user.role) { throw PortalError.denied(reason) }
        guard let account = try await Account.query(on: request.db).filter(\.$id == user.accountID).filter(\.$partnerID == user.partnerID).first()
        else { throw PortalError.unauthorized() }
        return (user, account)
    }

    private static func threadPage(_ request: Request, _ account: Account, _ conversation: AccountConversation, reply: String,
                                   errors: OperatorInput.Errors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = MessagesView.ThreadModel(
            conversationID: try conversation.requireID().uuidString.lowercased(), customerName: conversation.customerName,
            customerEmail: conversation.customerEmail,
            lines: try await AccountMessages.messages(in: conversation, on: request.db).map(AccountMessages.line),
            reply: reply, errors: errors, screening: AccountMessages.screeningNote(account))
        return await request.workspacePage(conversation.customerName, status: status,
                                           content: MessagesView.thread(model, csrfToken: request.workspaceCSRFToken))
    }

    private static func announcementsPage(_ request: Request, _ account: Account, subject: String, body: String, errors: OperatorInput.Errors,
                                          status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = MessagesView.AnnouncementsModel(
            subject: subject, body: body, errors: errors,
            customers: try await AccountConversation.query(on: request.db).filter(\.$partnerID == account.partnerID)
                .filter(\.$accountID == account.requireID()).count(),
            sent: try await AccountMessages.announcements(of: account, on: request.db).map {
                .init(subject: $0.subject, body: $0.body, author: $0.authorName, recipients: $0.recipients, at: $0.createdAt)
            },
            screening: AccountMessages.screeningNote(account))
        return await request.workspacePage("Announcements", status: status,
                                           content: MessagesView.announcements(model, csrfToken: request.workspaceCSRFToken))
    }
}
