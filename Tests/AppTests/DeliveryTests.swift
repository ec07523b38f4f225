@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor

/// A transport that records what it was given, and can be told to fail.
final class RecordingTransport: MessageTransport, Sendable {
    private let state = NIOLockedValueBox<(sent: [String], failing: Bool)>(([], false))

    var sent: [String] { state.withLockedValue { $0.sent } }
    func setFailing(_ failing: Bool) { state.withLockedValue { $0.failing = failing } }

    func send(_ message: OutboundMessage, brand: EmailBrand) async throws {
        try state.withLockedValue { state in
            if state.failing { throw DeliveryError.unreachable("connection refused") }
            state.sent.append("\(message.recipient)|\(message.subject)")
        }
    }
}

@Suite struct DeliveryTests {
    @Test func messagesAreSentOnceAndMarkedSent() async throws {
        try await TestPortal.run { portal in
            let transport = RecordingTransport()
            let transports = Transports(email: transport, sms: nil)
            for index in 1...3 {
                try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "p\(index)@example.com",
                                         subject: "Hello \(index)", body: "Body", on: portal.db)
            }
            #expect(try await DeliveryWorker.runOnce(db: portal.db, transports: transports, worker: "w1", now: Date(), logger: portal.app.logger) == 3)
            #expect(try await DeliveryWorker.runOnce(db: portal.db, transports: transports, worker: "w1", now: Date(), logger: portal.app.logger) == 0)
            #expect(transport.sent.sorted() == ["p1@example.com|Hello 1", "p2@example.com|Hello 2", "p3@example.com|Hello 3"])
            let stored = try await OutboundMessage.query(on: portal.db).all()
            #expect(stored.allSatisfy { $0.status == .sent && $0.sentAt != nil && $0.attempts == 1 && $0.claimedBy == nil })
        }
    }

    @Test func failedAttemptsBackOffAndRetryUntilSent() async throws {
        try await TestPortal.run { portal in
            let transport = RecordingTransport()
            transport.setFailing(true)
            let transports = Transports(email: transport, sms: nil)
            let start = Date()
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "a@example.com", subject: "S", body: "B", now: start, on: portal.db)
            _ = try await DeliveryWorker.runOnce(db: portal.db, transports: transports, worker: "w", now: start, logger: portal.app.logger)
            let waiting = try #require(try await OutboundMessage.query(on: portal.db).first())
            #expect(waiting.status == .pending)
            #expect(waiting.attempts == 1)
            #expect(waiting.lastError?.contains("connection refused") == true)
            #expect(waiting.nextAttemptAt > start)

            // Not due yet: nothing happens, even though the transport is back.
            transport.setFailing(false)
            #expect(try await DeliveryWorker.runOnce(db: portal.db, transports: transports, worker: "w", now: start.addingTimeInterval(1), logger: portal.app.logger) == 0)
            // Due: sent once.
            #expect(try await DeliveryWorker.runOnce(db: portal.db, transports: transports, worker: "w", now: start.addingTimeInterval(60), logger: portal.app.logger) == 1)
            #expect(transport.sent == ["a@example.com|S"])
        }
    }

    @Test func givesUpAfterTheLastAttempt() async throws {
        try await TestPortal.run { portal in
            let transport = RecordingTransport()
            transport.setFailing(true)
            var now = Date()
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "a@example.com", subject: "S", body: "B", now: now, on: portal.db)
            for _ in 0..<DeliveryWorker.maxAttempts {
                _ = try await DeliveryWorker.runOnce(db: portal.db, transports: .init(email: transport, sms: nil), worker: "w", now: now, logger: portal.app.logger)
                now = now.addingTimeInterval(3600)
            }
            let message = try #require(try await OutboundMessage.query(on: portal.db).first())
            #expect(message.status == .failed)
            #expect(message.attempts == DeliveryWorker.maxAttempts)
        }
    }

    @Test func withoutATransportMessagesAreHeldForTheDevelopmentMailbox() async throws {
        try await TestPortal.run { portal in
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .sms, to: "+15550100", subject: "", body: "Code 123456", on: portal.db)
            _ = try await DeliveryWorker.runOnce(db: portal.db, transports: .none, worker: "w", now: Date(), logger: portal.app.logger)
            #expect(try await OutboundMessage.query(on: portal.db).first()?.status == .held)
        }
    }

    @Test func concurrentWorkersNeverClaimTheSameMessage() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            for index in 0..<60 {
                try await Outbox.enqueue(partnerID: partnerID, channel: .email, to: "p\(index)@example.com", subject: "S\(index)", body: "B", on: portal.db)
            }
            let now = Date()
            let claims = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [UUID] = []
                        while true {
                            let batch = try await Outbox.claim(worker: "w\(worker)", limit: 5, lease: 60, now: now, on: portal.db)
                            if batch.isEmpty { return mine }
                            mine += batch.compactMap(\.id)
                        }
                    }
                }
                var all: [[UUID]] = []
                for try await claimed in group { all.append(claimed) }
                return all
            }
            let flat = claims.flatMap { $0 }
            #expect(flat.count == 60)
            #expect(Set(flat).count == 60)
        }
    }

    @Test func anExpiredLeaseIsClaimedAgain() async throws {
        try await TestPortal.run { portal in
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "a@example.com", subject: "S", body: "B", on: portal.db)
            let now = Date()
            #expect(try await Outbox.claim(worker: "crashed", limit: 5, lease: 30, now: now, on: portal.db).count == 1)
            #expect(try await Outbox.claim(worker: "other", limit: 5, lease: 30, now: now.addingTimeInterval(10), on: portal.db).isEmpty)
            #expect(try await Outbox.claim(worker: "other", limit: 5, lease: 30, now: now.addingTimeInterval(31), on: portal.db).count == 1)
        }
    }

    @Test func aWorkerThatStopsReleasesItsClaims() async throws {
        try await TestPortal.run { portal in
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "a@example.com", subject: "S", body: "B", on: portal.db)
            let sent = try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "b@example.com", subject: "S", body: "B", on: portal.db)
            let now = Date()
            let claimed = try await Outbox.claim(worker: "stopping", limit: 5, lease: 120, now: now, on: portal.db)
            #expect(claimed.count == 2)
            try await Outbox.markSent(try #require(claimed.first { $0.id == sent.id }), now: now, on: portal.db)
            #expect(try await Outbox.release(worker: "stopping", on: portal.db) == 1)
            let again = try await Outbox.claim(worker: "next", limit: 5, lease: 120, now: now.addingTimeInterval(1), on: portal.db)
            #expect(again.map(\.recipient) == ["a@example.com"])
        }
    }

    @Test func backoffDoublesAndIsCapped() {
        #expect(Outbox.backoff(afterAttempt: 1) == 5)
        #expect(Outbox.backoff(afterAttempt: 2) == 10)
        #expect(Outbox.backoff(afterAttempt: 4) == 40)
        #expect(Outbox.backoff(afterAttempt: 30) == 900)
    }
}
