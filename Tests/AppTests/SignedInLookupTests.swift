@testable import App
import Fluent
import Foundation
import SQLKit
import Logging
import NIOConcurrencyHelpers
import Testing
import Vapor

/// A signed-in request reads its session, operator, grants and actor in one query (two when a
/// grant names a custom role), and that reading agrees with the full path in every case it takes.
@Suite struct SignedInLookupTests {
    /// Counts the SQL statements the database logs: both drivers log each one once, at debug,
    /// as "Executing query" with the statement under `sql` (BEGIN/COMMIT are not counted).
    final class QueryCounter: LogHandler, @unchecked Sendable {
        private let box = NIOLockedValueBox(0)
        var count: Int { box.withLockedValue { $0 } }
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            guard case .string(let sql)? = metadata?["sql"] else { return }
            let text = sql.uppercased()
            if ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(where: { text.hasPrefix($0) }) {
                box.withLockedValue { $0 += 1 }
            }
        }
    }

    private func session(for op: Operator, _ portal: TestPortal, now: Date = Date()) async throws -> String {
        try await SessionStore.start(operator: op, partner: portal.partner, ip: "192.0.2.1", userAgent: "test", now: now, on: portal.db).token.value
    }

    private func counting(_ portal: TestPortal) -> (QueryCounter, any Database) {
        let counter = QueryCounter()
        let logger = Logger(label: "queries") { _ in counter }
        let db = portal.app.databases.database(logger: logger, on: portal.app.eventLoopGroup.any())!
        return (counter, db)
    }

    @Test func theSameQuerySaysWhetherANoticeWaitsSoThatAPageWithoutOneReadsNone() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let token = try await session(for: ada, portal)
            let (signedIn, _) = try #require(try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: Date(), on: portal.db))
            #expect(signedIn.noticeWaiting == false)
            let sessionID = try #require(try await PortalSession.query(on: portal.db).first()?.requireID())
            try await portal.db.sql.insert(into: "flash_notices").columns("session_id", "text", "created_at")
                .values(SQLBind(sessionID), SQLBind("Saved."), SQLBind(Date())).run()
            let (waiting, _) = try #require(try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: Date(), on: portal.db))
            #expect(waiting.noticeWaiting == true)
        }
    }

    @Test func theUsualCaseIsOneQueryAndTwoWithACustomRole() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let token = try await session(for: ada, portal)
            let (counter, db) = counting(portal)
            let found = try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: Date(), on: db)
            #expect(found?.0.operatorID == ada.id)
            #expect(counter.count == 1)

            let role = CustomRole(partnerID: try portal.partner.requireID(), name: "Auditor", description: "",
                                  permissions: [.portalLogin, .auditView], secureClearance: false)
            try await role.create(on: portal.db)
            try await Grant(partnerID: try portal.partner.requireID(), operatorID: try ada.requireID(),
                            role: try role.requireID().uuidString.lowercased(), scope: .all).create(on: portal.db)
            let (second, db2) = counting(portal)
            let again = try #require(try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: Date(), on: db2))
            #expect(second.count == 2)
            #expect(again.1.grants.contains { $0.role.name == "Auditor" })
        }
    }

    @Test func itAgreesWithTheFullPathForEveryShapeOfGrants() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let account = Account(partnerID: partnerID, name: "Rosie's", email: "rosie@example.com", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let role = CustomRole(partnerID: partnerID, name: "Reader", description: "", permissions: [.portalLogin, .accountsExport], secureClearance: true)
            try await role.create(on: portal.db)
            let customID = try role.requireID().uuidString.lowercased()

            let shapes: [(String, [(String, Grant.ScopeKind, UUID?)], Bool)] = [
                ("all@example.com", [("admin", .all, nil)], false),
                ("group@example.com", [(customID, .group, try north.requireID())], false),
                ("assigned@example.com", [("account-admin", .assigned, nil)], true),
                ("mixed@example.com", [("viewer", .all, nil), ("account-admin", .group, try north.requireID()),
                                        (customID, .account, try account.requireID()), ("no-such-role", .all, nil)], false),
            ]
            for (email, grants, assigned) in shapes {
                let op = try await portal.makeOperator(email: email, name: email, role: "viewer")
                try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).delete()
                for (code, scope, id) in grants {
                    try await Grant(partnerID: partnerID, operatorID: try op.requireID(), role: code, scope: scope, scopeID: id).create(on: portal.db)
                }
                if assigned {
                    try await AccountAssignment(partnerID: partnerID, accountID: try account.requireID(), operatorID: try op.requireID()).create(on: portal.db)
                }
                let token = try await session(for: op, portal)
                let (signedIn, actor) = try #require(try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: Date(), on: portal.db))
                let full = try #require(try await SessionStore.resume(token: token, partner: portal.partner, now: Date(), on: portal.db))
                let fullActor = try #require(try await AccessLoader.actor(operatorID: try op.requireID(), partnerID: partnerID, on: portal.db))
                #expect(signedIn.operatorID == full.operatorID && signedIn.name == full.name && signedIn.email == full.email, "\(email)")
                #expect(Set(signedIn.grants.map { "\($0.role)|\($0.scope)|\(String(describing: $0.scopeID))" })
                        == Set(full.grants.map { "\($0.role)|\($0.scope)|\(String(describing: $0.scopeID))" }), "\(email)")
                #expect(signedIn.csrfToken == full.csrfToken, "\(email)")
                #expect(Set(actor.grants) == Set(fullActor.grants), "\(email)")
                #expect(actor.hasAssignments == fullActor.hasAssignments && actor.hasAssignments == assigned, "\(email)")
                #expect(actor.isActive && actor.partnerID == partnerID)
            }
        }
    }

    @Test func everythingUnusualIsLeftToTheFullPath() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let now = Date()
            // Idle past the partner's timeout, and past the absolute limit.
            let idle = try await session(for: ada, portal, now: now.addingTimeInterval(-Double(portal.partner.idleTimeoutMinutes * 60 + 5)))
            #expect(try await SessionStore.resumeDirectly(token: idle, partner: portal.partner, now: now, on: portal.db) == nil)
            let old = try await session(for: ada, portal, now: now)
            #expect(try await SessionStore.resumeDirectly(token: old, partner: portal.partner,
                                                          now: now.addingTimeInterval(Double(portal.partner.absoluteTimeoutMinutes * 60 + 5)), on: portal.db) == nil)
            // Another partner's session, and an unknown token.
            let other = try await portal.makePartner(slug: "other", name: "Other", domains: ["other.test"])
            let fresh = try await session(for: ada, portal)
            #expect(try await SessionStore.resumeDirectly(token: fresh, partner: other, now: now, on: portal.db) == nil)
            #expect(try await SessionStore.resumeDirectly(token: "nothing", partner: portal.partner, now: now, on: portal.db) == nil)
            #expect(try await SessionStore.resumeDirectly(token: fresh, partner: portal.partner, now: now, on: portal.db) != nil)
            // A login-as in progress.
            let sessionRow = try #require(try await PortalSession.query(on: portal.db).filter(\.$tokenDigest == SecretToken.digest(of: fresh)).first())
            sessionRow.impersonatorID = try ada.requireID()
            try await sessionRow.update(on: portal.db)
            #expect(try await SessionStore.resumeDirectly(token: fresh, partner: portal.partner, now: now, on: portal.db) == nil)
            // An operator no longer active.
            let bo = try await portal.makeOperator(email: "bo@example.com", name: "Bo")
            let bos = try await session(for: bo, portal)
            bo.status = .blocked
            try await bo.update(on: portal.db)
            #expect(try await SessionStore.resumeDirectly(token: bos, partner: portal.partner, now: now, on: portal.db) == nil)
        }
    }

    @Test func theIdleDeadlineSlidesAtMostOnceAMinute() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let start = Date().addingTimeInterval(-600)
            let token = try await session(for: ada, portal, now: start)
            let digest = SecretToken.digest(of: token)
            _ = try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: start.addingTimeInterval(30), on: portal.db)
            var row = try #require(try await PortalSession.query(on: portal.db).filter(\.$tokenDigest == digest).first())
            #expect(abs(row.lastSeenAt.timeIntervalSince(start)) < 1)
            let later = start.addingTimeInterval(120)
            _ = try await SessionStore.resumeDirectly(token: token, partner: portal.partner, now: later, on: portal.db)
            row = try #require(try await PortalSession.query(on: portal.db).filter(\.$tokenDigest == digest).first())
            #expect(abs(row.lastSeenAt.timeIntervalSince(later)) < 1)
        }
    }
}

