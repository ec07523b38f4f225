import Fluent
import Vapor

/// `GET /w/{businessUID}.js` and the ping it sends, `GET /w/{businessUID}/seen`. Both are
/// fetched from other sites: no cookie is read or set, any origin may load them, and
/// neither can be taken for anything but what it is (`nosniff`).
///
/// Both record the embedding site. The script is cacheable, so its own request reaches the
/// portal only now and then; the ping it sends on every page view is never cached, so a site
/// is recorded even when the script came from a cache. `WidgetSites` makes the pair write once.
enum WidgetController {
    static func script(_ request: Request) async throws -> Response {
        let segment = request.parameters.get("businessUid") ?? ""
        guard segment.hasSuffix(".js"), let account = try await account(uid: String(segment.dropLast(3)), request) else {
            return response(.notFound, body: WidgetScript.notFound, cache: "no-store")
        }
        await recordEmbedding(request, account)
        let config = WidgetScript.config(for: account, partner: request.partnerIfResolved, baseURL: request.baseURL)
        return response(.ok, body: try WidgetScript.source(config), cache: "public, max-age=300")
    }

    static func seen(_ request: Request) async throws -> Response {
        guard let account = try await account(uid: request.parameters.get("businessUid") ?? "", request) else {
            return response(.notFound, body: nil, cache: "no-store")
        }
        await recordEmbedding(request, account)
        return response(.noContent, body: nil, cache: "no-store")
    }

    private static func account(uid: String, _ request: Request) async throws -> Account? {
        let partnerID = try request.partner.requireID()
        guard !uid.isEmpty, uid.count <= 64,
              let account = try await Account.query(on: request.db).filter(\.$partnerID == partnerID).filter(\.$businessUID == uid).first()
        else { return nil }
        if case .deny(let reason) = AccessPolicy.mayShowBusinessPage(partnerID: partnerID, of: account) {
            request.logger.notice("widget refused", metadata: ["reason": "\(reason)", "path": "\(request.url.path)"])
            return nil
        }
        return account
    }

    /// The embedding site, unless it is the portal itself (the partner's own hosts) or names
    /// no valid host. A failure to record never keeps the button off the site.
    private static func recordEmbedding(_ request: Request, _ account: Account) async {
        guard let host = WidgetSites.embeddingHost(origin: request.headers.first(name: .origin), referer: request.headers.first(name: .referer))
        else { return }
        do {
            if host == PartnerMiddleware.host(of: request) { return }
            let partnerHosts = try await PartnerDomain.query(on: request.db).filter(\.$partner.$id == account.partnerID).all().map(\.host)
            if partnerHosts.contains(host) { return }
            try await WidgetSites.record(host: host, account: account, on: request.db)
        } catch {
            request.logger.warning("widget site not recorded", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    private static func response(_ status: HTTPResponseStatus, body: String?, cache: String) -> Response {
        var headers = HTTPHeaders()
        if body != nil { headers.replaceOrAdd(name: .contentType, value: "text/javascript; charset=utf-8") }
        headers.replaceOrAdd(name: .cacheControl, value: cache)
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Cross-Origin-Resource-Policy", value: "cross-origin")
        // The ping is read with `fetch` in CORS mode and no credentials: any origin may.
        headers.replaceOrAdd(name: .accessControlAllowOrigin, value: "*")
        return Response(status: status, headers: headers, body: body.map { .init(string: $0) } ?? .empty)
    }
}
