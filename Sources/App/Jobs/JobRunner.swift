import Fluent
import NIOConcurrencyHelpers
import Vapor

/// Runs the periodic jobs of `ScheduledJob.all` from the database, in every serving
/// instance: each polls about once a second, claims the jobs that are due with a lease, runs
/// them, records how they went and when each runs next. A job runs on one instance at a
/// time; an instance that dies mid-run leaves its lease to expire, and another runs the job
/// again (so every job is idempotent).
final class JobRunner: LifecycleHandler, Sendable {
    let jobs: [ScheduledJob]
    let delivery: DeliverySettings
    let workerID: String
    let pollInterval: Duration
    /// The longest wait before retrying a job that keeps failing.
    let backoffCap: TimeInterval
    /// The time a run reads; tests move it forward.
    let clock: @Sendable () -> Date
    private let loop = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// The jobs this instance is running now, which it does not claim again whatever their lease says.
    private let running = NIOLockedValueBox<Set<String>>([])

    init(jobs: [ScheduledJob] = ScheduledJob.all, delivery: DeliverySettings, workerID: String = JobRunner.makeWorkerID(),
         pollInterval: Duration = .seconds(1), backoffCap: TimeInterval = 300, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.jobs = jobs
        self.delivery = delivery
        self.workerID = workerID
        self.pollInterval = pollInterval
        self.backoffCap = backoffCap
        self.clock = clock
    }

    static func makeWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    func didBootAsync(_ app: Application) async throws {
        try await JobStore.register(jobs, now: clock(), on: app.db)
        let started = Task { [self, db = app.db, logger = app.logger] in
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    do {
                        let now = clock()
                        for claim in try await claimDue(now: now, on: db) {
                            group.addTask { _ = await self.run(claim, at: now, on: db, logger: logger) }
                        }
                    } catch {
                        logger.warning("claiming due jobs failed; trying again", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: pollInterval)
                }
            }
        }
        loop.withLockedValue { $0 = started }
    }

    /// Stops polling, lets the runs in progress end, then gives back every lease and
    /// whatever the jobs themselves hold (the outbox's claimed messages).
    func shutdownAsync(_ app: Application) async {
        let started = loop.withLockedValue { $0 }
        started?.cancel()
        await started?.value
        let context = JobContext(db: app.db, logger: app.logger, now: clock(), worker: workerID, delivery: delivery)
        for job in jobs {
            guard let release = job.release else { continue }
            do {
                let released = try await release(context)
                if released > 0 { app.logger.notice("released what a job held for other instances", metadata: ["job": "\(job.name)", "count": "\(released)"]) }
            } catch {
                app.logger.warning("could not release what a job held; it waits out its lease", metadata: ["job": "\(job.name)", "error": "\(error)"])
            }
        }
        do {
            try await JobStore.release(worker: workerID, on: app.db)
        } catch {
            app.logger.warning("could not release job leases; they run out by themselves", metadata: ["error": "\(error)"])
        }
    }

    /// One poll: claims what is due and runs it, waiting for every run. The loop does the
    /// same without waiting; tests call this with their clock.
    @discardableResult
    func tick(on db: any Database, logger: Logger) async throws -> [String: JobStore.Run] {
        let now = clock()
        let claims = try await claimDue(now: now, on: db)
        return await withTaskGroup(of: (String, JobStore.Run?).self) { group in
            for claim in claims {
                group.addTask { (claim.name, await self.run(claim, at: now, on: db, logger: logger)) }
            }
            var runs: [String: JobStore.Run] = [:]
            for await (name, run) in group { runs[name] = run }
            return runs
        }
    }

    private func claimDue(now: Date, on db: any Database) async throws -> [JobStore.Claim] {
        let busy = running.withLockedValue { $0 }
        let claims = try await JobStore.claim(jobs.filter { !busy.contains($0.name) }, worker: workerID, now: now, on: db)
        running.withLockedValue { $0.formUnion(claims.map(\.name)) }
        return claims
    }

    /// Runs a claimed job and records it; nil when nothing was recorded (stopping, or the
    /// lease was lost to another instance).
    func run(_ claim: JobStore.Claim, at now: Date, on db: any Database, logger: Logger) async -> JobStore.Run? {
        defer { running.withLockedValue { _ = $0.remove(claim.name) } }
        guard let job = jobs.first(where: { $0.name == claim.name }) else { return nil }
        let heartbeat = Task { await keepLease(of: job, on: db, logger: logger) }
        defer { heartbeat.cancel() }
        let context = JobContext(db: db, logger: logger, now: now, worker: workerID, delivery: delivery)
        let started = ContinuousClock.now
        let result: JobStore.Run.Result
        do {
            result = .ok(items: try await job.work(context))
        } catch {
            // Stopping: the lease is given back and the job stays due, for the next instance.
            if Task.isCancelled { return nil }
            result = .failed(kind: JobFailure.kind(of: error))
            logger.warning("job failed; retrying with backoff", metadata: [
                "job": "\(job.name)", "failures": "\(claim.consecutiveFailures + 1)",
                "retry_in_seconds": "\(Int(Self.retryDelay(afterFailures: claim.consecutiveFailures + 1, cap: backoffCap)))",
                "error": "\(error)",
            ])
        }
        heartbeat.cancel()
        let elapsed = ContinuousClock.now - started
        let finished = clock()
        let next: Date = switch result {
        case .ok: max(now.addingTimeInterval(job.interval), finished)
        case .failed: finished.addingTimeInterval(Self.retryDelay(afterFailures: claim.consecutiveFailures + 1, cap: backoffCap))
        }
        let run = JobStore.Run(result: result, finishedAt: finished,
                               duration: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                               nextRunAt: next)
        do {
            guard try await JobStore.record(run, of: job.name, worker: workerID, on: db) else {
                logger.notice("job outlasted its lease and another instance took it over; this run is not recorded", metadata: ["job": "\(job.name)"])
                return nil
            }
        } catch {
            logger.warning("could not record a job's run; its lease runs out and it runs again", metadata: ["job": "\(job.name)", "error": "\(error)"])
            return nil
        }
        return run
    }

    /// Renews the lease every third of it while the run lasts, so that a long run keeps its job.
    private func keepLease(of job: ScheduledJob, on db: any Database, logger: Logger) async {
        while true {
            do { try await Task.sleep(for: .seconds(max(1, job.lease / 3))) } catch { return }
            do {
                if try await !JobStore.renew(job.name, worker: workerID, until: clock().addingTimeInterval(job.lease), on: db) {
                    logger.notice("a running job's lease was taken over", metadata: ["job": "\(job.name)"])
                    return
                }
            } catch {
                logger.warning("could not renew a running job's lease", metadata: ["job": "\(job.name)", "error": "\(error)"])
            }
        }
    }

    /// 5 s after the first failure, doubling after each, up to `cap`.
    static func retryDelay(afterFailures failures: Int, cap: TimeInterval) -> TimeInterval {
        min(cap, 5 * pow(2, Double(min(max(0, failures - 1), 30))))
    }
}

/// What a failed run leaves on its row: the error's type, never its message, which could
/// hold an address or a name from a partner's data.
enum JobFailure {
    static let maxLength = 120

    static func kind(of error: any Error) -> String {
        let name = String(reflecting: type(of: error))
        let kept = name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._<>-".unicodeScalars.contains($0)) }
        let text = String(String.UnicodeScalarView(kept.prefix(maxLength)))
        return text.isEmpty ? "Error" : text
    }
}
