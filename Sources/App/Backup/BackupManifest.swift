import Foundation

/// The first entry of every backup (`portal-backup.json`): what the file holds, so that a
/// restore can refuse the wrong file before it touches anything.
struct BackupManifest: Codable, Equatable, Sendable {
    static let entryName = "portal-backup.json"
    static let formatName = "operator-portal backup"
    static let currentVersion = 1

    enum Engine: String, Codable, Sendable {
        case sqlite, postgresql

        /// The archive entry that holds the database.
        var entryName: String {
            switch self {
            case .sqlite: "portal.sqlite"
            case .postgresql: "portal.pgdump"
            }
        }

        var displayName: String {
            switch self {
            case .sqlite: "SQLite"
            case .postgresql: "PostgreSQL"
            }
        }
    }

    /// Where the key that encrypts authenticator-app keys was when the backup was made.
    enum KeySource: String, Codable, Sendable {
        /// From the key file: the backup holds it as `secret.key`.
        case included
        /// From `SECRET_KEY`: the backup does not hold it; whoever restores must set it.
        case environment
        /// Neither was there: nothing encrypted in the database can be read with any key.
        case absent
    }

    struct File: Codable, Equatable, Sendable {
        var name: String
        var bytes: UInt64
        var sha256: String
    }

    var format: String = Self.formatName
    var version: Int = Self.currentVersion
    var database: Engine
    var createdAt: Date
    var key: KeySource
    /// The id of the key (as sealed values name it), so a restore can tell whether it has the right one.
    var keyID: String?
    /// Migrations applied to the database, oldest first.
    var migrations: [String]
    /// Every other entry, in the order written.
    var files: [File]

    static let keyEntryName = "secret.key"

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    static func decode(_ data: Data) -> BackupManifest? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(BackupManifest.self, from: data)
    }
}
