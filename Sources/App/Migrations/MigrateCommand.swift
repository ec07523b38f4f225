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
            let revert = signature.revert
            let migrations = try await (revert ? app.migrator.previewRevertLastBatch() : app.migrator.previewPrepareBatch()).get()
            guard !migrations.isEmpty else { return console.print(revert ? "No migrations to revert." : "No new migrations.") }
            console.print("The following migration(s) will be \(revert ? "reverted" : "prepared"):")
            for (migration, _) in migrations {
                console.output("\(revert ? "-" : "+") \(migration.name)".consoleText(color: revert ? .red : .green))
            }
            guard console.confirm("Would you like to continue?".consoleText(.warning)) else { return console.warning("Migration cancelled") }
            try await (revert ? app.migrator.revertLastBatch() : app.migrator.prepareBatch()).get()
            console.print("Migration successful")
        }
    }
}
