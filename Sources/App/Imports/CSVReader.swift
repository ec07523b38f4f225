import Foundation

/// Reads RFC 4180 CSV from bytes, a record at a time: fields separated by commas (or by the
/// semicolons or tabs a spreadsheet in some locales writes, guessed from the first line),
/// quoted fields with doubled quotes and line breaks inside, records ended by CRLF or LF.
/// Each field is decoded as UTF-8 on its own, so a record with bytes that are not UTF-8 is
/// reported by itself and the rest of the file still reads.
struct CSVReader: Sendable {
    struct Record: Sendable, Equatable {
        /// The record's number in the file, from 1 (the header row, when there is one, is 1).
        var number: Int
        var fields: [String]
        /// The first field that was not UTF-8, by its position from 0.
        var badEncoding: Int?
    }

    enum Failure: Error, Equatable {
        /// The file starts with a UTF-16 or UTF-32 byte-order mark.
        case notUTF8
        case empty
    }

    let bytes: [UInt8]
    let separator: UInt8
    private var index: Int
    private var number = 0

    init(_ data: Data) throws(Failure) {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { throw .notUTF8 }
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while bytes.count > start, [UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[bytes.count - 1]) { bytes.removeLast() }
        guard bytes.count > start else { throw .empty }
        self.bytes = bytes
        self.index = start
        self.separator = Self.guessSeparator(bytes[start...])
    }

    /// The separator the first line uses most, outside quotes: a comma unless semicolons or
    /// tabs are more.
    private static func guessSeparator(_ bytes: ArraySlice<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var quoted = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if !quoted, byte == UInt8(ascii: "\n") { break }
            if !quoted, [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")].contains(byte) { counts[byte, default: 0] += 1 }
        }
        let comma = counts[UInt8(ascii: ","), default: 0]
        let best = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        return best.map { $0.value > comma ? $0.key : UInt8(ascii: ",") } ?? UInt8(ascii: ",")
    }

    /// The next record, or nil at the end of the file.
    mutating func next() -> Record? {
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        while index < bytes.count {
            number += 1
            var fields: [String] = []
            var badEncoding: Int?
            var field: [UInt8] = []
            var endOfRecord = false
            func finishField() {
                if let text = String(validating: field, as: UTF8.self) {
                    fields.append(text)
                } else {
                    if badEncoding == nil { badEncoding = fields.count }
                    fields.append(String(decoding: field, as: UTF8.self))
                }
                field.removeAll(keepingCapacity: true)
            }
            while !endOfRecord {
                guard index < bytes.count else { finishField(); break }
                if bytes[index] == quote, field.isEmpty {
                    // A quoted field: to the closing quote; a doubled quote is one quote.
                    index += 1
                    while index < bytes.count {
                        if bytes[index] == quote {
                            if index + 1 < bytes.count, bytes[index + 1] == quote { field.append(quote); index += 2; continue }
                            index += 1
                            break
                        }
                        field.append(bytes[index])
                        index += 1
                    }
                    // Anything between the closing quote and the separator is kept, as spreadsheets do.
                    while index < bytes.count, bytes[index] != separator, bytes[index] != lf, bytes[index] != cr {
                        field.append(bytes[index]); index += 1
                    }
                }
                guard index < bytes.count else { finishField(); break }
                let byte = bytes[index]
                if byte == separator {
                    finishField()
                    index += 1
                    if index == bytes.count { finishField() }
                } else if byte == lf || byte == cr {
                    finishField()
                    index += byte == cr && index + 1 < bytes.count && bytes[index + 1] == lf ? 2 : 1
                    endOfRecord = true
                } else {
                    field.append(byte)
                    index += 1
                }
            }
            if fields.count == 1, fields[0].isEmpty, badEncoding == nil { continue }  // a blank line
            return Record(number: number, fields: fields, badEncoding: badEncoding)
        }
        return nil
    }
}
