import Foundation
import Logging
import Vapor

/// What a binary of the portal does from its first line: logging, the application built from
/// the configuration, start-up, then the command it was given. `portal` runs it as it is;
/// `portal-bench` replaces the commands with its benchmarks.
public enum PortalMain {
    public static func run(as name: String, commands adjust: @Sendable (Application) -> Void = { _ in }) async -> Never {
        let environment: Environment
        do {
            environment = try Environment.detect(arguments: CommandLine.arguments)
        } catch {
            fail(name, "\(error)")
        }
        // Logging starts before the configuration is read; a wrong value here falls back to
        // the default and is then reported by AppConfig, which stops start-up.
        let processEnvironment = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: processEnvironment["LOG_LEVEL"]?.lowercased() ?? "") ?? .info
        let format = AppConfig.LogFormat(rawValue: processEnvironment["LOG_FORMAT"]?.lowercased() ?? "") ?? .text
        PortalLogging.bootstrap(level: level, format: format)

        let app: Application
        do {
            app = try await Application.make(environment)
        } catch {
            fail(name, "could not start: \(error)")
        }
        do {
            // Application.make has loaded .env files into the process environment by now.
            let config = try AppConfig.from(environment: ProcessInfo.processInfo.environment)
            try await configure(app, config: config)
            adjust(app)
            try await Startup.prepare(app, config: config, arguments: Array(environment.arguments.dropFirst()))
            try await app.execute()
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            fail(name, Startup.describe(error))
        }
        exit(0)
    }

    static func fail(_ name: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
        exit(1)
    }
}
