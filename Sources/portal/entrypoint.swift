import App
import Foundation
import Logging
import Vapor

@main
enum Entrypoint {
    static func main() async {
        let arguments = CommandLine.arguments
        let environment: Environment
        do {
            environment = try Environment.detect(arguments: arguments)
        } catch {
            fail("\(error)")
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
            fail("could not start: \(error)")
        }
        do {
            // Application.make has loaded .env files into the process environment by now.
            let config = try AppConfig.from(environment: ProcessInfo.processInfo.environment)
            try await configure(app, config: config)
            try await Startup.prepare(app, config: config, arguments: Array(environment.arguments.dropFirst()))
            try await app.execute()
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            fail(Startup.describe(error))
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("portal: \(message)\n".utf8))
        exit(1)
    }
}
