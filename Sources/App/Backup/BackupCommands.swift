import Vapor

/// `portal backup --to FILE` and `portal restore --from FILE [--without-key]` (see Backups).
enum BackupCommands {
    static let names: Set<String> = ["backup", "restore"]

    static func register(_ app: Application) {
        app.asyncCommands.use(BackupCommand(), as: "backup")
        app.asyncCommands.use(RestoreCommand(), as: "restore")
    }

    /// Whether this process runs a backup or a restore. Both work on the database files as they
    /// are, so start-up must neither open the SQLite file (that creates it), nor generate a key
    /// file, nor migrate.
    static func isRunning(_ app: Application) -> Bool {
        app.environment.arguments.dropFirst().first.map(names.contains) ?? false
    }
}

struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "to", help: "The file to write (replaced when it exists, once the new one is complete).") var to: String?
        init() {}
    }

    let help = "Write the database, and the secret key when it comes from the key file, to one file, while the portal keeps serving."

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let target = signature.to else { throw BackupFailure("--to: give the file to write, for example --to portal-backup.tar") }
        for line in try await Backups.create(to: target, app: context.application) { context.console.output("\(line)") }
    }
}

struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "A file written by `portal backup`.") var from: String?
        @Flag(name: "without-key", help: "Restore although the backup's secret key is not available; authenticator apps and recovery codes then need resetting.")
        var withoutKey: Bool
        init() {}
    }

    let help = "Restore a backup into a data directory with no database, or into an empty PostgreSQL database."

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let source = signature.from, !source.isEmpty else { throw BackupFailure("--from: give the backup file, for example --from portal-backup.tar") }
        for line in try await Backups.restore(from: source, withoutKey: signature.withoutKey, app: context.application) {
            context.console.output("\(line)")
        }
    }
}
