@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// JSON requests with a bearer token, for API tests.
struct APIClient {
    let portal: TestPortal
    let token: String
    var host = "portal.test"

    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)")
        if json != nil { headers.contentType = .json }
        return try await portal.send(method, "/api/v1" + path, host: host, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    func array(_ response: TestingHTTPResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
    }
}

extension TestPortal {
    func api(as op: Operator, host: String = "portal.test") async throws -> APIClient {
        APIClient(portal: self, token: try await makeToken(for: op), host: host)
    }
}
