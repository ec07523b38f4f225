import Fluent
import Vapor

/// `GET /brand/logo`: the uploaded logo of the partner the host selects, for anyone (it is
/// on the sign-in pages and business pages); 404 when it has none. Typed as sniffed, never
/// sniffed again by the browser, and sandboxed should it be opened on its own. Links carry
/// the digest as `?v=`, so such an address can be kept for a year; without it, a cache asks again.
enum BrandLogoController {
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

    static func show(_ request: Request) async throws -> Response {
        let partnerID = try request.partner.requireID()
        guard let logo = try await PartnerLogo.find(partnerID: partnerID, withContents: true, on: request.db) else { throw PortalError.notFound() }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: LogoImage.Kind(rawValue: logo.contentType)?.rawValue ?? "application/octet-stream")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy)
        headers.replaceOrAdd(name: .eTag, value: "\"\(logo.digest)\"")
        let versioned = (try? request.query.get(String.self, at: "v")) == logo.digest
        headers.replaceOrAdd(name: .cacheControl, value: versioned ? "public, max-age=31536000, immutable" : "public, no-cache")
        if matches(request.headers[.ifNoneMatch], digest: logo.digest) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(data: logo.contents))
    }

    /// Whether `If-None-Match` names this version (or `*`), weak or strong.
    static func matches(_ values: [String], digest: String) -> Bool {
        values.flatMap { $0.split(separator: ",") }.contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == "\"\(digest)\"" || tag == "W/\"\(digest)\""
        }
    }
}
