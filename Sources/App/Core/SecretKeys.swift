import Crypto
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Where the installation's secret key comes from: `SECRET_KEY` when set; otherwise a key
/// generated once into the data directory (next to the SQLite file), so that a new install
/// still starts with two commands; an in-memory database gets a key that lives as long as it.
enum SecretKeys {
    /// 32 bytes written as base64 (44 characters) or hex (64 characters).
    static func parse(_ raw: String) -> Data? {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, text.allSatisfy(\.isHexDigit) {
            var bytes = Data()
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return bytes
        }
        guard let data = Data(base64Encoded: text), data.count == SecretBox.byteCount else { return nil }
        return data
    }

    static func generate() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    /// The file a generated key is kept in for this storage, or nil when none is kept.
    static func keyFile(for storage: AppConfig.Storage) -> String? {
        switch storage {
        case .sqliteMemory: nil
        case .sqliteFile(let path): URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("secret.key").path
        case .postgres: "data/secret.key"
        }
    }

    struct Unusable: Error, CustomStringConvertible {
        let path: String
        let problem: String
        var description: String { "secret key file \(path): \(problem). Set SECRET_KEY, or fix or remove the file." }
    }

    static func box(for config: AppConfig, logger: Logger) throws -> SecretBox {
        if let secret = config.secretKey {
            return SecretBox(secret: secret, previous: config.previousSecretKeys)
        }
        guard let path = keyFile(for: config.storage) else {
            return SecretBox(secret: generate(), previous: config.previousSecretKeys)
        }
        if case .postgres = config.storage {
            logger.warning("SECRET_KEY is not set: using the key file \(path). Instances sharing this database must share the key; set SECRET_KEY.")
        }
        return SecretBox(secret: try loadOrCreate(path: path, logger: logger), previous: config.previousSecretKeys)
    }

    /// Reads the key file, or creates it (mode 0600) when there is none. Creation is exclusive,
    /// so of two instances starting at once one writes the key and both use it.
    static func loadOrCreate(path: String, logger: Logger) throws -> Data {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let key = generate()
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                let text = key.base64EncodedString() + "\n"
                let written = text.withCString { write(descriptor, $0, strlen($0)) }
                close(descriptor)
                guard written == text.utf8.count else { throw Unusable(path: path, problem: "could not be written") }
                logger.notice("Generated a secret key for encrypting stored secrets in \(path) (mode 0600). Back it up with the database; without it, authenticator-app sign-ins stop working.")
                return key
            }
            guard errno == EEXIST else { throw Unusable(path: path, problem: "could not be created (\(String(cString: strerror(errno))))") }
        }
        guard let contents = manager.contents(atPath: path), let text = String(data: contents, encoding: .utf8) else {
            throw Unusable(path: path, problem: "could not be read")
        }
        guard let key = parse(text) else { throw Unusable(path: path, problem: "does not hold 32 bytes in base64 or hex") }
        return key
    }
}

extension Application {
    private struct SecretBoxKey: StorageKey {
        typealias Value = SecretBox
    }

    /// Loading happens once per application; the lock keeps two first requests from making
    /// two different in-memory keys.
    private static let secretBoxLock = NIOLock()

    /// The application's secret box, loaded on first use from its configuration.
    func secrets() throws -> SecretBox {
        try Self.secretBoxLock.withLock {
            if let box = storage[SecretBoxKey.self] { return box }
            let box = try SecretKeys.box(for: portalConfig, logger: logger)
            storage[SecretBoxKey.self] = box
            return box
        }
    }
}
