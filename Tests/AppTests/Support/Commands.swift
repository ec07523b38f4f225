@testable import App
import ConsoleKit
import Foundation
import Vapor

extension TestPortal {
    /// Runs `portal <arguments>` as the binary does: an application started for that command,
    /// configured, booted, and the command run through the registered commands. Returns its output lines.
    @discardableResult
    static func command(_ arguments: [String], config: AppConfig) async throws -> [String] {
        let app = try await Application.make(Environment(name: "testing", arguments: ["portal"] + arguments))
        let console = CapturingConsole()
        do {
            try await configure(app, config: config)
            try await Startup.prepare(app, config: config, arguments: arguments)
            try await app.asyncBoot()
            var context = CommandContext(console: console, input: app.environment.commandInput)
            context.application = app
            try await console.run(app.asyncCommands.group(), with: context)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        return console.lines
    }
}

/// A console that keeps what a command prints, line by line.
final class CapturingConsole: Console, @unchecked Sendable {
    private(set) var lines: [String] = []
    var userInfo: [AnySendableHashable: any Sendable] = [:]
    var size: (width: Int, height: Int) { (120, 40) }

    func input(isSecure: Bool) -> String { "" }
    func output(_ text: ConsoleText, newLine: Bool) { lines.append(text.description) }
    func clear(_ type: ConsoleClear) {}
    func report(error: String, newLine: Bool) { lines.append(error) }
}
