import Crypto
import Foundation
import NIOPosix

extension Backups {
    /// A backup file being read for a restore: every check that can refuse it runs before the
    /// restore changes anything. Read by one task from start to end, one entry after another.
    final class Archive: @unchecked Sendable {
        let path: String
        private let handle: FileHandle
        private let reader: BackupArchive.Reader
        private var remaining: [BackupManifest.File] = []

        init(path: String) throws {
            self.path = path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw BackupFailure("--from: there is no file \(shown(path)).")
            }
            guard !isDirectory.boolValue else { throw BackupFailure("--from: \(shown(path)) is a directory; give the backup file.") }
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw BackupFailure("--from: cannot read \(shown(path)) (permission denied?).")
            }
            self.handle = handle
            self.reader = BackupArchive.Reader(handle: handle)
        }

        func close() { try? handle.close() }

        private func notABackup(_ why: String) -> BackupFailure {
            BackupFailure("\(shown(path)) is not a backup made by `portal backup` (\(why)); nothing was changed.")
        }

        private func damaged(_ why: String) -> BackupFailure {
            BackupFailure("\(shown(path)) is damaged (\(why)); nothing was changed.")
        }

        /// Reads the manifest, which is the first entry of every backup.
        func manifest() throws -> BackupManifest {
            let start = (try? handle.read(upToCount: 16)) ?? nil
            if let start, start.starts(with: Data("SQLite format 3\0".utf8)) {
                throw notABackup("it is an SQLite database file; a backup is made with `portal backup --to FILE`")
            }
            if let start, start.starts(with: Data("PGDMP".utf8)) {
                throw notABackup("it is a pg_dump file; restore that with pg_restore")
            }
            // Shorter than one header: no tar archive at all, rather than one cut short.
            guard try handle.seekToEnd() >= UInt64(BackupArchive.blockSize) else { throw notABackup("it is not a tar archive") }
            try handle.seek(toOffset: 0)
            let first: BackupArchive.Entry?
            do {
                first = try reader.next()
            } catch let failure as BackupArchive.Damaged {
                throw notABackup(failure.description)
            }
            guard let first, first.name == BackupManifest.entryName else { throw notABackup("it does not begin with \(BackupManifest.entryName)") }
            let data: Data
            do {
                data = try reader.contents(of: first, limit: 1 << 20)
            } catch let failure as BackupArchive.Damaged {
                throw damaged(failure.description)
            }
            struct Identity: Decodable { let format: String; let version: Int }
            guard let identity = try? JSONDecoder().decode(Identity.self, from: data), identity.format == BackupManifest.formatName else {
                throw notABackup("its \(BackupManifest.entryName) is not a portal backup's")
            }
            guard identity.version <= BackupManifest.currentVersion else {
                throw BackupFailure("\(shown(path)) was made by a newer version of the portal (backup format \(identity.version)): restore it with that version or a later one; nothing was changed.")
            }
            guard let manifest = BackupManifest.decode(data) else { throw damaged("its \(BackupManifest.entryName) is unreadable") }
            let expected = (manifest.key == .included ? [BackupManifest.keyEntryName] : []) + [manifest.database.entryName]
            guard manifest.files.map(\.name) == expected else { throw damaged("its \(BackupManifest.entryName) does not list what a backup holds") }
            remaining = manifest.files
            return manifest
        }

        /// The backup's key file, when it holds one (it comes right after the manifest).
        func keyFile(_ manifest: BackupManifest) throws -> Data? {
            guard manifest.key == .included else { return nil }
            let file = try expect(BackupManifest.keyEntryName)
            do {
                guard let entry = try reader.next(), entry.name == file.name, entry.size == file.bytes else {
                    throw damaged("\(file.name) is missing or of the wrong size")
                }
                let data = try reader.contents(of: entry, limit: 4096)
                guard BackupArchive.hex(SHA256.hash(data: data)) == file.sha256 else { throw damaged("\(file.name) does not match its digest") }
                return data
            } catch let failure as BackupArchive.Damaged {
                throw damaged(failure.description)
            }
        }

        /// Streams the database into `staged` (an existing empty file), checking its size and digest,
        /// and that nothing follows it.
        func extractDatabase(_ manifest: BackupManifest, to staged: String) async throws {
            let file = try expect(manifest.database.entryName)
            try await NIOThreadPool.singleton.runIfActive { [self] in
                do {
                    guard let entry = try reader.next(), entry.name == file.name, entry.size == file.bytes else {
                        throw damaged("\(file.name) is missing or of the wrong size")
                    }
                    guard let output = FileHandle(forWritingAtPath: staged) else { throw BackupFailure("cannot write \(shown(staged)).") }
                    let digest: String
                    do {
                        digest = try reader.copy(entry, to: output)
                        try output.synchronize()
                        try output.close()
                    } catch {
                        try? output.close()
                        throw error
                    }
                    guard digest == file.sha256 else { throw damaged("\(file.name) does not match its digest") }
                    guard try reader.next() == nil else { throw damaged("something follows the database") }
                } catch let failure as BackupArchive.Damaged {
                    throw damaged(failure.description)
                } catch let failure as BackupFailure {
                    throw failure
                } catch {
                    throw BackupFailure("cannot write \(shown(staged)) (\(shown(error.localizedDescription))); nothing was restored.")
                }
            }
        }

        private func expect(_ name: String) throws -> BackupManifest.File {
            guard let file = remaining.first, file.name == name else { throw damaged("\(name) is not where a backup puts it") }
            remaining.removeFirst()
            return file
        }
    }
}
