import ConsoleKit
import Fluent
import Vapor

/// `portal migrate [--revert] [--yes]`: Fluent's command, run under `MigrationLock`, so that it
/// waits for an instance that is migrating at its start (and such an instance waits for it).
/// It lists what it would apply or revert and asks first (ConsoleKit's `--yes` answers for you).
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Revert the last batch of migrations instead of applying the new ones.")
        var revert: Bool
        init() {}
    }

    let help = "Apply the new migrations (or revert the last batch), waiting for any instance that is migrating."

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let console = context.console
        try await MigrationLock.withLock(app) {
            try await app.migrator.setupIfNeeded().get()
            if signature.revert {
                let migrations = try await app.migrator.previewRevertLastBatch().get()
                guard !migrations.isEmpty else { return console.print("No migrations to revert.") }
                console.print("The following migration(s) will be reverted:")
                for (migration, _) in migrations { console.output("- \(migration.name)".consoleText(color: .red)) }
                guard console.confirm("Would you like to continue?".consoleText(.warning)) else {
                    return console.warning("Migration cancelled")
                }
                try await app.migrator.revertLastBatch().get()
            } else {
                let migrations = try await app.migrator.previewPrepareBatch().get()
                guard !migrations.isEmpty else { return console.print("No new migrations.") }
                console.print("The following migration(s) will be prepared:")
                for (migration, _) in migrations { console.output("+ \(migration.name)".consoleText(color: .green)) }
                guard console.confirm("Would you like to continue?".consoleText(.warning)) else {
                    return console.warning("Migration cancelled")
                }
                try await app.migrator.prepareBatch().get()
            }
            console.print("Migration successful")
        }
    }
}
