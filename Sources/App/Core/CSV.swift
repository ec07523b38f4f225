/// RFC 4180 CSV, safe to open in a spreadsheet.
enum CSV {
    /// The tests look at bytes, not Characters: a comma or a quote followed by a combining
    /// mark is one Character to Swift but still a comma or a quote to a CSV reader.
    static func field(_ value: String) -> String {
        // A leading =, +, -, @, tab or carriage return would be read as a formula by spreadsheets.
        let safe = value.utf8.first.map { "=+-@\t\r".utf8.contains($0) } == true ? "'" + value : value
        guard safe.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
        else { return safe }
        var quoted = "\""
        for scalar in safe.unicodeScalars {
            if scalar == "\"" { quoted += "\"" }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }

    /// One record, with its CRLF.
    static func line(_ values: [String]) -> String {
        values.map(field).joined(separator: ",") + "\r\n"
    }
}
