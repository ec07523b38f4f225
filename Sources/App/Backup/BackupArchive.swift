import Crypto
import Foundation

/// A backup file is a POSIX tar archive (ustar), so that `tar -tf` lists it and `tar -xf`
/// takes it apart by hand when the portal is not at hand. Only regular files with short
/// names are written or accepted; sizes beyond ustar's 8 GiB use the base-256 form GNU tar reads.
enum BackupArchive {
    static let blockSize = 512
    static let chunkSize = 1 << 20

    struct Damaged: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes entries to an open file, one after another, then the end-of-archive marker.
    struct Writer {
        let handle: FileHandle

        func add(name: String, data: Data, modified: Date = Date()) throws {
            try handle.write(contentsOf: BackupArchive.header(name: name, size: UInt64(data.count), modified: modified))
            try handle.write(contentsOf: data)
            try pad(after: UInt64(data.count))
        }

        /// Copies the file at `path`, which must keep the `size` it had when it was hashed.
        func add(name: String, file path: String, size: UInt64, modified: Date = Date()) throws {
            try handle.write(contentsOf: BackupArchive.header(name: name, size: size, modified: modified))
            guard let source = FileHandle(forReadingAtPath: path) else { throw Damaged(description: "cannot read \(path)") }
            defer { try? source.close() }
            var copied: UInt64 = 0
            while let chunk = try source.read(upToCount: BackupArchive.chunkSize), !chunk.isEmpty {
                try handle.write(contentsOf: chunk)
                copied += UInt64(chunk.count)
            }
            guard copied == size else { throw Damaged(description: "\(path) changed while it was being archived") }
            try pad(after: size)
        }

        func finish() throws {
            try handle.write(contentsOf: Data(count: BackupArchive.blockSize * 2))
        }

        private func pad(after size: UInt64) throws {
            let remainder = Int(size % UInt64(BackupArchive.blockSize))
            if remainder > 0 { try handle.write(contentsOf: Data(count: BackupArchive.blockSize - remainder)) }
        }
    }

    struct Entry: Equatable {
        let name: String
        let size: UInt64
    }

    /// Reads entries in order; each entry's contents must be read (or skipped) before the next.
    final class Reader {
        private let handle: FileHandle
        private var pending: UInt64 = 0

        init(handle: FileHandle) { self.handle = handle }

        /// The next entry, or nil at the end-of-archive marker.
        func next() throws -> Entry? {
            try skip(pending)
            pending = 0
            let block = try exactly(BackupArchive.blockSize)
            if block.allSatisfy({ $0 == 0 }) { return nil }
            let entry = try BackupArchive.parse(header: [UInt8](block))
            pending = entry.size + UInt64(BackupArchive.padding(after: entry.size))
            return entry
        }

        /// The whole contents of the current entry, refused above `limit` bytes.
        func contents(of entry: Entry, limit: Int) throws -> Data {
            guard entry.size <= UInt64(limit) else { throw Damaged(description: "\(entry.name) is larger than a backup writes it") }
            let data = try exactly(Int(entry.size))
            try skip(UInt64(BackupArchive.padding(after: entry.size)))
            pending = 0
            return data
        }

        /// Streams the current entry into `destination` and returns its SHA-256 digest.
        func copy(_ entry: Entry, to destination: FileHandle) throws -> String {
            var hasher = SHA256()
            var left = entry.size
            while left > 0 {
                let chunk = try exactly(Int(min(left, UInt64(BackupArchive.chunkSize))))
                hasher.update(data: chunk)
                try destination.write(contentsOf: chunk)
                left -= UInt64(chunk.count)
            }
            try skip(UInt64(BackupArchive.padding(after: entry.size)))
            pending = 0
            return BackupArchive.hex(hasher.finalize())
        }

        private func exactly(_ count: Int) throws -> Data {
            var data = Data()
            while data.count < count {
                guard let chunk = try handle.read(upToCount: count - data.count), !chunk.isEmpty else {
                    throw Damaged(description: "it ends early (truncated)")
                }
                data.append(chunk)
            }
            return data
        }

        private func skip(_ count: UInt64) throws {
            var left = count
            while left > 0 {
                left -= UInt64(try exactly(Int(min(left, UInt64(BackupArchive.chunkSize)))).count)
            }
        }
    }

    static func padding(after size: UInt64) -> Int {
        let remainder = Int(size % UInt64(blockSize))
        return remainder == 0 ? 0 : blockSize - remainder
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        Hex.string(digest)
    }

    /// The SHA-256 digest and size of a file, read in chunks.
    static func digest(ofFile path: String) throws -> (sha256: String, size: UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Damaged(description: "cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += UInt64(chunk.count)
        }
        return (hex(hasher.finalize()), size)
    }

    // MARK: - ustar headers

    static func header(name: String, size: UInt64, modified: Date) -> Data {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: UInt64, at offset: Int, width: Int) {
            put(String(value, radix: 8).leftPadded(to: width - 1), at: offset)
        }
        precondition(name.utf8.count < 100, "archive entry names are short literals")
        put(name, at: 0)
        octal(0o600, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        if size < 0o77777777777 {
            octal(size, at: 124, width: 12)
        } else {
            block[124] = 0x80
            for index in 0..<8 { block[135 - index] = UInt8((size >> (8 * UInt64(index))) & 0xff) }
        }
        octal(UInt64(max(0, modified.timeIntervalSince1970)), at: 136, width: 12)
        put("        ", at: 148)
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        put("portal", at: 265)
        put("portal", at: 297)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(String(checksum, radix: 8).leftPadded(to: 6), at: 148)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return Data(block)
    }

    static func parse(header block: [UInt8]) throws -> Entry {
        let notTar = Damaged(description: "it is not a tar archive")
        guard block.count == blockSize, Array(block[257..<262]) == Array("ustar".utf8) else { throw notTar }
        let stored = String(decoding: block[148..<156], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
        var unsigned = 0
        for (index, byte) in block.enumerated() { unsigned += (148..<156).contains(index) ? Int(UInt8(ascii: " ")) : Int(byte) }
        guard let expected = Int(stored, radix: 8), expected == unsigned else {
            throw Damaged(description: "an entry's header is damaged")
        }
        guard block[156] == UInt8(ascii: "0") || block[156] == 0 else { throw Damaged(description: "it holds something other than plain files") }
        let name = String(decoding: block[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let prefix = block[345..<500].prefix { $0 != 0 }
        guard prefix.isEmpty, !name.isEmpty else { throw Damaged(description: "it holds an entry a backup never writes") }
        let size: UInt64
        if block[124] & 0x80 != 0 {
            var value: UInt64 = 0
            for byte in block[128..<136] { value = value << 8 | UInt64(byte) }
            guard block[125..<128].allSatisfy({ $0 == 0 }) else { throw Damaged(description: "an entry is impossibly large") }
            size = value
        } else {
            let digits = String(decoding: block[124..<136], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            guard let value = UInt64(digits, radix: 8) else { throw Damaged(description: "an entry's size is unreadable") }
            size = value
        }
        return Entry(name: name, size: size)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
