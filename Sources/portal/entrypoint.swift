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
        let level = Logger.Level(rawValue: ProcessInfo.processInfo.environment["LOG_LEVEL"]?.lowercased() ?? "") ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }

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
