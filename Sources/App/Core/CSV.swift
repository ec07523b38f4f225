/// RFC 4180 CSV, safe to open in a spreadsheet.
enum CSV {
    static func field(_ value: String) -> String {
        // A leading =, +, -, @, tab or carriage return would be read as a formula by spreadsheets.
        let safe = ["=", "+", "-", "@", "\t", "\r"].contains(where: value.hasPrefix) ? "'" + value : value
        let needsQuotes = safe.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        return needsQuotes ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
    }

    /// One record, with its CRLF.
    static func line(_ values: [String]) -> String {
        values.map(field).joined(separator: ",") + "\r\n"
    }
}
