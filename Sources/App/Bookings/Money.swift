import Foundation

/// Amounts as people type them ("12.50", "1,250.00") and as they are stored: whole minor
/// units of an ISO 4217 currency, which has 0, 2 or 3 decimals.
enum Money {
    /// Currencies whose minor unit is not a hundredth (ISO 4217's list).
    private static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0,
        "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// The largest amount accepted: a billion in major units, far inside Int64.
    static let maxMajor: Int64 = 1_000_000_000

    static func exponent(of currency: String) -> Int { exponents[currency] ?? 2 }

    /// Three capital letters, as ISO 4217 codes are written; typed lower case is accepted.
    static func currency(_ raw: String) -> OperatorInput.Checked {
        let code = raw.trimmingCharacters(in: .whitespaces).uppercased()
        guard code.unicodeScalars.count == 3, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            return .failure("Enter a three-letter currency code such as EUR.")
        }
        return .success(code)
    }

    /// "12.50" in minor units of `currency`: digits, an optional decimal point and at most as
    /// many decimals as the currency has, commas between thousands allowed; more than zero
    /// and at most `maxMajor`.
    static func parse(_ raw: String, currency: String) -> WorkspaceRecords.Parsed<Int64> {
        let exponent = exponent(of: currency)
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .failure("Enter an amount.") }
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        let ascii: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        let example = exponent == 0 ? "1250" : "12.5" + String(repeating: "0", count: exponent - 1)
        guard parts.count <= 2 else { return .failure("Enter an amount like \(example).") }
        let groups = parts[0].split(separator: ",", omittingEmptySubsequences: false)
        // Commas only between groups of three, as in 1,250.00.
        let groupedWell = groups.count == 1 || (groups.first.map { (1...3).contains($0.count) } ?? false) && groups.dropFirst().allSatisfy { $0.count == 3 }
        let whole = groups.joined()
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard groupedWell, !whole.isEmpty, whole.allSatisfy(ascii), fraction.allSatisfy(ascii), parts.count == 1 || !fraction.isEmpty
        else { return .failure("Enter an amount like \(example).") }
        guard fraction.count <= exponent else {
            return .failure(exponent == 0 ? "\(currency) has no decimals." : "\(currency) has at most \(exponent) decimals.")
        }
        let digits = whole.drop { $0 == "0" }
        guard digits.count <= 10, let major = Int64(digits.isEmpty ? "0" : String(digits)), major <= maxMajor else {
            return .failure("Enter an amount of at most \(maxMajor.formatted(.number.grouping(.automatic))).")
        }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let minorText = fraction + String(repeating: "0", count: exponent - fraction.count)
        let minor = major * scale + (Int64(minorText.isEmpty ? "0" : minorText) ?? 0)
        guard minor > 0 else { return .failure("Enter an amount greater than zero.") }
        guard minor <= maxMajor * scale else {
            return .failure("Enter an amount of at most \(maxMajor.formatted(.number.grouping(.automatic))).")
        }
        return .success(minor)
    }

    /// "1,234.50 EUR", with the currency's own number of decimals.
    static func format(_ minor: Int64, _ currency: String) -> String {
        let exponent = exponent(of: currency)
        var scale: UInt64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let whole = (magnitude / scale).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        guard exponent > 0 else { return "\(sign)\(whole) \(currency)" }
        let fraction = String(magnitude % scale)
        return "\(sign)\(whole).\(String(repeating: "0", count: exponent - fraction.count))\(fraction) \(currency)"
    }
}
