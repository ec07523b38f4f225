import Foundation
import Prometheus

/// The process's own figures under their usual Prometheus names, read from `/proc/self` at each
/// scrape. Where `/proc` is missing (macOS), they are left out rather than guessed.
struct ProcessReadings: Sendable, Equatable {
    var residentBytes: Double?
    var openFileDescriptors: Double?
    var maxFileDescriptors: Double?
    /// Seconds since the Unix epoch.
    var startTime: Double?

    static func read(procRoot: String = "/proc") -> ProcessReadings {
        func text(_ path: String) -> String? { try? String(contentsOfFile: procRoot + "/" + path, encoding: .utf8) }
        var readings = ProcessReadings()
        if let statm = text("self/statm") { readings.residentBytes = residentBytes(statm: statm, pageSize: Self.pageSize) }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot + "/self/fd") { readings.openFileDescriptors = Double(entries.count) }
        if let limits = text("self/limits") { readings.maxFileDescriptors = maxOpenFiles(limits: limits) }
        if let stat = text("self/stat"), let system = text("stat") {
            readings.startTime = startTime(stat: stat, systemStat: system, ticksPerSecond: Self.ticksPerSecond)
        }
        return readings
    }

    /// `/proc/self/statm`: sizes in pages, the second of which is the resident set.
    static func residentBytes(statm: String, pageSize: Double) -> Double? {
        let fields = statm.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let pages = Double(fields[1]) else { return nil }
        return pages * pageSize
    }

    /// `/proc/self/limits`: the soft limit on the "Max open files" line.
    static func maxOpenFiles(limits: String) -> Double? {
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return line.dropFirst("Max open files".count).split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
    }

    /// `/proc/self/stat` gives the start in clock ticks after boot (field 22), `/proc/stat` the
    /// boot time (`btime`). The command name (field 2) may hold spaces and parentheses, so the
    /// fields are counted after its last `)`.
    static func startTime(stat: String, systemStat: String, ticksPerSecond: Double) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(whereSeparator: \.isWhitespace)
        // After the name come field 3 (state) onwards: field 22 is at offset 19.
        guard fields.count > 19, let ticks = Double(fields[19]), ticksPerSecond > 0,
              let bootLine = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let boot = Double(bootLine.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return boot + ticks / ticksPerSecond
    }

    #if os(Linux)
    static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    #else
    static let pageSize = Double(sysconf(_SC_PAGESIZE))
    static let ticksPerSecond = Double(sysconf(_SC_CLK_TCK))
    #endif

    func write(into registry: PrometheusCollectorRegistry) {
        let figures: [(String, String, String, Double?)] = [
            ("resident_memory", "bytes", "Resident memory size in bytes.", residentBytes),
            ("open", "fds", "Number of open file descriptors.", openFileDescriptors),
            ("max", "fds", "Maximum number of open file descriptors.", maxFileDescriptors),
            ("start_time", "seconds", "Start time of the process since the Unix epoch in seconds.", startTime),
        ]
        for (name, unit, help, value) in figures {
            guard let value else { continue }
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help)).set(value)
        }
    }
}
