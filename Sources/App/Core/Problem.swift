import Vapor

/// An RFC 9457 problem document, the body of every API error.
struct Problem: Content, Equatable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?

    static let contentType = HTTPMediaType(type: "application", subType: "problem+json")

    init(status: HTTPResponseStatus, title: String, detail: String?, instance: String? = nil) {
        self.type = "about:blank"
        self.title = title
        self.status = Int(status.code)
        self.detail = detail
        self.instance = instance
    }

    func response(headers extra: HTTPHeaders = [:]) -> Response {
        var headers = extra
        headers.contentType = Problem.contentType
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        let body = (try? JSONEncoder().encode(self)) ?? Data()
        return Response(status: HTTPResponseStatus(statusCode: status), headers: headers, body: .init(data: body))
    }
}
