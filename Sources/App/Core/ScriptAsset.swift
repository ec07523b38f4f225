import Vapor

/// A script of the portal's own, served from memory under `/assets/` with its digest as ETag,
/// so browsers keep it between pages and pick up a new version at once.
struct ScriptAsset: Sendable {
    let source: String
    let etag: String

    init(_ source: String) {
        self.source = source
        etag = "\"" + String(SecretToken.digest(of: source).prefix(16)) + "\""
    }

    func response(to request: Request) -> Response {
        if request.headers.first(name: .ifNoneMatch) == etag {
            return Response(status: .notModified, headers: ["ETag": etag])
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .eTag, value: etag)
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return Response(status: .ok, headers: headers, body: .init(string: source))
    }
}
