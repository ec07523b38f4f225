@testable import App
import Foundation
import NIOCore
import NIOPosix
import Testing
import Vapor
import VaporTesting

/// While the database cannot be reached, pages and the API answer 503 with `Retry-After`
/// (a proxy or client tries again), never 500.
@Suite struct DatabaseUnavailableTests {
    @Test func pagesAndTheAPIAnswer503WithRetryAfterWhileTheDatabaseIsDown() async throws {
        // Nothing listens on port 1: the database is "down" for this instance.
        let app = try await Application.make(.testing)
        var config = TestPortal.config(storage: .postgres(url: "postgres://portal:secret@127.0.0.1:1/portal"))
        config.databasePoolTimeout = 2
        try await configure(app, config: config)
        do {
            let page = try await app.testing().sendRequest(.GET, "/sign-in", headers: ["Host": "portal.test"])
            #expect(page.status == .serviceUnavailable)
            #expect(page.headers.first(name: "Retry-After") == "5")
            #expect(!page.body.string.contains("PSQLError"))
            let api = try await app.testing().sendRequest(.GET, "/api/v1/accounts",
                                                          headers: ["Host": "portal.test", "Authorization": "Bearer opk_nothing"])
            #expect(api.status == .serviceUnavailable)
            #expect(api.headers.contentType?.description.contains("problem+json") == true)
            #expect(api.headers.first(name: "Retry-After") == "5")
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    @Test func theErrorsThatMeanUnreachableAreRecognisedAndOthersAreNot() {
        #expect(DatabaseAvailability.isUnavailable(ChannelError.ioOnClosedChannel))
        #expect(DatabaseAvailability.isUnavailable(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        #expect(!DatabaseAvailability.isUnavailable(IOError(errnoCode: ENOENT, reason: "open")))
        struct Other: Error {}
        #expect(!DatabaseAvailability.isUnavailable(Other()))
        #expect(!DatabaseAvailability.isUnavailable(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: ""))))
    }
}
