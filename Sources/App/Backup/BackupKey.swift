import Crypto
import Foundation

/// What a backup does with the installation's secret key, and what a restore must do with it.
///
/// A database restored without the key that sealed its authenticator-app keys signs nobody in
/// with an authenticator app, and its recovery codes stop working: so a backup carries the key
/// when it comes from the key file, and when it comes from `SECRET_KEY` a restore goes ahead
/// only once that key is set again (or when told, with `--without-key`, that it is lost).
enum BackupKey {
    /// The key as the backup records it.
    struct Taken: Equatable {
        var source: BackupManifest.KeySource
        var id: String?
        /// The key file as it was, when the key came from it.
        var file: Data?
        /// Where the key file was looked for, for the messages.
        var path: String?
    }

    static func id(of secret: Data) -> String { SecretBox.Key(secret).id }

    static func take(config: AppConfig) throws -> Taken {
        if let secret = config.secretKey {
            return Taken(source: .environment, id: id(of: secret))
        }
        guard let path = SecretKeys.keyFile(for: config.storage) else { return Taken(source: .absent) }
        guard let contents = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw BackupFailure("cannot read the secret key file \(Backups.shown(path)).") }
            return Taken(source: .absent, path: path)
        }
        guard let text = String(data: contents, encoding: .utf8), let secret = SecretKeys.parse(text) else {
            throw BackupFailure("the secret key file \(Backups.shown(path)) does not hold 32 bytes in base64 or hex; fix it before backing up.")
        }
        return Taken(source: .included, id: id(of: secret), file: contents, path: path)
    }

    /// What the restore does about the key once the database is in place.
    enum Plan: Equatable {
        /// Write the backup's key file (mode 0600) where the portal will look for it.
        case write(path: String, contents: Data)
        /// Nothing to write; `note` is printed when there is something to say.
        case nothing(note: String?)
    }

    static let lostKeyConsequence = "authenticator apps and recovery codes of the restored installation will not work until an admin resets each person's two-step sign-in"

    /// Decides before anything is changed, so that a refusal leaves everything as it was.
    /// `included` is the backup's key file; `existing` is the key file already at the target.
    static func plan(manifest: BackupManifest, included: Data?, config: AppConfig, existing: Data?, withoutKey: Bool) throws -> Plan {
        let backupID = manifest.keyID ?? "unknown"
        let available = ([config.secretKey].compactMap { $0 } + config.previousSecretKeys).map(id(of:))
        let lost = Plan.nothing(note: "Restored without the backup's secret key (--without-key): \(lostKeyConsequence).")
        switch manifest.key {
        case .absent:
            return .nothing(note: "The backup holds no secret key (there was none when it was made); the portal uses \(config.secretKey == nil ? "a key file it generates at its next start" : "SECRET_KEY").")
        case .environment:
            if available.contains(backupID) { return .nothing(note: nil) }
            if withoutKey { return lost }
            let now = config.secretKey.map { "SECRET_KEY is set to another key (key id \(id(of: $0))). " } ?? "SECRET_KEY is not set. "
            throw BackupFailure("the backup was made with SECRET_KEY set (key id \(backupID)) and does not hold the key. \(now)Set SECRET_KEY to that key and run the restore again, or pass --without-key: \(lostKeyConsequence).")
        case .included:
            guard let included, let text = String(data: included, encoding: .utf8), let secret = SecretKeys.parse(text), id(of: secret) == backupID else {
                throw BackupFailure("the backup's secret key is damaged; nothing was restored.")
            }
            if let current = config.secretKey {
                if available.contains(backupID) { return .nothing(note: nil) }
                if withoutKey { return lost }
                throw BackupFailure("the backup holds its secret key (key id \(backupID)), but SECRET_KEY is set to another key (key id \(id(of: current))), which the portal would use instead. Unset SECRET_KEY, or add the backup's key (`tar -xOf BACKUP secret.key`) to SECRET_KEY_PREVIOUS, and run the restore again; or pass --without-key: \(lostKeyConsequence).")
            }
            guard let path = SecretKeys.keyFile(for: config.storage) else { throw BackupFailure("an in-memory database cannot be restored into.") }
            guard let existing else { return .write(path: path, contents: included) }
            let existingID = String(data: existing, encoding: .utf8).flatMap(SecretKeys.parse).map(id(of:))
            if existingID == backupID { return .nothing(note: nil) }
            if withoutKey { return lost }
            throw BackupFailure("\(Backups.shown(path)) already holds another secret key\(existingID.map { " (key id \($0))" } ?? ""); the backup's is key id \(backupID). Move that file away and run the restore again, or pass --without-key to keep it: \(lostKeyConsequence).")
        }
    }

    /// Creates the key file; it must not exist (another start could have made one meanwhile).
    static func install(_ contents: Data, at path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw BackupFailure("cannot create the secret key file \(Backups.shown(path)) (\(String(cString: strerror(errno)))); nothing was restored.")
        }
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == contents.count, synced else {
            unlink(path)
            throw BackupFailure("cannot write the secret key file \(Backups.shown(path)); nothing was restored.")
        }
    }
}

/// One line a person can act on; the command prints it after `portal:` and exits non-zero.
struct BackupFailure: Error, CustomStringConvertible, Equatable {
    let description: String
    init(_ description: String) { self.description = description }
}
