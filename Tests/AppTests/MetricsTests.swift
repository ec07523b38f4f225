@testable import App
import AsyncKit
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
import Vapor
import VaporTesting

/// `/metrics`: request figures by route pattern, who may read them, the backlog counted at
/// scrape time, and output that a Prometheus server can read.
@Suite struct MetricsTests {
    // MARK: - Requests by route pattern

    @Test func countersMoveByRoutePatternAndNeverShowThePathSent() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            for _ in 0..<2 { #expect(try await portal.send(.GET, "/sign-in").status == .ok) }
            let hostile = try await portal.send(.GET, "/accounts/%3Cscript%3Ealert(1)%3E")
            let unknown = try await portal.send(.GET, "/no-such-page-%22%0Aforged_metric%201")
            #expect(unknown.status == .notFound)
            let apiHostile = try await portal.api(as: admin).call(.GET, "/accounts/%3Cscript%3E")
            #expect(apiHostile.status == .notFound)

            let text = try await Self.scrape(portal).text
            let exposition = try PrometheusExposition(text)
            #expect(exposition.value("http_requests_total", ["method": "GET", "route": "/sign-in", "status": "200"]) == 2)
            #expect(exposition.value("http_requests_total", ["method": "GET", "route": "/accounts/:businessUid",
                                                             "status": String(hostile.status.code)]) == 1)
            #expect(exposition.value("http_requests_total", ["method": "GET", "route": "unmatched", "status": "404"]) == 1)
            #expect(exposition.value("http_requests_total", ["method": "GET", "route": "/api/v1/accounts/:businessUid", "status": "404"]) == 1)
            // The histogram counts the same requests, in buckets from half a millisecond.
            let signIn = ["method": "GET", "route": "/sign-in", "status": "200"]
            #expect(exposition.value("http_request_duration_seconds_count", signIn) == 2)
            #expect(exposition.value("http_request_duration_seconds_bucket", signIn.merging(["le": "+Inf"]) { $1 }) == 2)
            #expect(exposition.value("http_request_duration_seconds_bucket", signIn.merging(["le": "0.0005"]) { $1 }) != nil)
            // Cumulative: each bucket holds at least the one before (however slowly a loaded machine answered).
            let buckets = exposition.samples
                .filter { sample in sample.name == "http_request_duration_seconds_bucket" && signIn.allSatisfy { sample.labels[$0.key] == $0.value } }
                .map { (bound: Double($0.labels["le"] ?? "") ?? .infinity, count: $0.value) }
                .sorted { $0.bound < $1.bound }
            #expect(buckets.count == PortalMetrics.durationBuckets.count + 1)
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.count <= $1.count } && buckets.last?.count == 2)
            #expect((exposition.value("http_request_duration_seconds_sum", signIn) ?? 0) > 0)
            for sent in ["<script", "%3C", "alert(", "no-such-page", "forged_metric"] {
                #expect(!text.contains(sent), "the path sent appears in the metrics: \(sent)")
            }
            // Every route label is a registered pattern, or "unmatched".
            let patterns = Set(portal.app.routes.all.map(PortalMetrics.RequestSeries.pattern)).union(["unmatched"])
            for sample in exposition.samples where sample.name == "http_requests_total" {
                #expect(patterns.contains(sample.labels["route"] ?? ""), "\(sample.labels) is not a route pattern")
            }
        }
    }

    @Test func anUnknownMethodIsCountedAsOther() {
        let series = PortalMetrics.RequestSeries(method: HTTPMethod(rawValue: "X-<SCRIPT>"), route: nil, status: .notFound)
        #expect(series.method == "other" && series.route == "unmatched" && series.status == "404")
        #expect(PortalMetrics.RequestSeries(method: .PATCH, route: nil, status: .ok).method == "PATCH")
    }

    // MARK: - Who may read

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let peer: String?
        let headers: [(String, String)]
        let token: String?
        let trustProxy: Bool
        let allowed: Bool
        var testDescription: String { name }
    }

    static let token = "metrics-token-0123456789abcdef"

    static let cases: [Case] = [
        Case(name: "IPv4 loopback", peer: "127.0.0.1", headers: [], token: nil, trustProxy: false, allowed: true),
        Case(name: "another loopback address", peer: "127.8.9.10", headers: [], token: nil, trustProxy: false, allowed: true),
        Case(name: "IPv6 loopback", peer: "::1", headers: [], token: nil, trustProxy: false, allowed: true),
        Case(name: "a public peer", peer: "203.0.113.9", headers: [], token: nil, trustProxy: false, allowed: false),
        Case(name: "a private-network peer", peer: "10.0.0.5", headers: [], token: nil, trustProxy: false, allowed: false),
        Case(name: "a public peer naming loopback in X-Forwarded-For", peer: "203.0.113.9", headers: [("X-Forwarded-For", "127.0.0.1")],
             token: nil, trustProxy: true, allowed: false),
        Case(name: "a proxy on loopback relaying a client", peer: "127.0.0.1", headers: [("X-Forwarded-For", "203.0.113.9")],
             token: nil, trustProxy: true, allowed: false),
        Case(name: "a proxy on loopback relaying loopback", peer: "127.0.0.1", headers: [("X-Forwarded-For", "127.0.0.1")],
             token: nil, trustProxy: true, allowed: false),
        Case(name: "a proxy on loopback without TRUST_PROXY", peer: "127.0.0.1", headers: [("X-Forwarded-For", "203.0.113.9")],
             token: nil, trustProxy: false, allowed: false),
        Case(name: "a proxy on loopback using Forwarded", peer: "127.0.0.1", headers: [("Forwarded", "for=203.0.113.9")],
             token: nil, trustProxy: true, allowed: false),
        Case(name: "a public peer with the token", peer: "203.0.113.9", headers: [("Authorization", "Bearer \(token)")],
             token: token, trustProxy: false, allowed: true),
        Case(name: "a relayed client with the token", peer: "127.0.0.1", headers: [("Authorization", "Bearer \(token)"), ("X-Forwarded-For", "203.0.113.9")],
             token: token, trustProxy: true, allowed: true),
        Case(name: "a public peer with a wrong token", peer: "203.0.113.9", headers: [("Authorization", "Bearer \(token)x")],
             token: token, trustProxy: false, allowed: false),
        Case(name: "a public peer with the token's prefix", peer: "203.0.113.9", headers: [("Authorization", "Bearer metrics-token")],
             token: token, trustProxy: false, allowed: false),
        Case(name: "a public peer with the token as Basic", peer: "203.0.113.9", headers: [("Authorization", "Basic \(token)")],
             token: token, trustProxy: false, allowed: false),
        Case(name: "a public peer with no token", peer: "203.0.113.9", headers: [], token: token, trustProxy: false, allowed: false),
        Case(name: "a public peer with a token when none is configured", peer: "203.0.113.9", headers: [("Authorization", "Bearer \(token)")],
             token: nil, trustProxy: false, allowed: false),
        Case(name: "loopback with a wrong token", peer: "127.0.0.1", headers: [("Authorization", "Bearer wrong-token-0123456789")],
             token: token, trustProxy: false, allowed: false),
        Case(name: "loopback with the token", peer: "127.0.0.1", headers: [("Authorization", "Bearer \(token)")],
             token: token, trustProxy: false, allowed: true),
    ]

    /// The whole request path: the route, the peer address of the connection, the headers and
    /// the configuration. A refusal is the 404 of an address that does not exist.
    @Test(arguments: cases) func onlyLoopbackOrTheTokenIsAnswered(_ check: Case) async throws {
        try await TestPortal.run(adjust: { $0.metricsToken = check.token; $0.trustProxy = check.trustProxy }) { portal in
            let answer = try await Self.scrape(portal, from: check.peer, headers: check.headers)
            if check.allowed {
                #expect(answer.status == .ok)
                #expect(answer.headers.contentType?.description.hasPrefix("text/plain") == true)
                // Present in every answer, whether or not the database answered the scrape in time.
                #expect(answer.text.contains("# TYPE portal_db_pool_timeouts_total counter") && answer.text.contains("portal_metrics_database_up "))
            } else {
                let missing = try await Self.request(portal, "/metricz", from: check.peer, headers: check.headers)
                #expect(answer.status == .notFound)
                // The same page but for the nonce of its style element, which every page draws anew.
                let page = { (text: String) in text.replacing(/nonce="[^"]*"/, with: "nonce") }
                #expect(page(answer.text) == page(missing.text), "the refusal reads like any unknown address")
                #expect(answer.headers.contentType == missing.headers.contentType)
            }
        }
    }

    /// The same decision, without a request: the caller's facts alone.
    @Test func theDecisionLooksAtThePeerTheForwardingAndTheToken() {
        let local = MetricsCaller(peer: IPAddress("127.0.0.1"), forwarded: false, sentAuthorization: false, bearerToken: nil)
        #expect(AccessPolicy.mayReadMetrics(local, configuredToken: nil))
        #expect(AccessPolicy.mayReadMetrics(MetricsCaller(peer: IPAddress("::ffff:127.0.0.1"), forwarded: false, sentAuthorization: false, bearerToken: nil),
                                            configuredToken: nil))
        #expect(!AccessPolicy.mayReadMetrics(MetricsCaller(peer: nil, forwarded: false, sentAuthorization: false, bearerToken: nil), configuredToken: nil))
        var relayed = local
        relayed.forwarded = true
        #expect(!AccessPolicy.mayReadMetrics(relayed, configuredToken: nil))
        relayed.sentAuthorization = true
        relayed.bearerToken = Self.token
        #expect(AccessPolicy.mayReadMetrics(relayed, configuredToken: Self.token))
        #expect(!AccessPolicy.mayReadMetrics(relayed, configuredToken: Self.token + "0"))
    }

    @Test func theTokenNeverReachesTheLogs() async throws {
        let capture = LogCapture()
        try await TestPortal.run(adjust: { $0.metricsToken = Self.token; $0.logLevel = .trace }) { portal in
            portal.app.logger = capture.logger
            let right = try await Self.scrape(portal, from: "203.0.113.9", headers: [("Authorization", "Bearer \(Self.token)")])
            #expect(right.status == .ok)
            let wrong = try await Self.scrape(portal, from: "203.0.113.9", headers: [("Authorization", "Bearer \(Self.token)-guess")])
            #expect(wrong.status == .notFound)
        }
        #expect(!capture.lines.isEmpty, "the requests were logged")
        #expect(!capture.lines.joined(separator: "\n").contains("metrics-token"))
    }

    @Test(arguments: ["short", "with a space inside it", "tab\tseparated-0123456789"])
    func aWeakOrUnsendableTokenStopsStartUp(_ value: String) throws {
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["METRICS_TOKEN": value]) }
        do {
            _ = try AppConfig.from(environment: ["METRICS_TOKEN": value])
        } catch {
            #expect(error.variable == "METRICS_TOKEN")
            #expect(!error.problem.contains(value), "the message does not repeat the value")
        }
        #expect(try AppConfig.from(environment: ["METRICS_TOKEN": Self.token]).metricsToken == Self.token)
        #expect(try AppConfig.from(environment: [:]).metricsToken == nil)
    }

    /// `/metrics` is the installation's: it answers on a host no partner has, where every
    /// partner page is refused.
    @Test func itAnswersOnAHostNoPartnerHas() async throws {
        try await TestPortal.run { portal in
            _ = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            try await PartnerDomain(partnerID: try portal.partner.requireID(), host: "portal.test").create(on: portal.db)
            #expect(try await portal.send(.GET, "/sign-in", host: "unknown.example").status == .notFound)
            #expect(try await portal.send(.GET, "/metrics", host: "unknown.example").status == .ok)
        }
    }

    // MARK: - Backlog counted at scrape time

    @Test func theBacklogGaugesEqualTheRowsInTheTables() async throws {
        try await TestPortal.run { portal in
            let now = Date()
            let acme = try portal.partner.requireID()
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let globexID = try globex.requireID()
            // Outbox: of both partners, in every status.
            func queue(_ partner: UUID, _ channel: OutboundMessage.Channel, _ status: OutboundMessage.Status) async throws {
                let message = try await Outbox.enqueue(partnerID: partner, channel: channel, to: "someone@example.com", subject: "s", body: "b",
                                                       now: now, on: portal.db)
                if status != .pending {
                    message.status = status
                    try await message.update(on: portal.db)
                }
            }
            for _ in 0..<2 { try await queue(acme, .email, .pending) }
            try await queue(acme, .email, .failed)
            try await queue(acme, .email, .held)
            try await queue(acme, .email, .sent)
            try await queue(acme, .sms, .pending)
            try await queue(acme, .sms, .sent)
            try await queue(globexID, .email, .pending)
            try await queue(globexID, .sms, .failed)
            try await queue(globexID, .sms, .failed)
            // Jobs: all due, one of them held by an instance.
            try await JobStore.register(ScheduledJob.all, now: now.addingTimeInterval(-60), on: portal.db)
            // The job with the longest lease, so that it is still held when the scrape comes.
            let held = try #require(ScheduledJob.all.max { $0.lease < $1.lease })
            let claimed = try await JobStore.claim([held], worker: "instance-a", now: now, on: portal.db)
            #expect(claimed.count == 1)
            // Bulk changes in every state.
            let admin = try await portal.makeOperator()
            for state in [BulkOperation.State.queued, .queued, .running, .done, .failed] {
                try await Self.bulkOperation(state, partnerID: acme, by: admin, now: now).create(on: portal.db)
            }
            // Operator sessions: Acme's idle timeout is 60 minutes, Globex's 300.
            globex.idleTimeoutMinutes = 300
            try await globex.update(on: portal.db)
            let globexOperator = try await portal.makeOperator(email: "gil@example.com", name: "Gil", partner: globex)
            func session(_ op: Operator, lastSeenMinutesAgo: Double, expiresInMinutes: Double) async throws {
                let session = PortalSession(tokenDigest: SecretToken.generate().digest, partnerID: op.$partner.id, operatorID: try op.requireID(),
                                            csrfToken: "c", now: now, expiresAt: now.addingTimeInterval(expiresInMinutes * 60), ip: "", userAgent: "")
                session.lastSeenAt = now.addingTimeInterval(-lastSeenMinutesAgo * 60)
                try await session.create(on: portal.db)
            }
            try await session(admin, lastSeenMinutesAgo: 1, expiresInMinutes: 600)            // active
            try await session(admin, lastSeenMinutesAgo: 120, expiresInMinutes: 600)          // idle past 60 minutes
            try await session(admin, lastSeenMinutesAgo: 1, expiresInMinutes: -1)             // past its absolute end
            try await session(globexOperator, lastSeenMinutesAgo: 120, expiresInMinutes: 600) // within Globex's 300 minutes
            // Workspace sessions: one active, one idle for two days, one past its end.
            let account = Account(partnerID: acme, name: "Shop", email: "shop@example.com", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let owner = AccountUser(partnerID: acme, accountID: try account.requireID(), role: .owner, name: "Owner", email: "shop@example.com")
            try await owner.create(on: portal.db)
            for (lastSeen, lifetime) in [(-60.0, 86_400.0), (-2 * 86_400.0, 10 * 86_400.0), (-60.0, -1.0)] {
                let workspace = try AccountUserSession(user: owner, tokenDigest: SecretToken.generate().digest, now: now, lifetime: lifetime)
                workspace.lastSeenAt = now.addingTimeInterval(lastSeen)
                try await workspace.create(on: portal.db)
            }

            let exposition = try PrometheusExposition(try await Self.scrape(portal).text)
            for channel in OutboundMessage.Channel.allCases {
                for status in [OutboundMessage.Status.pending, .failed] {
                    let rows = try await OutboundMessage.query(on: portal.db).filter(\.$channel == channel).filter(\.$status == status).count()
                    #expect(exposition.value("portal_outbox_messages", ["channel": channel.rawValue, "status": status.rawValue]) == Double(rows),
                            "\(channel) \(status)")
                }
            }
            #expect(exposition.value("portal_outbox_messages", ["channel": "email", "status": "pending"]) == 3)
            #expect(exposition.value("portal_outbox_messages", ["channel": "email", "status": "failed"]) == 1)
            #expect(exposition.value("portal_outbox_messages", ["channel": "sms", "status": "pending"]) == 1)
            #expect(exposition.value("portal_outbox_messages", ["channel": "sms", "status": "failed"]) == 2)
            #expect(exposition.value("portal_scheduled_jobs", ["state": "due"]) == Double(ScheduledJob.all.count - 1))
            #expect(exposition.value("portal_scheduled_jobs", ["state": "running"]) == 1)
            #expect(exposition.value("portal_bulk_operations", ["state": "queued"]) == 2)
            #expect(exposition.value("portal_bulk_operations", ["state": "running"]) == 1)
            #expect(exposition.value("portal_active_sessions", ["kind": "operator"]) == 2)
            #expect(exposition.value("portal_active_sessions", ["kind": "workspace"]) == 1)
            #expect(exposition.value("portal_metrics_database_up", [:]) == 1)

            // The counts follow the tables at the next scrape.
            try await Outbox.enqueue(partnerID: acme, channel: .sms, to: "+15550100", subject: "", body: "b", now: now, on: portal.db)
            let again = try PrometheusExposition(try await Self.scrape(portal).text)
            #expect(again.value("portal_outbox_messages", ["channel": "sms", "status": "pending"]) == 2)
        }
    }

    static func bulkOperation(_ state: BulkOperation.State, partnerID: UUID, by op: Operator, now: Date) throws -> BulkOperation {
        let operation = BulkOperation()
        (operation.partnerID, operation.operatorID, operation.operatorName, operation.ip) = (partnerID, try op.requireID(), op.name, "")
        (operation.selection, operation.accountUIDs, operation.action) = (.accounts, "[]", .unlock)
        (operation.total, operation.done, operation.changed, operation.refused, operation.skipped) = (0, 0, 0, 0, 0)
        (operation.state, operation.createdAt) = (state, now)
        return operation
    }

    // MARK: - A database that does not answer

    @Test func theDeadlineGivesUpOnWorkThatDoesNotFinishAndKeepsWhatFinishesInTime() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (never, _) = AsyncStream<Void>.makeStream()
        await #expect(throws: MetricsController.DeadlinePassed.self) {
            try await MetricsController.withDeadline(.milliseconds(50), on: loop) { for await _ in never {}; return 1 }
        }
        #expect(try await MetricsController.withDeadline(.seconds(60), on: loop) { 42 } == 42)
        struct Failed: Error {}
        await #expect(throws: Failed.self) { try await MetricsController.withDeadline(.seconds(60), on: loop) { () async throws -> Int in throw Failed() } }
    }

    /// While another session holds the outbox table (PostgreSQL: an exclusive lock) or every
    /// connection (SQLite, one per event loop), a scrape still answers within its deadline,
    /// with the request figures, `portal_metrics_database_up 0` and none of the database's;
    /// once the table is free, the next scrape has them again.
    @Test func aScrapeWhoseDatabaseDoesNotAnswerInTimeLeavesOutItsFigures() async throws {
        try await TestPortal.run(adjust: { $0.metricsDatabaseDeadline = 1 }) { portal in
            _ = try await portal.send(.GET, "/sign-in")
            // PostgreSQL: the outbox table locked by a transaction that waits. SQLite: every
            // event loop's one connection taken (the scrape then waits for a connection).
            let lockHeld = HeldConnections()
            var sqliteHeld: HeldConnections?
            if TestDatabase.isPostgres {
                let (locked, lockedNow) = AsyncStream<Void>.makeStream()
                let task = Task {
                    try await portal.db.transaction { tx in
                        try await tx.sql.raw("LOCK TABLE outbound_messages IN ACCESS EXCLUSIVE MODE").run()
                        lockedNow.yield()
                        await lockHeld.wait()
                    }
                }
                lockHeld.tasks.withLockedValue { $0.append(task) }
                for await _ in locked { break }
            } else {
                sqliteHeld = try await Self.holdEveryConnection(portal.app)
            }
            let answer = try await Self.scrape(portal)
            #expect(answer.status == .ok)
            let exposition = try PrometheusExposition(answer.text)
            #expect(exposition.value("portal_metrics_database_up", [:]) == 0)
            #expect(exposition.value("http_requests_total", ["method": "GET", "route": "/sign-in", "status": "200"]) == 1)
            #expect(!exposition.samples.contains { $0.name.hasPrefix("portal_outbox") || $0.name.hasPrefix("portal_active_sessions") })
            lockHeld.release()
            sqliteHeld?.release()
            try await lockHeld.finished()
            try await sqliteHeld?.finished()
            // However slowly a loaded machine answers, the next scrape is not cut short.
            portal.app.portalConfig.metricsDatabaseDeadline = 120
            let after = try PrometheusExposition(try await Self.scrape(portal).text)
            #expect(after.value("portal_metrics_database_up", [:]) == 1)
            #expect(after.value("portal_outbox_messages", ["channel": "email", "status": "pending"]) == 0)
        }
    }

    // MARK: - Database and process

    @Test func theDatabaseAndTheProcessAreDescribed() async throws {
        try await TestPortal.run { portal in
            let exposition = try PrometheusExposition(try await Self.scrape(portal).text)
            #expect(exposition.value("portal_metrics_database_up", [:]) == 1)
            if TestDatabase.isPostgres {
                let loops = portal.app.eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }
                #expect(exposition.value("portal_db_pool_max_connections", [:]) == Double(4 * loops))
                let idle = try #require(exposition.value("portal_db_connections", ["state": "idle"]))
                let inUse = try #require(exposition.value("portal_db_connections", ["state": "in_use"]))
                // At least the scrape's own connection is open, and never more than the pool allows.
                #expect(idle >= 1 && idle + inUse <= Double(4 * loops))
                #expect(try #require(exposition.value("portal_db_pool_acquire_seconds", [:])) >= 0)
                #expect(exposition.value("portal_sqlite_wal_bytes", [:]) == nil)
            } else {
                // In memory: no log file, and no pool worth describing.
                #expect(exposition.value("portal_sqlite_wal_bytes", [:]) == nil)
                #expect(exposition.value("portal_db_pool_max_connections", [:]) == nil)
            }
            #expect(exposition.value("portal_db_pool_timeouts_total", [:]) == 0)
            #if os(Linux)
            #expect(try #require(exposition.value("process_resident_memory_bytes", [:])) > 1_000_000)
            #expect(try #require(exposition.value("process_open_fds", [:])) >= 3)
            #expect(try #require(exposition.value("process_max_fds", [:])) >= 3)
            let started = try #require(exposition.value("process_start_time_seconds", [:]))
            let now = Date().timeIntervalSince1970
            #expect(started <= now + 1 && started > now - 7 * 86_400)
            #endif
        }
    }

    @Test func aSQLiteFileReportsTheSizeOfItsWriteAheadLog() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("portal.sqlite").path
        try await TestPortal.run(storage: .sqliteFile(path: path)) { portal in
            try await portal.app.asyncBoot()
            try await portal.makeOperator()
            let exposition = try PrometheusExposition(try await Self.scrape(portal).text)
            let onDisk = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber).doubleValue
            #expect(onDisk > 0)
            #expect(exposition.value("portal_sqlite_wal_bytes", [:]) == onDisk)
        }
    }

    @Test func procFilesAreReadAsLinuxWritesThem() {
        #expect(ProcessReadings.residentBytes(statm: "12345 2500 300 10 0 900 0\n", pageSize: 4096) == 10_240_000.0)
        #expect(ProcessReadings.maxOpenFiles(limits: """
            Limit                     Soft Limit           Hard Limit           Units
            Max open files            1024                 524288               files
            """) == 1024)
        // A command name with a space and a parenthesis does not shift the fields.
        let stat = "4242 (portal (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 9 0 250 1000 2500"
        #expect(ProcessReadings.startTime(stat: stat, systemStat: "cpu 1 2 3\nbtime 1700000000\nprocesses 9\n", ticksPerSecond: 100) == 1_700_000_002.5)
        #expect(ProcessReadings.startTime(stat: "garbage", systemStat: "btime 1", ticksPerSecond: 100) == nil)
        #expect(ProcessReadings.read(procRoot: "/nonexistent") == ProcessReadings())
    }

    // MARK: - Requests that found no free connection

    @Test func aRequestThatTimedOutWaitingForAConnectionIsCounted() async throws {
        try await TestPortal.run(adjust: { $0.databaseConnectionsPerLoop = 1; $0.databasePoolTimeout = 1 }) { portal in
            portal.app.get("pool-timeout") { _ -> String in throw ConnectionPoolTimeoutError.connectionRequestTimeout }
            #expect(try await portal.send(.GET, "/pool-timeout").status == .serviceUnavailable)
            #expect(PortalMetrics.isPoolTimeout(ConnectionPoolTimeoutError.connectionRequestTimeout))
            #expect(!PortalMetrics.isPoolTimeout(ConnectionPoolError.shutdown))
            var expected = 1.0
            if TestDatabase.isPostgres {
                // Every event loop's only connection is held: the next request waits a second, then fails.
                let held = try await Self.holdEveryConnection(portal.app)
                let refused = try await portal.send(.GET, "/sign-in")
                held.release()
                try await held.finished()
                #expect(refused.status == .serviceUnavailable)
                expected += 1
            }
            let exposition = try PrometheusExposition(try await Self.scrape(portal).text)
            #expect(exposition.value("portal_db_pool_timeouts_total", [:]) == expected)
        }
    }

    /// Transactions that hold the connection of each event loop until released.
    final class HeldConnections: Sendable {
        let gate = NIOLockedValueBox<[CheckedContinuation<Void, Never>]>([])
        let tasks = NIOLockedValueBox<[Task<Void, any Error>]>([])
        let released = NIOLockedValueBox(false)

        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = released.withLockedValue { done in
                    if !done { gate.withLockedValue { $0.append(continuation) } }
                    return done
                }
                if resumeNow { continuation.resume() }
            }
        }

        func release() {
            released.withLockedValue { $0 = true }
            for continuation in gate.withLockedValue({ waiting in defer { waiting = [] }; return waiting }) { continuation.resume() }
        }

        func finished() async throws {
            for task in tasks.withLockedValue({ $0 }) { try await task.value }
        }
    }

    static func holdEveryConnection(_ app: Application) async throws -> HeldConnections {
        let held = HeldConnections()
        let acquired = AsyncStream<Void>.makeStream()
        var loops = 0
        for loop in app.eventLoopGroup.makeIterator() {
            loops += 1
            let db = try #require(app.databases.database(logger: app.logger, on: loop))
            let task = Task {
                try await db.transaction { tx in
                    _ = try await tx.sql.raw("SELECT 1 AS held").all()
                    acquired.continuation.yield()
                    await held.wait()
                }
            }
            held.tasks.withLockedValue { $0.append(task) }
        }
        var iterator = acquired.stream.makeAsyncIterator()
        for _ in 0..<loops { _ = await iterator.next() }
        return held
    }

    // MARK: - The text format

    @Test func theOutputIsPrometheusText() async throws {
        try await TestPortal.run { portal in
            _ = try await portal.send(.GET, "/sign-in")
            _ = try await portal.send(.POST, "/sign-in")
            let answer = try await Self.scrape(portal)
            #expect(answer.headers.first(name: .contentType) == "text/plain; version=0.0.4; charset=utf-8")
            #expect(answer.headers.first(name: .cacheControl) == "no-store")
            let exposition = try PrometheusExposition(answer.text)
            #expect(exposition.types["http_requests_total"] == "counter")
            #expect(exposition.types["http_request_duration_seconds"] == "histogram")
            #expect(exposition.types["portal_outbox_messages"] == "gauge")
            #expect(exposition.types["portal_db_pool_timeouts_total"] == "counter")
            for (family, _) in exposition.types { #expect(exposition.help[family]?.isEmpty == false, "\(family) has help") }
            #expect(exposition.samples.count > 20)
            // The parser itself refuses what is not the format.
            #expect(throws: PrometheusExposition.Malformed.self) { try PrometheusExposition("metric_without_type 1\n") }
            #expect(throws: PrometheusExposition.Malformed.self) { try PrometheusExposition("# TYPE a gauge\na{b=\"c} 1\n") }
            #expect(throws: PrometheusExposition.Malformed.self) { try PrometheusExposition("# TYPE a gauge\na one\n") }
        }
    }

    // MARK: - Helpers

    struct Answer {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let text: String
    }

    static func scrape(_ portal: TestPortal, from peer: String? = "127.0.0.1", headers: [(String, String)] = []) async throws -> Answer {
        try await request(portal, "/metrics", from: peer, headers: headers)
    }

    /// A request as it arrives over TCP from `peer`, through the application's whole responder.
    static func request(_ portal: TestPortal, _ path: String, from peer: String?, headers: [(String, String)]) async throws -> Answer {
        try await portal.app.asyncBoot()
        var sent = HTTPHeaders(headers)
        sent.replaceOrAdd(name: .host, value: "portal.test")
        let request = Request(application: portal.app, method: .GET, url: URI(path: path), headers: sent,
                              remoteAddress: try peer.map { try SocketAddress(ipAddress: $0, port: 40_000) },
                              logger: portal.app.logger, on: portal.app.eventLoopGroup.next())
        let response = try await portal.app.responder.respond(to: request).get()
        let body = try await response.body.collect(on: request.eventLoop).get()
        return Answer(status: response.status, headers: response.headers, text: body.map { String(buffer: $0) } ?? "")
    }
}

/// The Prometheus text exposition format (version 0.0.4), read strictly: every line is a
/// `# HELP`, a `# TYPE` or a sample `name{label="value",…} value`, and every sample belongs to a
/// family whose TYPE came before it.
struct PrometheusExposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        let line: String
        let why: String
        var description: String { "\(why): \(line)" }
    }

    var types: [String: String] = [:]
    var help: [String: String] = [:]
    var samples: [Sample] = []

    static var name: Regex<Substring> { /[a-zA-Z_:][a-zA-Z0-9_:]*/ }
    static var sample: Regex<(Substring, Substring, Substring?, Substring)> { /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)$/ }
    static var label: Regex<(Substring, Substring, Substring)> { /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/ }

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Malformed(line: String(text.suffix(40)), why: "the last line is not ended") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                guard let family = parts.first, family.wholeMatch(of: Self.name) != nil else { throw Malformed(line: line, why: "bad metric name") }
                if line.hasPrefix("# HELP ") {
                    guard help[family] == nil else { throw Malformed(line: line, why: "second HELP") }
                    help[family] = parts.count > 1 ? parts[1] : ""
                } else {
                    guard parts.count == 2, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]) else {
                        throw Malformed(line: line, why: "bad type")
                    }
                    guard types[family] == nil, !samples.contains(where: { Self.family(of: $0.name, in: [family: parts[1]]) == family }) else {
                        throw Malformed(line: line, why: "TYPE after its samples, or twice")
                    }
                    types[family] = parts[1]
                }
                continue
            }
            guard let match = line.wholeMatch(of: Self.sample) else { throw Malformed(line: line, why: "not a sample line") }
            let name = String(match.1)
            guard Self.family(of: name, in: types) != nil else { throw Malformed(line: line, why: "no TYPE for this sample") }
            var labels: [String: String] = [:]
            if var rest = match.2.map(Substring.init) {
                while !rest.isEmpty {
                    guard let pair = rest.prefixMatch(of: Self.label) else { throw Malformed(line: line, why: "bad label") }
                    let key = String(pair.1)
                    guard labels[key] == nil else { throw Malformed(line: line, why: "repeated label") }
                    labels[key] = String(pair.2).replacingOccurrences(of: "\\n", with: "\n")
                        .replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                    rest = rest[pair.range.upperBound...]
                    if rest.hasPrefix(",") { rest = rest.dropFirst() } else if !rest.isEmpty { throw Malformed(line: line, why: "bad label list") }
                }
            }
            let raw = String(match.3)
            guard let value = ["+Inf": Double.infinity, "-Inf": -Double.infinity, "NaN": Double.nan][raw] ?? Double(raw) else {
                throw Malformed(line: line, why: "bad value")
            }
            if name.hasSuffix("_bucket"), types[String(name.dropLast(7))] == "histogram", labels["le"] == nil {
                throw Malformed(line: line, why: "a bucket without le")
            }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    /// The family a sample belongs to: its own name, or a histogram's or summary's for its parts.
    static func family(of name: String, in types: [String: String]) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            if ["histogram", "summary"].contains(types[family]) { return family }
        }
        return nil
    }

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        let matching = samples.filter { $0.name == name && $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }
}
