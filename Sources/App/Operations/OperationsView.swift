import Foundation

/// `/operations`: the background jobs, a row each, and the partner's outbox backlog.
enum OperationsView {
    struct Model: Sendable, Equatable {
        enum Outcome: Sendable, Equatable { case never, ok, failed, running }

        struct Job: Sendable, Equatable {
            let title: String
            let name: String
            let lastRun: Date?
            let outcome: Outcome
            let failure: String?
            let nextRun: Date?
            let consecutiveFailures: Int
            let lastDuration: String?
            let items: Int?
        }

        struct Backlog: Sendable, Equatable {
            let queued: Int
            let held: Int
            let failed: Int
            let oldestQueuedAge: String?
        }

        var jobs: [Job]
        var backlog: Backlog

        init(jobs: [Job], backlog: Backlog) {
            self.jobs = jobs
            self.backlog = backlog
        }

        init(_ snapshot: OperationsOverview.Snapshot) {
            jobs = snapshot.jobs.map { job in
                let outcome: Outcome = if job.running { .running } else {
                    switch job.lastOutcome {
                    case .ok: .ok
                    case .failed: .failed
                    case nil: .never
                    }
                }
                return Job(title: job.title, name: job.name, lastRun: job.lastStartedAt, outcome: outcome,
                           failure: job.lastOutcome == .failed ? job.lastFailure : nil, nextRun: job.nextRunAt,
                           consecutiveFailures: job.consecutiveFailures,
                           lastDuration: job.lastDurationMS.map { OperationsView.duration(TimeInterval($0) / 1000) }, items: job.lastItems)
            }
            let backlog = snapshot.backlog
            self.backlog = Backlog(queued: backlog.queued, held: backlog.held, failed: backlog.failed,
                                   oldestQueuedAge: backlog.oldestQueuedAt.map { OperationsView.duration(max(0, snapshot.now.timeIntervalSince($0))) })
        }
    }

    /// A length of time in the largest unit that keeps it readable: "0.25 s", "42 s", "3 min", "5 h", "2 days".
    static func duration(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<10: String(format: "%.2f s", seconds)
        case ..<120: "\(Int(seconds)) s"
        case ..<7200: "\(Int(seconds / 60)) min"
        case ..<172_800: "\(Int(seconds / 3600)) h"
        default: "\(Int(seconds / 86_400)) days"
        }
    }

    static func render(_ model: Model) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Operations")),
                      .p(.text("The background jobs every instance shares, and the messages of yours still to be sent.")))),
            backlog(model.backlog),
            jobs(model.jobs)
        )
    }

    private static func backlog(_ backlog: Model.Backlog) -> Markup {
        func stat(_ label: String, _ value: String) -> Markup {
            .div(.class("stat"), .div(.class("label"), .text(label)), .div(.class("value"), .text(value)))
        }
        return .section(.attr("aria-labelledby", "outbox-title"),
            .h2(.id("outbox-title"), .text("Outbox")),
            .div(.class("grid"),
                 stat("Queued", String(backlog.queued)),
                 stat("In the development mailbox", String(backlog.held)),
                 stat("Failed", String(backlog.failed)),
                 stat("Oldest queued", backlog.oldestQueuedAge ?? "None queued")))
    }

    private static func jobs(_ jobs: [Model.Job]) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        func when(_ date: Date?, else empty: String) -> Markup {
            .unwrap(date, { .text(DisplayDate.text($0, .second)) }, else: .text(empty))
        }
        return .section(.class("card"), .attr("aria-labelledby", "jobs-title"),
            .h2(.id("jobs-title"), .text("Background jobs")),
            .p(.class("hint"), .text("Shared by every instance: each job runs on one at a time, and a failed run is retried sooner, then less often.")),
            .div(.class("table-wrap"), .table(
                .thead(.tr(header("Job"), header("Last run"), header("Outcome"), header("Next run"), header("Failures in a row"),
                           header("Last duration"), header("Items"))),
                .tbody(.forEach(jobs) { job in
                    .tr(.td(.text(job.title), .br(), .small(.code(.text(job.name)))),
                        .td(when(job.lastRun, else: "Never")),
                        .td(outcome(job)),
                        .td(when(job.nextRun, else: "When an instance starts")),
                        .td(.text(String(job.consecutiveFailures))),
                        .td(.text(job.lastDuration ?? "—")),
                        .td(.text(job.items.map(String.init) ?? "—")))
                }))))
    }

    private static func outcome(_ job: Model.Job) -> Markup {
        switch job.outcome {
        case .never: .span(.class("badge"), .text("Not run yet"))
        case .ok: .span(.class("badge success"), .text("OK"))
        case .running: .span(.class("badge brand"), .text("Running"))
        case .failed:
            .group(.span(.class("badge danger"), .text("Failed")),
                   .unwrap(job.failure, { .group(.br(), .small(.text($0))) }))
        }
    }
}
