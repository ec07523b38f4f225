import Vapor

/// `POST /profile/recovery-codes.txt` (operators) and `POST /app/security/recovery-codes.txt`
/// (owners and staff): the recovery codes the page has just shown, as a text file to save.
/// `RecoveryCodeSheet` decides whether the posted sheet gives a file.
enum RecoveryCodeFileController {
    struct Form: Content {
        var sheet: String?
    }

    static func operatorFile(_ request: Request) async throws -> Response {
        let signedIn = try request.requireSignedIn()
        guard case .session(let sessionID, _) = signedIn.credential else { throw PortalError.unauthorized() }
        let partner = try request.partner
        let form = try request.content.decode(Form.self)
        let secrets = try request.application.secrets()
        switch RecoveryCodeSheet.open(form.sheet, holder: .operator, partnerID: try partner.requireID(), holderID: signedIn.operatorID,
                                      sessionID: sessionID, now: Date(), secrets: secrets) {
        case .failure(let refusal):
            throw refused(refusal, request)
        case .success(let sheet):
            let codes = try await sheet.unusedCodes(secrets: secrets, on: request.db)
            guard !codes.isEmpty else { throw refused(.replaced, request) }
            return file(codes, sheet: sheet, partner: partner, account: signedIn.email)
        }
    }

    static func workspaceFile(_ request: Request) async throws -> Response {
        guard let user = request.workspaceUser else { throw PortalError.unauthorized() }
        if case .deny(let reason) = AccessPolicy.mayManageWorkspaceAuthenticator(supported: user.impersonator != nil) {
            request.logger.notice("recovery-code file refused", metadata: ["reason": "\(reason)", "user": "\(user.userID)"])
            throw PortalError.denied(reason)
        }
        let partner = try request.partner
        let form = try request.content.decode(Form.self)
        let secrets = try request.application.secrets()
        switch RecoveryCodeSheet.open(form.sheet, holder: .accountUser, partnerID: try partner.requireID(), holderID: user.userID,
                                      sessionID: user.sessionID, now: Date(), secrets: secrets) {
        case .failure(let refusal):
            throw refused(refusal, request)
        case .success(let sheet):
            let codes = try await sheet.unusedCodes(secrets: secrets, on: request.db)
            guard !codes.isEmpty else { throw refused(.replaced, request) }
            return file(codes, sheet: sheet, partner: partner, account: user.email)
        }
    }

    private static func refused(_ refusal: RecoveryCodeSheet.Refusal, _ request: Request) -> PortalError {
        request.logger.notice("recovery-code file refused", metadata: ["reason": "\(refusal)"])
        let status: HTTPResponseStatus = switch refusal {
        case .missing: .badRequest
        case .notYours: .forbidden
        case .expired, .replaced: .gone
        }
        return PortalError(status: status, title: "No recovery codes to download", detail: refusal.message)
    }

    private static func file(_ codes: [String], sheet: RecoveryCodeSheet, partner: Partner, account: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(RecoveryCodeSheet.fileName(partnerSlug: partner.slug))\"")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        let text = RecoveryCodeSheet.text(codes: codes, partnerName: partner.name, account: account, madeAt: sheet.madeAt)
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}
