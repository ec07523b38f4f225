import Vapor

/// Serves the stylesheet from the bundle, with an ETag so browsers revalidate cheaply.
enum AssetsController {
    struct Asset: Sendable {
        let body: String
        let etag: String
    }

    static let stylesheet: Asset? = {
        guard let url = Bundle.module.url(forResource: "Assets/portal", withExtension: "css")
                ?? Bundle.module.url(forResource: "portal", withExtension: "css", subdirectory: "Assets"),
              let body = try? String(contentsOf: url, encoding: .utf8)
        else { return nil }
        return Asset(body: body, etag: "\"" + String(SecretToken.digest(of: body).prefix(16)) + "\"")
    }()

    static func stylesheet(_ request: Request) async throws -> Response {
        guard let asset = stylesheet else { throw PortalError.notFound() }
        if request.headers.first(name: .ifNoneMatch) == asset.etag {
            return Response(status: .notModified, headers: ["ETag": asset.etag])
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .eTag, value: asset.etag)
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(string: asset.body))
    }
}
