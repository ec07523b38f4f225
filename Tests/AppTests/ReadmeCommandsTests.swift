@testable import App
import Foundation
import Testing
import Vapor

/// The README's commands table lists every command the `portal` binary registers.
@Suite struct ReadmeCommandsTests {
    static var readme: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        }
    }

    /// The rows of the "## Commands" table: the text of each row's first cell.
    static func tableCommands(_ readme: String) -> [String] {
        guard let start = readme.range(of: "\n## Commands\n") else { return [] }
        let section = readme[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        return section[..<end].split(separator: "\n").compactMap { line in
            line.hasPrefix("| `portal ") ? line.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } : nil
        }
    }

    @Test func theCommandsTableListsEveryRegisteredCommand() async throws {
        try await TestPortal.run { portal in
            var registered: [String] = []
            for (name, command) in portal.app.asyncCommands.commands {
                if let group = command as? any AsyncCommandGroup {
                    registered += group.commands.keys.map { "\(name) \($0)" }
                } else {
                    registered.append(name)
                }
            }
            #expect(registered.contains("serve") && registered.contains("migrate") && registered.contains("demo seed"))
            let rows = Self.tableCommands(try Self.readme)
            #expect(rows.count >= 10)
            for command in registered.sorted() {
                #expect(rows.contains { $0.hasPrefix("`portal \(command)`") || $0.hasPrefix("`portal \(command) ") },
                        "the README's commands table has no row for `portal \(command)`")
            }
        }
    }

    @Test func theNewUsersTwoCommandsStayAsTheyAre() throws {
        let readme = try Self.readme
        #expect(readme.contains("## Run it\n\n```sh\nswift run portal\n```"))
        #expect(readme.contains("## Test it\n\n```sh\nscripts/test\n```"))
    }
}
