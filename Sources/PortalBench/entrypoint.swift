import App
import Vapor

/// `portal-bench`: measurements of the portal's own code on a real database, printed as
/// figures (scripts/bench). It builds the application exactly as `portal` does, from the same
/// configuration, and offers only the benchmark commands.
@main
enum BenchEntrypoint {
    static let commands: [String: any AnyAsyncCommand] = [
        "access": AccessBenchmarkCommand(),
        "list": ListQueryBenchmarkCommand(),
    ]

    static func main() async {
        // The portal's own commands (serve, migrate, …) belong to `portal`.
        await PortalMain.run(as: "portal-bench") { app in
            app.commands = Commands()
            app.asyncCommands = AsyncCommands(commands: commands)
        }
    }
}

/// A benchmark's refusal or a broken premise, printed as one line.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The operator a decision is about (the portal's, not the concurrency protocol of the same name).
typealias Actor = App.Actor