/// The same for API tokens.
@Suite struct SignedInTokenLookupTests {
    @Test func aTokenIsOneQueryAndLoginAsOrExpiredTokensTakeTheFullPath() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let bearer = try await portal.makeToken(for: ada)
            let counter = SignedInLookupTests.QueryCounter()
            let db = portal.app.databases.database(logger: Logger(label: "queries") { _ in counter }, on: portal.app.eventLoopGroup.any())!
            let (signedIn, actor) = try #require(try await APIMiddleware.authenticateDirectly(bearer: bearer, partner: portal.partner, now: Date(), on: db))
            #expect(signedIn.operatorID == ada.id && actor.operatorID == ada.id)
            #expect(actor.grants.map(\.role.id) == ["admin"])
            // One read, and the first use recorded once.
            #expect(counter.count == 2)
            let token = try #require(try await APIToken.query(on: portal.db).filter(\.$tokenDigest == SecretToken.digest(of: bearer)).first())
            #expect(token.lastUsedAt != nil)
            let (again, _) = (SignedInLookupTests.QueryCounter(), 0)
            let db2 = portal.app.databases.database(logger: Logger(label: "queries") { _ in again }, on: portal.app.eventLoopGroup.any())!
            #expect(try await APIMiddleware.authenticateDirectly(bearer: bearer, partner: portal.partner, now: Date(), on: db2) != nil)
            #expect(again.count == 1)

            let other = try await portal.makePartner(slug: "other", name: "Other", domains: ["other.test"])
            #expect(try await APIMiddleware.authenticateDirectly(bearer: bearer, partner: other, now: Date(), on: portal.db) == nil)
            #expect(try await APIMiddleware.authenticateDirectly(bearer: bearer, partner: portal.partner,
                                                              now: Date().addingTimeInterval(400 * 86_400), on: portal.db) == nil)
            token.impersonatorID = try ada.requireID()
            try await token.update(on: portal.db)
            #expect(try await APIMiddleware.authenticateDirectly(bearer: bearer, partner: portal.partner, now: Date(), on: portal.db) == nil)
        }
    }
}
